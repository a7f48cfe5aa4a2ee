"""The pipe protocol between the server and its engine process: one JSON object per line.

Each message is a frozen dataclass (messages.py), with its answers. Server to engine, tagged `op`:
Load, Tokenize, Detokenize, Generate, Candidate, Score, EndRanking, Cancel, GetStats, Shutdown.
Engine to server, tagged `ev`: Loaded, LoadFailed, Tokens, Texts, Token, Progress, Done,
CandidateLines, Scored, Stats, Error. `encode` writes one as a line of JSON that a person can read
(`{"op":"tokenize","id":3,"texts":["x = 1"]}`); `decode` rebuilds the dataclass and refuses
anything else with ValueError. Messages carry token ids and small settings, never whole files.

The generation and load messages are the service's own request types plus what the pipe needs
(an id, llama.cpp's verbosity), so a setting added to `GenerateRequest` reaches the engine as is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from hushcode.engine.wire.messages import (
    TYPES,
    Cancel,
    Candidate,
    CandidateLines,
    Detokenize,
    Done,
    EndRanking,
    Error,
    Event,
    Generate,
    GetStats,
    Load,
    Loaded,
    LoadFailed,
    Markers,
    Message,
    Progress,
    Query,
    Request,
    Score,
    Scored,
    Shutdown,
    Stats,
    Tag,
    Texts,
    Token,
    Tokenize,
    Tokens,
)

__all__ = [
    "TYPES", "Cancel", "Candidate", "CandidateLines", "Detokenize", "Done", "EndRanking", "Error",
    "Event", "Generate", "GetStats", "Load", "LoadFailed", "Loaded", "Markers", "Message", "Progress",
    "Query", "Request", "Score", "Scored", "Shutdown", "Stats", "Tag", "Texts", "Token", "Tokenize",
    "Tokens", "decode", "encode",
]


def _flat(item: type) -> Callable[[Any, Any], list[Any]]:
    """A list of plain `item`s, checked without cattrs' per-item work: a prompt or a minified line
    holds tens of thousands of token ids, on every keystroke. (A string is not a list of texts.)"""
    def check(value: Any, _: Any) -> list[Any]:
        if not isinstance(value, list) or not all(type(v) is item for v in value):
            raise ValueError(f"expected a list of {item.__name__}")
        return value
    return check


def _converter() -> cattrs.Converter:
    converter = cattrs.Converter()
    ids, texts = _flat(int), _flat(str)
    converter.register_structure_hook_func(lambda kind: kind == list[int], ids)
    converter.register_structure_hook_func(lambda kind: kind == tuple[int, ...], lambda v, k: tuple(ids(v, k)))
    converter.register_structure_hook_func(lambda kind: kind == tuple[str, ...], lambda v, k: tuple(texts(v, k)))
    converter.register_unstructure_hook_func(lambda kind: kind in (list[int], tuple[int, ...], tuple[str, ...]), list)
    # the names the pipe has always used; the engine's environment is set when it starts
    path, no_env, as_texts = override(rename="path"), override(omit=True), override(rename="texts")
    converter.register_unstructure_hook(Load, make_dict_unstructure_fn(Load, converter, model_path=path, env=no_env))
    converter.register_structure_hook(Load, make_dict_structure_fn(Load, converter, model_path=path, env=no_env))
    converter.register_unstructure_hook(Done, make_dict_unstructure_fn(Done, converter, alternatives=as_texts))
    converter.register_structure_hook(Done, make_dict_structure_fn(Done, converter, alternatives=as_texts))
    return converter


_CONVERTER = _converter()


def encode(message: Message) -> bytes:
    """One message as a line of compact JSON, its tag first."""
    key, name = message.TAG
    body = {key: name, **_CONVERTER.unstructure(message)}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def decode(line: bytes | str) -> Message:
    """The message on one line; ValueError for anything else (not JSON, an unknown tag, a
    missing field or a value of the wrong type)."""
    data = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("an engine message is a JSON object")  # noqa: TRY004 -- the codec's one error
    key: Literal["op", "ev"] = "op" if "op" in data else "ev"
    name = data.pop(key, None)
    kind = TYPES.get((key, name)) if isinstance(name, str) else None
    if kind is None:
        raise ValueError(f"unknown engine message {key}={name!r}")
    try:
        return _CONVERTER.structure(data, kind)
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"malformed engine message {name!r}: {exc}") from exc
