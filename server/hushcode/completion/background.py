"""Work the user did not ask for, that makes the next suggestion cheaper.

- warm-up: a just-opened document's prompt is evaluated while the user reads it, so that its
  first suggestion does not pay for a cold prompt;
- evaluation later: after a cold cache was answered from the short prompt, the full prompt is
  evaluated in the background;
- speculation: while the user reads a suggestion, the next one is computed "as if accepted"
  (and Enter pressed) and cached: accepting and going on costs no model call.

Every piece runs at the engine's lowest priority (any real request pre-empts it) as a task this
module keeps a reference to and whose failure it logs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from hushcode.completion.offload import off_loop
from hushcode.completion.plan import Suggestion, is_cold
from hushcode.completion.trace import Trace
from hushcode.config.settings import CompletionSettings
from hushcode.documents.positions import position_of, resolve_position
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.contracts import GenerateRequest
from hushcode.engine.interface import CompletionEngine
from hushcode.prompt.assemble import CHARS_PER_TOKEN, prompt_format

if TYPE_CHECKING:  # the service owns this object and hands itself in
    from hushcode.completion.service import CompletionService

log = logging.getLogger("hushcode.completion")


def as_if_accepted(doc: DocumentSnapshot, offset: int, suggestion: Suggestion) -> tuple[DocumentSnapshot, int, int]:
    """The document after accepting `suggestion` at `offset` and pressing Enter, and the new
    cursor (line, code point): the editor asks again on the new line, at its indentation."""
    head = doc.text[:offset] + suggestion.text
    last_line = head[head.rfind("\n") + 1:]
    indent = last_line[: len(last_line) - len(last_line.lstrip(" \t"))]
    if last_line.rstrip().endswith((":", "{", "(", "[")):
        indent += "\t" if indent.startswith("\t") else "    "
    head += "\n" + indent
    text = head + doc.text[offset + suggestion.replace_end:]
    line, character = position_of(text, len(head), "utf-32")
    return doc.with_text(text), line, character


def warm_offset(text: str, cursor: int | None, fmt: str, prefix_tokens: int) -> int | None:
    """Where to warm a document up: where the user last asked, else (for a PSM prompt, which
    starts at the window's first line: from the top of the file, that part is the same for every
    cursor in its first screens) the end of the first window; None for SPM prompts, which start
    with the text below the cursor: nothing is stable yet."""
    if cursor is not None and cursor <= len(text):
        return cursor
    if fmt.startswith("spm"):
        return None
    budget = prefix_tokens * CHARS_PER_TOKEN
    end = text.rfind("\n", 0, budget)
    return len(text) if len(text) <= budget else max(end, 0)


class Background:
    """The completion service's background work, and the tasks that run it."""

    def __init__(self, service: CompletionService) -> None:
        self._service = service
        self.tasks: set[asyncio.Task[None]] = set()
        # the prompt the engine's KV cache is expected to hold (the last one sent), and its document
        self.cached_prompt: tuple[str, list[int]] | None = None

    def sending(self, engine: CompletionEngine, uri: str, tokens: list[int], cfg: CompletionSettings) -> bool:
        """A prompt is about to be sent: is the engine's cache cold for it (plan.is_cold), where
        prompt evaluation is what a suggestion costs? From now on the cache holds it."""
        cached = self.cached_prompt[1] if self.cached_prompt and self.cached_prompt[0] == uri else []
        self.cached_prompt = (uri, tokens)
        return engine.capabilities.prompt_bound and is_cold(cached, tokens, cfg)

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    def evaluate_later(self, engine: CompletionEngine, uri: str, tokens: list[int]) -> None:
        """Evaluate a full prompt in the background (lowest priority; any request pre-empts it, and
        what it evaluated before that stays in the cache for the next keystroke)."""
        trace = Trace(req="warm_full", doc=PurePosixPath(uri).name, evaluation=True)
        self._spawn(self._evaluate(engine, uri, tokens, trace), "evaluate")

    async def _evaluate(self, engine: CompletionEngine, uri: str, tokens: list[int], trace: Trace) -> None:
        """Evaluate a prompt at the lowest priority (no generation) and log it as a warm-up."""
        timeout_ms = self._service.settings.completion.timeout_ms
        result = await engine.generate(GenerateRequest(tokens=tokens, document=uri, speculative=True, max_tokens=0,
                                                       timeout_ms=timeout_ms))
        trace.result = "cancelled" if result is None or result.reason == "cancelled" else "warmed"
        if result is not None:
            trace.record(result)
        self._service.stats.warmups += 1
        trace.finish()

    def speculate(self, doc: DocumentSnapshot, line: int, character: int, encoding: str, suggestion: Suggestion,
                  ticket: int) -> None:
        """After a while, unless the user asked again since request `ticket`, compute the
        suggestion that would follow accepting `suggestion` (it lands in the suggestion cache)."""
        self._spawn(self._speculate(doc, line, character, encoding, suggestion, ticket), "speculate")

    async def _speculate(self, doc: DocumentSnapshot, line: int, character: int, encoding: str,
                         suggestion: Suggestion, ticket: int) -> None:
        service = self._service
        cfg = service.settings.completion
        await asyncio.sleep(cfg.speculate_after_ms / 1000)
        if not cfg.speculative or not service.debounce.tickets.newest(doc.uri, ticket):
            return  # the user typed on
        cursor = resolve_position(doc.text, line, character, encoding)
        if cursor is None:
            return
        accepted, line2, char2 = await off_loop(as_if_accepted, doc, cursor.offset, suggestion)
        trace = Trace(req="speculative", doc=doc.name)
        await service.run(accepted, line2, char2, "utf-32", trace, 1, speculative=True)
        service.stats.speculative = trace
        trace.finish()

    def warm(self, doc: DocumentSnapshot, delay_ms: int = 300) -> None:
        """Evaluate a just-opened document's prompt in the background after `delay_ms`."""
        self._spawn(self._warm(doc, delay_ms), "warm-up")

    async def _warm(self, doc: DocumentSnapshot, delay_ms: int) -> None:
        await asyncio.sleep(delay_ms / 1000)
        service = self._service
        engine = service.engine
        cfg = service.settings.completion
        if not cfg.warm_up or engine is None or engine.model is None:
            return
        if service.debounce.tickets.holds(doc.uri):
            return  # the user is already asking for suggestions here
        model = engine.model
        offset = warm_offset(doc.text, service.cursors.get(doc.uri), prompt_format(cfg.prompt_format, model),
                             cfg.prefix_tokens)
        if offset is None:
            return
        trace = Trace(req="warmup", doc=doc.name, evaluation=True)
        prompt = await service.prompt(engine, model, doc, offset, trace, speculative=True)
        if prompt is not None:
            self.cached_prompt = (doc.uri, prompt.full)
            await self._evaluate(engine, doc.uri, prompt.full, trace)
