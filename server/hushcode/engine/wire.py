"""The pipe protocol between the server and its engine process: one JSON object per line.

Each message is a frozen dataclass, below with its answers. Server to engine, tagged `op`: Load,
Tokenize, Detokenize, Generate, Candidate, Score, EndRanking, Cancel, GetStats, Shutdown. Engine
to server, tagged `ev`: Loaded, LoadFailed, Tokens, Texts, Token, Progress, Done, CandidateLines,
Scored, Stats, Error. `encode` writes one as a line of
JSON that a person can read (`{"op":"tokenize","id":3,"texts":["x = 1"]}`); `decode` rebuilds the dataclass and refuses
anything else with ValueError. Messages carry token ids and small settings, never whole files.

The generation and load messages are the service's own request types plus what the pipe needs
(an id, llama.cpp's verbosity), so a setting added to `GenerateRequest` reaches the engine as is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal, TypeAlias

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from hushcode.engine.contracts import (
    EngineConfig,
    GenerateRequest,
    GenerateResult,
    Lines,
    LoadedModel,
    Scoring,
)
from hushcode.prompt.layout import ChatMarkers, RepoMarkers
from hushcode.prompt.templates import FimMarkers

Tag: TypeAlias = tuple[Literal["op", "ev"], str]


# -- loading ------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Load(EngineConfig):
    """Load the model (the first request). `env` does not travel: it is the process's environment."""

    TAG: ClassVar[Tag] = ("op", "load")
    verbose: bool = False  # llama.cpp's own logging (to stderr)

    @classmethod
    def of(cls, config: EngineConfig) -> Load:
        return cls(**{f.name: getattr(config, f.name) for f in fields(config)})


@dataclass(frozen=True)
class Markers:
    """The FIM marker ids the engine found in the model's vocabulary."""

    prefix: int
    suffix: int
    middle: int | None
    order: Literal["psm", "spm"]
    texts: tuple[str, ...]
    end_of_text: int | None = None


@dataclass(frozen=True)
class Loaded:
    """The model is loaded: its vocabulary's facts, and the resources the engine chose."""

    TAG: ClassVar[Tag] = ("ev", "loaded")
    model: str
    template: str
    markers: Markers
    n_ctx: int
    load_ms: float
    pid: int
    threads: int
    threads_batch: int
    gpu_layers: int  # as used (-1: all)
    network_audit: bool  # the engine's network audit hook runs (netguard.py)
    bos: int | None
    variant: str  # "base" or "instruct"
    chat: ChatMarkers
    repo: RepoMarkers

    def facts(self) -> LoadedModel:
        """What the service reads of the loaded model."""
        m = self.markers
        markers = FimMarkers(template=self.template, prefix=m.prefix, suffix=m.suffix, middle=m.middle,
                             order=m.order, stop_ids=(), marker_texts=m.texts, end_of_text=m.end_of_text)
        return LoadedModel(name=self.model, markers=markers, bos=self.bos, n_ctx=self.n_ctx, load_ms=self.load_ms,
                           repo=self.repo, variant=self.variant, chat=self.chat,
                           threads=(self.threads, self.threads_batch), gpu_layers=self.gpu_layers)


@dataclass(frozen=True)
class LoadFailed:
    """The model did not load; `kind` says why (the server words it for the user)."""

    TAG: ClassVar[Tag] = ("ev", "load_failed")
    kind: Literal["unloadable", "no_memory", "no_fim"]
    message: str
    model: str | None = None  # the model's name, when the file could be read


# -- the vocabulary -------------------------------------------------------------------------
@dataclass(frozen=True)
class Tokenize:
    """Token ids of the user's texts, special tokens never parsed (answered at once, even while
    a generation runs: worker/main.py)."""

    TAG: ClassVar[Tag] = ("op", "tokenize")
    id: int
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Tokens:
    """The answer to `Tokenize`: one list of ids per text."""

    TAG: ClassVar[Tag] = ("ev", "tokens")
    id: int
    tokens: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Detokenize:
    """The text of each list of token ids, control tokens spelled out (a remote engine's prompt)."""

    TAG: ClassVar[Tag] = ("op", "detokenize")
    id: int
    tokens: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Texts:
    """The answer to `Detokenize`: one text per list of ids."""

    TAG: ClassVar[Tag] = ("ev", "texts")
    id: int
    texts: tuple[str, ...]


# -- generating -----------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Generate(GenerateRequest):
    """One generation: the service's request, with the id its answers carry."""

    TAG: ClassVar[Tag] = ("op", "generate")
    id: int

    @classmethod
    def of(cls, id: int, request: GenerateRequest) -> Generate:
        return cls(id=id, **{f.name: getattr(request, f.name) for f in fields(request)})


@dataclass(frozen=True)
class Progress:
    """A prompt chunk evaluated: proof of life during a long prompt."""

    TAG: ClassVar[Tag] = ("ev", "progress")
    id: int
    evaluated: int


@dataclass(frozen=True)
class Token:
    """A piece of the running generation's text: proof of life, and `generating` for the status."""

    TAG: ClassVar[Tag] = ("ev", "token")
    id: int
    text: str


@dataclass(frozen=True, kw_only=True)
class Done(GenerateResult):
    """A generation's result, with its request's id."""

    TAG: ClassVar[Tag] = ("ev", "done")
    id: int

    def result(self) -> GenerateResult:
        return GenerateResult(**{f.name: getattr(self, f.name) for f in fields(GenerateResult)})


# -- ranking a blank line (after a `Generate` with `rank`; completion/ranking/) ------------
@dataclass(frozen=True)
class Candidate:
    """Lines a candidate can be, from the prompt of the ranked generation `session`: the line
    after the prefix alone (`way="left_to_right"`), lines written from `start` (`values` values
    after an ` =`), or the FIM prompt's line that starts with `token`."""

    TAG: ClassVar[Tag] = ("op", "candidate")
    id: int
    session: int
    way: Literal["left_to_right", "start", "first"]
    start: str = ""
    values: int = 0
    token: int = 0


@dataclass(frozen=True, kw_only=True)
class CandidateLines(Lines):
    """The answer to `Candidate`."""

    TAG: ClassVar[Tag] = ("ev", "lines")
    id: int


@dataclass(frozen=True)
class Score:
    """log P(`text` [+ the end-of-text token] | the prefix) in the ranked generation `session`,
    not read further once below `floor` (None: no floor)."""

    TAG: ClassVar[Tag] = ("op", "score")
    id: int
    session: int
    text: str
    end_of_text: int | None = None
    floor: float | None = None


@dataclass(frozen=True, kw_only=True)
class Scored(Scoring):
    """The answer to `Score`."""

    TAG: ClassVar[Tag] = ("ev", "scored")
    id: int


@dataclass(frozen=True)
class EndRanking:
    """The ranking of generation `session` is over: the engine may use its cache for other work."""

    TAG: ClassVar[Tag] = ("op", "end_ranking")
    session: int


@dataclass(frozen=True)
class Cancel:
    """Stop generation `id` (read at once, beside the running generation); one that has not
    started yet ends at once, cancelled."""

    TAG: ClassVar[Tag] = ("op", "cancel")
    id: int


# -- the rest -------------------------------------------------------------------------------
@dataclass(frozen=True)
class GetStats:
    """The engine's own counters and its timeline of recent generations (tests, benchmarks)."""

    TAG: ClassVar[Tag] = ("op", "stats")
    id: int


@dataclass(frozen=True)
class Stats:
    """The answer to `GetStats`."""

    TAG: ClassVar[Tag] = ("ev", "stats")
    id: int
    stats: dict[str, int]
    timeline: tuple[tuple[int, float, float], ...] = ()  # (id, start, end) of recent generations
    active: int = 0  # generations running now (never more than one)


@dataclass(frozen=True)
class Error:
    """A request failed (no model loaded, a bug); its caller gets nothing."""

    TAG: ClassVar[Tag] = ("ev", "error")
    id: int | None
    message: str


@dataclass(frozen=True)
class Shutdown:
    """Exit now (closing the engine's input says the same)."""

    TAG: ClassVar[Tag] = ("op", "shutdown")


# answered by an event with its id
Query: TypeAlias = Tokenize | Detokenize | Generate | Candidate | Score | GetStats
Request: TypeAlias = Load | Query | EndRanking | Cancel | Shutdown
Event: TypeAlias = Loaded | LoadFailed | Tokens | Texts | Token | Progress | Done | CandidateLines | Scored | Stats | Error
Message: TypeAlias = Request | Event

_TYPES: dict[Tag, type[Message]] = {cls.TAG: cls for cls in (
    Load, Tokenize, Detokenize, Generate, Candidate, Score, EndRanking, Cancel, GetStats, Shutdown,
    Loaded, LoadFailed, Tokens, Texts, Token, Progress, Done, CandidateLines, Scored, Stats, Error)}


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
    kind = _TYPES.get((key, name)) if isinstance(name, str) else None
    if kind is None:
        raise ValueError(f"unknown engine message {key}={name!r}")
    try:
        return _CONVERTER.structure(data, kind)
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"malformed engine message {name!r}: {exc}") from exc
