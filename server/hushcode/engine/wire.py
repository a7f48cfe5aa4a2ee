"""The pipe protocol between the server and its engine process: one JSON object per line.

Server to engine (`op`): load, tokenize, detokenize, generate, cancel, stats, shutdown.
Engine to server (`ev`): loaded, load_failed, tokens, texts, token, done, stats, error.
Messages carry token ids and small settings, never whole files.
"""

from __future__ import annotations

import json
from typing import Any

Message = dict[str, Any]


def encode(message: Message) -> bytes:
    """One message as a line of compact JSON."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def decode(line: bytes) -> Message:
    """Parse one line; raises ValueError on anything that is not a JSON object."""
    message = json.loads(line)
    if not isinstance(message, dict):
        raise ValueError("engine message is not an object")
    return message
