"""The seam between the completion service and whatever computes completions.

`CompletionEngine` is what `CompletionService`, the server's status and the handlers use. Two
kinds implement it: the supervised local engine process (`local.LocalEngine`) and the remote
engines (`remote/`: a llama.cpp server, an OpenAI-compatible server, Ollama). Prompt building,
context, decisions and post-processing are the same for every kind: the service asks the engine
for the model's vocabulary facts (`model`), token ids of the user's text (`tokenize`, special
tokens never parsed from the user's text) and one generation from token ids (`generate`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hushcode.engine.contracts import (
    EngineState,
    GenerateRequest,
    GenerateResult,
    Lines,
    LoadedModel,
    Scoring,
)


@dataclass(frozen=True)
class Capabilities:
    """What an engine can do beyond one greedy generation; the completion service asks these
    instead of the engine's kind."""

    alternatives: bool  # continues the next likeliest first tokens too (GenerateRequest.alternatives)
    ranking: bool  # answers a blank line's ranking (GenerateRequest.rank, a CandidateSource)
    # prompt evaluation is what a suggestion costs (a CPU engine): a cold cache gets the short prompt
    prompt_bound: bool


class CandidateSource(Protocol):
    """The model's side of ranking one blank line: lines and scores from the prompt of a ranked
    generation, which the engine keeps meanwhile (worker/candidates.py answers in the engine)."""

    async def left_to_right(self) -> Lines:
        """The line after the prefix alone."""
        ...

    async def from_start(self, start: str, values: int) -> Lines:
        """Lines written from `start`; after ` =`, one for each of the `values` likeliest values."""
        ...

    async def from_first(self, token: int) -> Lines:
        """The fill-in-the-middle prompt's line that starts with `token`."""
        ...

    async def score(self, text: str, end_of_text: int | None, floor: float) -> Scoring:
        """log P(text [+ end of text] | prefix), cut short below `floor`."""
        ...


# Turns a ranked generation's result into the chosen one, asking the source (completion/ranking/)
Ranker = Callable[[GenerateResult, CandidateSource], Awaitable[GenerateResult]]


class CompletionEngine(Protocol):
    """One engine, local or remote. Every method answers on the server's event loop and never
    blocks it; `tokenize` and `generate` answer None instead of raising when the engine cannot
    serve (not ready, unreachable, superseded, cancelled)."""

    kind: str  # "local", "llama-server", "openai" or "ollama"
    url: str | None  # where code is sent: None for the local engine
    state: EngineState
    model: LoadedModel | None  # the FIM markers and facts of the model's vocabulary, once ready
    last_error: str | None  # the last problem, in words
    pid: int | None  # the local engine process, None for a remote engine
    restarts: int
    generating: bool  # True once the running generation has produced a token
    network_audit: bool | None  # whether the engine's own network audit hook runs (None: no process of ours)

    @property
    def waiting(self) -> int:
        """Generations waiting for the engine now (engine/scheduler.py)."""
        ...

    @property
    def max_waiting(self) -> int:
        """The most generations that ever waited at once."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """What this engine can do, now (it may depend on the loaded model)."""
        ...

    @property
    def model_path(self) -> str | None:
        """The GGUF file in use on this machine, if any (remote engines: the local tokenizer's)."""
        ...

    def start(self) -> None:
        """Start in the background and return at once; `state` tells the progress."""

    async def stop(self) -> None:
        """Stop, cancelling any generation, and release processes and connections."""

    async def wait_ready(self, timeout: float) -> bool:
        """Wait until the engine is ready (True) or `timeout` seconds have passed."""
        ...

    async def tokenize(self, texts: list[str], speculative: bool = False) -> list[list[int]] | None:
        """Token ids of each text, special tokens never parsed (or defused: see docs/team.md)."""
        ...

    async def generate(self, request: GenerateRequest, ranker: Ranker | None = None) -> GenerateResult | None:
        """One greedy generation from `request.tokens` with the request's stop rules and deadline.
        The newest request of a document supersedes a running one; speculative work yields. With
        `request.rank` and a `ranker` (an engine with `capabilities.ranking`), the ranker chooses
        the result while the engine keeps the prompt for its questions."""
        ...

    async def stats(self) -> dict[str, Any] | None:
        """The engine's own counters (generations, cancelled, ...), or None when unavailable."""
        ...
