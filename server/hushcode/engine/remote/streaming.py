"""Streamed text from a server, stopped by the same rules as the local engine (pure: no I/O).

The local engine checks its stop rules after every token (worker/decoder.py). A remote
engine gets text pieces (about one token each) and checks the same rules after every piece:
when one is met, the caller closes the HTTP stream, which tells the server to stop.
"""

from __future__ import annotations

import json
from typing import Any

from hushcode.engine.contracts import GenerateRequest
from hushcode.worker.stop_rule import StopRule


class StreamStop:
    """Accumulates streamed pieces and says when to stop, and why."""

    def __init__(self, request: GenerateRequest, started: float = 0.0) -> None:
        self.request = request
        self.rule = StopRule(request.stop_indent, request.stop_unmatched_close)
        self.text = ""
        self.pieces = 0
        # the first-suggestion budget: past this moment, stop at the next line end
        self.line_end_after = started + request.budget_ms / 1000 if request.budget_ms > 0 else None

    def feed(self, piece: str, now: float = 0.0) -> str | None:
        """Add one piece; the reason to stop now ("newline", "stop_text", "scope_end", "budget",
        "length") or None to go on. As in the local engine, the piece that meets a rule is kept."""
        self.text += piece
        self.pieces += 1
        if self.request.stop_at_newline and "\n" in self.text:
            return "newline"
        if any(s in self.text for s in self.request.stop_texts):
            return "stop_text"
        if self.rule.met(self.text):
            return "scope_end"
        if self.line_end_after is not None and "\n" in piece and self.text.strip() and now > self.line_end_after:
            return "budget"
        if self.pieces >= self.request.max_tokens:
            return "length"
        return None


def server_stops(request: GenerateRequest, marker_texts: tuple[str, ...], limit: int | None = None) -> list[str]:
    """Stop strings for the server, most useful first: it then ends cleanly by itself in the
    common cases (a line completion's newline) and the stream stays reusable."""
    stops = (["\n"] if request.stop_at_newline else []) + list(request.stop_texts) + list(marker_texts)
    unique = list(dict.fromkeys(s for s in stops if s))
    return unique[:limit] if limit is not None else unique


def sse_data(line: str) -> str | None:
    """The payload of a server-sent-events `data:` line; None for anything else (comments,
    event names, blank separators)."""
    if not line.startswith("data:"):
        return None
    return line[5:].strip()


def json_object(text: str) -> dict[str, Any] | None:
    """A JSON object, or None for anything else (a server's keep-alive, a truncated line)."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
