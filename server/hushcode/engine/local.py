"""The local engine as the completion service sees it: tokenize, generate, stats, state.

The model runs in a supervised child process (engine/process.py) reached over pipes, so nothing
here blocks the server's loop. Guarantees, besides the process's own:
- one generation at a time, and the newest request for a document wins: an older one waiting is
  dropped, a running one is told to stop (engine/scheduler.py; the engine also runs its requests
  one at a time);
- a real request pre-empts background work (warm-up, speculation) from its first step, tokenizing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from hushcode.engine import wire
from hushcode.engine.candidates import PipeCandidates
from hushcode.engine.contracts import EngineConfig, EngineState, GenerateRequest, GenerateResult, Notify
from hushcode.engine.interface import Capabilities, Ranker
from hushcode.engine.process import HARD_GRACE_S, EngineProcess
from hushcode.engine.scheduler import Job, Queued, Scheduler

log = logging.getLogger("hushcode.engine")

_ANSWER_S = HARD_GRACE_S + 30  # the longest wait for a tokenize or detokenize answer


class LocalEngine(EngineProcess, Queued):
    """A `CompletionEngine` in the engine process (with `config.vocab_only`, a tokenizer only: the
    isolated vocabulary of a remote engine's model)."""

    kind = "local"
    url: str | None = None

    def __init__(self, config: EngineConfig, notify: Notify, on_state: Callable[[], None] = lambda: None):
        super().__init__(config, notify, on_state)
        # job ids are request ids on the pipe: they share the process's numbering
        self.scheduler = Scheduler(self._stop_job, ids=self._ids, grace_s=HARD_GRACE_S)

    @property
    def model_path(self) -> str | None:
        return self.config.model_path

    @property
    def capabilities(self) -> Capabilities:
        on_cpu = self.model is not None and (self.model.gpu_layers or 0) == 0
        return Capabilities(alternatives=True, ranking=True, prompt_bound=on_cpu)

    async def tokenize(self, texts: list[str], speculative: bool = False) -> list[list[int]] | None:
        """Tokenize the user's text (special tokens disabled); None if the engine is not ready.
        A real request's tokenize pre-empts background work (warm-up, speculation): the engine
        answers requests in order, so it would otherwise wait behind it."""
        if self.state is not EngineState.READY:
            return None
        if not speculative:
            self.scheduler.preempt()
        answer = await self.ask(wire.Tokenize(next(self._ids), tuple(texts)), _ANSWER_S)
        return [list(ids) for ids in answer.tokens] if isinstance(answer, wire.Tokens) else None

    async def detokenize(self, token_lists: list[list[int]]) -> list[str] | None:
        """The text of each list of token ids (control tokens as their text); None if not ready."""
        if self.state is not EngineState.READY:
            return None
        query = wire.Detokenize(next(self._ids), tuple(tuple(ids) for ids in token_lists))
        answer = await self.ask(query, _ANSWER_S)
        return list(answer.texts) if isinstance(answer, wire.Texts) else None

    async def stats(self) -> dict[str, Any] | None:
        """The engine's own counters (generations, max concurrent generations, ...) and its
        timeline of recent generations."""
        if self.state is not EngineState.READY:
            return None
        answer = await self.ask(wire.GetStats(next(self._ids)), 30)
        if not isinstance(answer, wire.Stats):
            return None
        return {**answer.stats, "timeline": [list(span) for span in answer.timeline]}

    async def generate(self, request: GenerateRequest, ranker: Ranker | None = None) -> GenerateResult | None:
        """Run one generation; None when superseded, cancelled or the engine is unavailable. A
        ranked request's `ranker` runs inside the same turn: no other generation can take the
        engine's cache before the ranking is over, and a newer request stops it like any other."""
        if self.config.vocab_only:
            return None  # a tokenizer has no weights to generate with
        return await self.scheduler.run(request.document, request.speculative,
                                         lambda job: self._generate(job, request, ranker), request.waits)

    async def _generate(self, job: Job, request: GenerateRequest, ranker: Ranker | None) -> GenerateResult | None:
        if self.state is not EngineState.READY:
            return None
        self.generating = False
        hard_deadline_s = request.timeout_ms / 1000 + HARD_GRACE_S
        try:
            answer = await self.ask_watched(wire.Generate.of(job.id, request), hard_deadline_s)
        finally:
            self.generating = False
        if isinstance(answer, wire.Error):
            log.warning("engine error for request %s: %s", job.id, answer.message)
        if not isinstance(answer, wire.Done):
            return None
        result = answer.result()
        if request.rank is None:
            return result
        try:  # the engine keeps the prompt for the ranker's questions until it is told the ranking is over
            if ranker is None or result.reason in ("cancelled", "deadline"):
                return result
            ask: Callable[[wire.Query], Awaitable[wire.Event | None]] = \
                lambda question: self.ask_watched(question, hard_deadline_s)
            return await ranker(result, PipeCandidates(ask, self._ids, job.id))
        finally:
            self.send(wire.EndRanking(job.id))

    def _stop_job(self, job: Job) -> None:
        self.send(wire.Cancel(job.id))
