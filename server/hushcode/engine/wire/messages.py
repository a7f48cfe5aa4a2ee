"""The messages on the pipe between the server and its engine process, one frozen dataclass each,
grouped with their answers (the codec that writes and reads them is in this package's __init__)."""


from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar, Literal, TypeAlias

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

TYPES: dict[Tag, type[Message]] = {cls.TAG: cls for cls in (
    Load, Tokenize, Detokenize, Generate, Candidate, Score, EndRanking, Cancel, GetStats, Shutdown,
    Loaded, LoadFailed, Tokens, Texts, Token, Progress, Done, CandidateLines, Scored, Stats, Error)}
