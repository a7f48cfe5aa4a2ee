"""The completion service: one suggestion for one cursor, end to end.

Data flow: snapshot -> decide (plan) -> window, retrieval, tokens (engine) -> prompt (assemble)
-> request (plan) -> generate (engine) -> cleanup (plan) -> suggestion. This module only
orchestrates (debounce, cache, cold prompt, engine calls, other choices, the record: trace.py),
on the event loop; the pure steps run in a worker thread on the immutable snapshot (offload.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hushcode.completion import choices
from hushcode.completion.background import Background
from hushcode.completion.cache import CachedText, SuggestionCache
from hushcode.completion.confidence import confidence, withheld
from hushcode.completion.later import Later, RankedLater
from hushcode.completion.offload import off_loop, timed
from hushcode.completion.plan import (
    Ask,
    Planned,
    Suggestion,
    decide_at,
    first_clean,
    indented,
    plan,
    suffix_budget,
)
from hushcode.completion.ranking import ranker
from hushcode.completion.rhythm import Debounce
from hushcode.completion.trace import CompletionStats, Trace, elapsed_ms
from hushcode.config.settings import Settings
from hushcode.documents.positions import resolve_position
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.contracts import GenerateResult, LoadedModel
from hushcode.engine.interface import CompletionEngine
from hushcode.postprocess.pipeline import FILTERS, PIPELINES
from hushcode.prompt import assemble
from hushcode.prompt.assemble import CHARS_PER_TOKEN, PromptTokens
from hushcode.prompt.context import ContextSnippet
from hushcode.syntax.decide import Scope

if TYPE_CHECKING:  # the workspace index is only handed in (by the session), never built here
    from hushcode.workspace.service import WorkspaceContext


class CompletionService:
    """Turns a cursor in a document into at most one suggestion (or a manual trigger's few)."""

    def __init__(self, settings: Settings, engine: CompletionEngine | None,
                 context: WorkspaceContext | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.context = context  # cross-file context, when the server has a workspace
        self.stats = CompletionStats()
        self.cache = SuggestionCache()
        self.debounce = Debounce()  # per document: the typing rhythm and the newest request's ticket
        self.cursors: dict[str, int] = {}  # per document: where the user last asked (for warm-up)
        self.background = Background(self)
        self._anchors: dict[str, int] = {}  # per document: the first line of the prompt window
        # documents whose last request found no engine (the model still loading, or restarting):
        # the editor is asked to ask again once it is ready (lsp/session.py)
        self._unanswered: dict[str, None] = {}
        # tells the editor to ask again in a document (lsp/session.py): a better suggestion waits there
        self.ask_again: Callable[[str, str], None] = lambda uri, reason: None
        self.later = RankedLater(self)

    def offer(self, uri: str, before: str, line_after: str, text: str, reason: str, replace_end: int = 0) -> None:
        """A suggestion found outside an inline request, for the place where `before` ends and
        `line_after` follows (the ranking that ended after the answer; a next edit that inserts at
        the cursor): into the cache, and the editor is told to ask again there (`reason`). VS
        Code asks again as a manual trigger: its first request there is answered from the cache."""
        self.cache.put(uri, before, line_after, [CachedText(text, replace_end)])
        self.later.expect(uri, before, line_after)
        self.ask_again(uri, reason)

    def configure(self, settings: Settings) -> None:
        """New settings; suggestions made under other completion settings are stale."""
        if settings.completion != self.settings.completion:
            self.cache = SuggestionCache()
        self.settings = settings

    async def suggest(self, doc: DocumentSnapshot, line: int, character: int, encoding: str,
                      request_id: object) -> Suggestion | None:
        """The suggestion for this cursor, or None (never raises for bad input)."""
        found = await self.suggest_all(doc, line, character, encoding, request_id, alternatives=1)
        return found[0] if found else None

    async def suggest_all(self, doc: DocumentSnapshot, line: int, character: int, encoding: str, request_id: object,
                          alternatives: int = 1, speculate: bool = False) -> list[Suggestion]:
        """Up to `alternatives` distinct suggestions for this cursor, best first; with `speculate`,
        the next one "as if accepted" is prepared in the background (background.py)."""
        with self.stats.track(Trace(req=str(request_id), doc=doc.name)) as trace:
            found = await self.run(doc, line, character, encoding, trace, alternatives)
        if speculate and found and trace.ticket is not None:
            ticket = trace.ticket
            # while a blank line is still ranked, the engine is busy with it: "as if accepted" waits for its line
            self.later.then(doc.uri, ticket, found[0], lambda shown: self.background.speculate(
                doc, line, character, encoding, shown, ticket))
        return found

    async def run(self, doc: DocumentSnapshot, line: int, character: int, encoding: str, trace: Trace,
                  alternatives: int, speculative: bool = False) -> list[Suggestion]:
        """One request, recorded in `trace`: the gates (settings, position, cache, decision,
        debounce, engine), then the prompt and the answer."""
        cfg = self.settings.completion
        if not cfg.enabled:
            return trace.nothing("disabled")
        cursor = resolve_position(doc.text, line, character, encoding)
        if cursor is None:
            return trace.nothing("invalid_position")
        if not speculative:
            trace.ticket = self.debounce.arrived(doc.uri, cfg.debounce_ms)
            self.cursors[doc.uri] = cursor.offset
        before, line_after = doc.text[:cursor.offset], doc.text[cursor.offset:cursor.line_end]
        if alternatives > 1 and self.later.asked_again(doc.uri, before, line_after):
            alternatives = 1  # VS Code asks again as a manual trigger: the ranked line is in the cache
        # before deciding: typing through a suggestion that opened a comment or string still shows the rest
        cached = self.cache.get(doc.uri, before, line_after) if alternatives == 1 else None
        if cached:  # typed through a suggestion (or accepted a speculative one): no model call
            self.stats.answered += 1
            trace.result = "cache_hit"
            return [Suggestion(c.text, c.replace_end) for c in cached]
        decision, trace.decide_ms = await off_loop(timed, decide_at, doc, cursor)
        trace.scope = decision.scope.value
        if decision.scope is Scope.SKIP:
            return trace.nothing(f"skip_{decision.reason}")
        at_line_start = not before[cursor.line_start:].strip()
        if trace.ticket is not None and not await self.debounce.settle(doc.uri, trace.ticket, at_line_start):
            return trace.nothing("superseded")
        engine = self.engine
        model = engine.model if engine is not None else None
        if engine is None or model is None:
            self._unanswered[doc.uri] = None
            return trace.nothing("no_engine")
        self._unanswered.pop(doc.uri, None)
        plain = cfg.postprocess == "off"  # the model's text as it is: no indentation brought to a blank line
        shift = None if plain else await off_loop(indented, doc, cursor, decision)  # as if it were typed
        if shift is not None:
            doc, cursor, decision, trace.indented = shift.doc, shift.cursor, shift.decision, len(shift.added)
        prompt = await self.prompt(engine, model, doc, cursor.offset, trace, speculative, suffix_budget(cfg, decision))
        if prompt is None:
            if not speculative:
                self._unanswered[doc.uri] = None
            return trace.nothing("engine_unavailable")
        found, later = await self._answer(engine, model, Ask(doc, cursor, decision, cfg, alternatives, speculative),
                                          prompt, trace)
        added = shift.added if shift else ""
        found = [Suggestion(added + s.text, s.replace_end) for s in found]
        if later is not None and found and trace.ticket is not None:
            self.later.start(later, trace, doc.uri, before, line_after, added, found[0])
        trace.shown([s.text for s in found], alternatives)
        if found:
            self.cache.put(doc.uri, before, line_after, [CachedText(s.text, s.replace_end) for s in found])
            self.stats.answered += 0 if speculative else 1
        return found

    async def _answer(self, engine: CompletionEngine, model: LoadedModel, ask: Ask, prompt: PromptTokens,
                      trace: Trace) -> tuple[list[Suggestion], Later | None]:
        """Generate from the prompt (the short one for a cold cache) and clean the texts up; when
        the cleanup rejects the model's first choice, its next choices from the same prompt. A
        manual trigger's first item is this automatic answer (the same ranking and cleanup); its
        other choices follow (choices.py). While typing, a ranked blank line answers its greedy
        line first and its ranked line `later` (completion/later.py)."""
        wanted, ask = ask.alternatives, replace(ask, alternatives=1)
        uri = ask.doc.uri
        trace.held = len(prompt.held) or None
        cold = trace.cold = self.background.sending(engine, uri, prompt.full, ask.settings) and not ask.speculative
        tokens = await off_loop(prompt.short, ask.settings.cold_prompt_tokens) if cold else prompt.full
        planned = await off_loop(plan, ask, tokens, prompt.held, prompt.fmt, model, engine.capabilities)
        filters = PIPELINES.get(ask.settings.postprocess, FILTERS)
        try:
            result, ranking = await self._generate(engine, planned, wanted == 1 and not ask.speculative)
            while True:  # at most twice: the greedy line, then (when it is not shown) the ranking's
                if result is None:
                    return trace.nothing("cancelled_or_unavailable"), None
                trace.record(result)
                trace.ranked = result.ranked or None
                (raws, found), trace.post_ms = await off_loop(timed, first_clean, planned.cleanup, result, prompt.held,
                                                             filters)
                sure = withheld(confidence(result), ask.settings.min_confidence) if wanted == 1 and found else None
                if ranking is None:
                    break
                if found and sure is None:  # shown now; the ranked line may replace it
                    later = self.later.ranked(ranking, planned, prompt.held, filters, cold, prompt.full, engine)
                    cold, trace.later = False, True  # evaluated once the ranking is over
                    return found, later
                result, ranking = await ranking, None  # the greedy line is not shown: wait for the ranking's
            if sure is not None:
                return self.stats.withhold(trace, sure), None
            if not found and not ask.speculative and filters is FILTERS and result.text.strip() \
                    and engine.capabilities.alternatives and trace.ticket is not None \
                    and self.debounce.tickets.newest(uri, trace.ticket):
                again = await choices.fallback(engine, planned.request, planned.cleanup, result.text, prompt.held,
                                               filters)
                if again is not None:  # the first that survives: one suggestion (its confidence is unknown)
                    found, raws, trace.fallback = again.found[:1], (*raws, *again.raws), len(again.found)
                    trace.confidence = trace.min_lp = None
                    trace.generated_again(again.gen_ms)
            if wanted > 1 and engine.capabilities.alternatives:
                extra = await choices.more(engine, planned.request, planned.cleanup, found[:1], raws, wanted,
                                           prompt.held, filters, ask.settings.alternatives_ms)
                found, raws = extra.found, (*raws, *extra.raws)
                trace.generated_again(extra.gen_ms)
        finally:
            if cold:
                self.background.evaluate_later(engine, uri, prompt.full)
        trace.code(ask.doc.text[ask.cursor.line_start:ask.cursor.line_end], raws, [s.text for s in found])
        return found, None

    async def _generate(self, engine: CompletionEngine, planned: Planned, typing: bool) \
            -> tuple[GenerateResult | None, asyncio.Future[GenerateResult | None] | None]:
        """The engine's answer. A blank line ranked while typing (`completion.show_before_ranking`)
        answers as soon as the greedy line is read, with the ranking still running (its future)."""
        task = planned.ranking  # a blank line: the ranking chooses among the engine's candidates
        if task is None:
            return await engine.generate(planned.request), None
        if not typing or not self.settings.completion.show_before_ranking:
            return await engine.generate(planned.request, ranker(task)), None
        greedy: asyncio.Future[GenerateResult] = asyncio.get_running_loop().create_future()

        def read(result: GenerateResult) -> None:
            if not greedy.done():
                greedy.set_result(result)

        job = asyncio.ensure_future(engine.generate(planned.request, ranker(task, read)))
        either: set[asyncio.Future[Any]] = {job, greedy}
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            job.cancel()  # the request was cancelled: so is its ranking
            raise
        if job.done() or greedy.result().reason in ("cancelled", "deadline"):
            return await job, None
        return greedy.result(), job

    async def prompt(self, engine: CompletionEngine, model: LoadedModel, doc: DocumentSnapshot, offset: int,
                     trace: Trace, speculative: bool = False, suffix_tokens: int | None = None) -> PromptTokens | None:
        """Cut the window, fetch cross-file context, tokenize (special tokens off) and lay the
        prompt out as token ids (prompt/assemble.py); None when the engine cannot tokenize."""
        cfg = self.settings.completion
        suffix_tokens = cfg.suffix_tokens if suffix_tokens is None else min(suffix_tokens, cfg.suffix_tokens)
        fmt = trace.format = assemble.prompt_format(cfg.prompt_format, model)
        started = time.perf_counter()
        window = await off_loop(assemble.cut, doc, offset, self._anchors.get(doc.uri), cfg, suffix_tokens, fmt)
        self._anchors[doc.uri] = window.anchor
        snippets: list[ContextSnippet] = []
        if self.context is not None and cfg.context_tokens > 0:  # the document's ring (workspace/service.py)
            found = await self.context.snippets(doc.uri, doc.text, offset, assemble.window_span(window, offset),
                                                cfg.context_tokens * CHARS_PER_TOKEN)
            trace.context_snippets = len(found)
            snippets = assemble.in_prompt_order(found)
        texts = assemble.draft(doc, window, fmt, snippets, model, cfg.token_healing)
        parts = await engine.tokenize(texts.texts, speculative=speculative)
        trace.tokenize_ms = elapsed_ms(started, 1)
        if parts is None:
            return None
        prompt = await off_loop(assemble.lay_out, texts, parts, model, cfg.prefix_tokens, suffix_tokens)
        trace.context_tokens = prompt.context_tokens
        return prompt

    def take_unanswered(self) -> list[str]:
        """The documents whose last request found no engine, oldest first; forgotten once taken."""
        uris = list(self._unanswered)
        self._unanswered.clear()
        return uris

    def forget(self, uri: str) -> None:
        """The document was closed (where the user last asked is kept for a reopen)."""
        self._unanswered.pop(uri, None)
        self.later.forget(uri)
        self.cache.forget(uri)
        self.debounce.forget(uri)
        self._anchors.pop(uri, None)
