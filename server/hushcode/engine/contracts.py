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
class RankRequest:
    """A blank line to be ranked (completion/ranking/): what the engine must keep for it."""

    context: int  # prompt tokens before the FIM suffix marker: the left-to-right context
    firsts: int  # the FIM prompt's likeliest first tokens to read before the greedy output


@dataclass(frozen=True)
class FirstToken:
    """One of the FIM prompt's likeliest first tokens, with its text."""

    token: int
    piece: str


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
    # background work the user asked for (a next edit): waits behind real requests instead of
    # yielding, stops speculative work, and any real request still pre-empts it (engine/scheduler.py)
    waits: bool = False
    alternatives: int = 1  # >1: also greedy continuations of the next most likely first tokens
    skip_greedy: bool = False  # only those others (a manual trigger's choices after its first item)
    reuse_min_chunk: int = 16  # shift cached chunks of at least this many tokens (0: prefix reuse only)
    timeout_ms: int = 10000
    budget_ms: int = 0  # > 0: after this many ms of generation, stop at the next line end
    # a blank line to rank (local engine only): after the greedy output, the engine keeps this
    # prompt for the ranking's questions (the `ranker` of `CompletionEngine.generate`)
    rank: RankRequest | None = None
    # tokens the output mostly copies (a next edit: the region as it is): the engine guesses ahead
    # from them, several tokens a decode, and the output is still the greedy one (worker/copy_ahead.py)
    draft: tuple[int, ...] = ()
    # every generated token's log-probability comes back (`GenerateResult.token_logprobs`): how
    # sure the model was of each part of a next edit (nextedit/confidence.py)
    token_logprobs: bool = False


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
    ranked: int = 0  # candidate lines compared (completion/ranking/); 0: the greedy line was kept unranked
    first_token: int | None = None  # the greedy output's first token (a ranked request)
    firsts: tuple[FirstToken, ...] = ()  # the FIM prompt's likeliest first tokens (a ranked request)
    # the greedy output's first line of code, token by token: the model's confidence in it (local engine)
    first_line_logprobs: tuple[float, ...] = ()
    drafted: int = 0  # generated tokens taken from the request's draft
    # when the request asked: (where the token's text ends in `text`, its log-probability), in order
    token_logprobs: tuple[tuple[int, float], ...] = ()


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
