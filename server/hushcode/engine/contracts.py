"""What the server and its engine exchange, as typed values (no I/O here)."""

from __future__ import annotations

import enum
import signal
from collections.abc import Callable
from dataclasses import dataclass, field

from hushcode.prompt.layout import ChatMarkers, RepoMarkers
from hushcode.prompt.templates import FimMarkers


class EngineState(enum.Enum):
    STOPPED = "stopped"
    LOADING = "loading"
    READY = "ready"
    RESTARTING = "restarting"
    FAILED = "error"
    UNREACHABLE = "unreachable"  # a remote engine that does not answer; completions are off until it does


class EngineCrashed(RuntimeError):
    """The engine process ended while a request was in flight."""


@dataclass(frozen=True)
class EngineConfig:
    model_path: str
    n_ctx: int = 4096
    threads: int = 0  # 0: every core (see engine/resources.py for the automatic choice)
    threads_batch: int = 0  # prompt evaluation; 0: the same as threads
    gpu_layers: int = -1  # -1: all layers when the llama.cpp build has a GPU, else 0
    n_batch: int = 512
    env: dict[str, str] = field(default_factory=dict)
    vocab_only: bool = False  # load only the vocabulary: a tokenizer for a remote engine


@dataclass(frozen=True)
class RankSpec:
    """What the server asks for (one blank-line request)."""

    candidates: int  # FIM lines compared with the left-to-right one when they differ, the greedy one included
    context: int  # prompt tokens before the FIM suffix marker: the left-to-right context
    below: str  # the lines after the cursor's ("\n" + the next lines)
    end_of_text: int | None = None  # the model's end-of-text token, when the document ends after `below`
    # where the cursor follows the line's indentation (the editor chose it): what a candidate starts
    # with instead of its own leading whitespace (the space the prompt held back, or nothing), as
    # the cleanup will show it (postprocess/whitespace.py); None: keep the candidate's own
    lead: str | None = None
    # the language's line comment ("#", "//"): a candidate that is only a comment is not compared
    # with lines of code (see `rank`); None: unknown, every candidate is compared
    comment: str | None = None
    # where blocks end by dedent and the code below is a statement of the cursor's block: how a
    # block header ends (Python's ":"). A header alone there would have no body (the code below is
    # not indented under it): it is not compared (see `rank`); None: every candidate is
    header: str | None = None
    # names the code below reads that nothing before the cursor defines (syntax/python/): where
    # no candidate defines one, a line that starts with it is written left to right and compared
    define: tuple[str, ...] = ()
    # modules the code below reads (`re.split`) that nothing imports: `import re` is compared
    imports: tuple[str, ...] = ()
    # the cursor is at the end of a function that returns no value yet (syntax/python/result.py): where no
    # candidate returns one, a `return` line is written left to right and compared
    result: bool = False
    # where the code below is a statement of the cursor's block: the words that start a jump away
    # (`return`, `raise`, `break`, `continue`, `throw`). A line starting with one would leave that
    # code unreachable (the cleanup rejects it, postprocess/reachability.py): it is not compared
    jumps: tuple[str, ...] = ()
    # names the cursor's function assigns only below the cursor (syntax/python/): a line that
    # reads one raises UnboundLocalError (the cleanup rejects it, postprocess/unbound_local.py): it
    # is not compared, and it does not count as defining a name
    later: tuple[str, ...] = ()
    # (name, literal) for a name of `define` that the code below first compares with a literal
    # (`state == "start"`, `prev is None`): `name = literal` is compared too
    values: tuple[tuple[str, str], ...] = ()



@dataclass(frozen=True)
class GenerateRequest:
    tokens: list[int]
    document: str
    max_tokens: int = 64
    stop_at_newline: bool = False
    stop_texts: tuple[str, ...] = ()
    stop_indent: int | None = None  # stop when a later line is indented less than this
    stop_unmatched_close: bool = False  # stop at a closing bracket with no opener in the output
    speculative: bool = False  # background work: never waits, and any real request pre-empts it
    alternatives: int = 1  # >1: also greedy continuations of the next most likely first tokens
    reuse_min_chunk: int = 16  # shift cached chunks of at least this many tokens (0: prefix reuse only)
    timeout_ms: int = 10000
    budget_ms: int = 0  # > 0: after this many ms of generation, stop at the next line end
    # a blank line: compare the greedy line with the left-to-right one and, when they differ, with
    # other candidates (local engine only; see worker/ranking.py)
    rank: RankSpec | None = None


@dataclass(frozen=True)
class GenerateResult:
    text: str
    reason: str
    prompt_tokens: int
    reused: int
    evaluated: int
    generated: int
    prompt_ms: float
    gen_ms: float
    control_tokens: int
    alternatives: tuple[str, ...] = ()
    shifted: int = 0
    ranked: int = 0  # candidate lines compared (worker/ranking.py); 0: the greedy line was kept unranked


NO_REPO_MARKERS = RepoMarkers(None, None)
NO_CHAT_MARKERS = ChatMarkers(None, None)


@dataclass(frozen=True)
class LoadedModel:
    name: str
    markers: FimMarkers
    bos: int | None
    n_ctx: int
    load_ms: float
    repo: RepoMarkers = NO_REPO_MARKERS
    variant: str = "base"  # or "instruct"
    chat: ChatMarkers = NO_CHAT_MARKERS
    threads: tuple[int, int] | None = None  # (generation, prompt evaluation), as the engine used them
    gpu_layers: int | None = None  # as the engine used it (-1: all)


Notify = Callable[[str, str], None]  # (level: "info"|"warning"|"error", message in words)


def describe_exit(returncode: int) -> str:
    """A user-readable account of how the engine process ended."""
    if returncode < 0:
        sig = signal.Signals(-returncode)
        meaning = {
            signal.SIGSEGV: "crashed (segmentation fault in llama.cpp)",
            signal.SIGABRT: "aborted (an assertion in llama.cpp failed)",
            signal.SIGKILL: "was killed (SIGKILL; the out-of-memory killer does this)",
            signal.SIGBUS: "crashed (bus error; is the model file truncated or on a removed disk?)",
        }.get(sig, "was stopped by a signal")
        return f"{meaning} [{sig.name}]"
    return f"exited with status {returncode}"


@dataclass(frozen=True)
class Lines:
    """Candidate lines for a blank line, written by the engine (worker/candidates.py)."""

    texts: tuple[str, ...] | None  # None: cancelled or out of time
    generated: int  # tokens generated for them
    reason: str | None = None  # why there are none: "cancelled" or "deadline"


@dataclass(frozen=True)
class Scoring:
    """A candidate's score (worker/candidates.py)."""

    score: float | None  # log P(text [+ end of text] | prefix), cut short below the floor; None: not scored
    reason: str | None = None  # why not: "cancelled", "deadline", or None (past the context's end)
