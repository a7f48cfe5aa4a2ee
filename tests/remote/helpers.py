"""Shared pieces of the remote-engine tests: a started engine against a fake server."""

from __future__ import annotations

import socket
from typing import Any

from hushcode.engine.contracts import GenerateRequest
from hushcode.engine.remote.base import RemoteEngine
from hushcode.engine.remote.llama_server import LlamaServerEngine
from hushcode.engine.remote.ollama import OllamaEngine
from hushcode.engine.remote.openai import OpenAIEngine
from hushcode.engine.remote.options import RemoteOptions

CLASSES: dict[str, type[RemoteEngine]] = {"llama-server": LlamaServerEngine, "openai": OpenAIEngine,
                                          "ollama": OllamaEngine}


class Messages(list[tuple[str, str]]):
    """What the engine told the user (level, message)."""

    def __call__(self, level: str, message: str) -> None:
        self.append((level, message))

    def of(self, level: str) -> list[str]:
        return [m for lv, m in self if lv == level]


def make(kind: str, port: int, **options: Any) -> tuple[RemoteEngine, Messages]:
    messages = Messages()
    engine = CLASSES[kind](RemoteOptions(url=f"http://127.0.0.1:{port}", **options), messages)
    return engine, messages


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def fim_request(engine: RemoteEngine, prefix: str, suffix: str, document: str = "file:///a.py",
                      **fields: Any) -> GenerateRequest:
    """A PSM prompt as CompletionService lays it out, tokenized by the engine."""
    assert engine.model is not None
    parts = await engine.tokenize([prefix, suffix])
    assert parts is not None
    m = engine.model.markers
    assert m.middle is not None
    tokens = [m.prefix, *parts[0], m.suffix, *parts[1], m.middle]
    return GenerateRequest(tokens=tokens, document=document, **{"max_tokens": 32, "timeout_ms": 10000, **fields})
