"""The seam between the completion service and whatever computes completions.

`CompletionEngine` is what `CompletionService`, the server's status and the handlers use. Two
kinds implement it: the supervised local engine process (`local.LocalEngine`) and the remote
engines (`remote/`: a llama.cpp server, an OpenAI-compatible server, Ollama). Prompt building,
context, decisions and post-processing are the same for every kind: the service asks the engine
for the model's vocabulary facts (`model`), token ids of the user's text (`tokenize`, special
tokens never parsed from the user's text) and one generation from token ids (`generate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from hushcode.engine.contracts import EngineState, GenerateRequest, GenerateResult, LoadedModel


@dataclass(frozen=True)
class Capabilities:
    """What an engine can do beyond one greedy generation; the completion service asks these
    instead of the engine's kind."""

    alternatives: bool  # continues the next likeliest first tokens too (GenerateRequest.alternatives)
    ranking: bool  # ranks a blank line's candidates (GenerateRequest.rank)
    # prompt evaluation is what a suggestion costs (a CPU engine): a cold cache gets the short prompt
    prompt_bound: bool


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

    async def generate(self, request: GenerateRequest) -> GenerateResult | None:
        """One greedy generation from `request.tokens` with the request's stop rules and deadline.
        The newest request of a document supersedes a running one; speculative work yields."""
        ...

    async def stats(self) -> dict[str, Any] | None:
        """The engine's own counters (generations, cancelled, ...), or None when unavailable."""
        ...
