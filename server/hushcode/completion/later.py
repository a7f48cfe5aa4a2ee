"""A blank line's ranked line, after its greedy line was shown.

Ranking a blank line (completion/ranking/) costs a second reading of the prompt and a score per
candidate: about 0.6 s at p50 on 2 cores, on top of the greedy line. While typing, the greedy line
is shown as soon as the engine has read it, and the ranking goes on in the background. When it
chooses another line and the user has not typed since, that line goes into the suggestion cache
and the editor is told to ask again (`hushcode/askAgain`, reason "ranked"): its next request is
answered from the cache, with no model call. Where both agree, nothing more happens.

VS Code asks again with a manual trigger (`editor.action.inlineSuggest.trigger`): the first such
request at the same place is answered as an automatic one, from the cache.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from hushcode.completion.offload import off_loop
from hushcode.completion.plan import Planned, Suggestion, first_clean
from hushcode.completion.trace import Trace
from hushcode.engine.contracts import GenerateResult
from hushcode.engine.interface import CompletionEngine
from hushcode.postprocess.candidate import Filter

if TYPE_CHECKING:  # the service owns this object and hands itself in
    from hushcode.completion.service import CompletionService

ASK_AGAIN_REASON = "ranked"

# the ranking's result and its cleaned line (empty: nothing survived, or it was stopped)
Later = Callable[[], Awaitable[tuple[GenerateResult | None, list[Suggestion]]]]


class RankedLater:
    """The rankings still running after their greedy line was shown, one per document."""

    def __init__(self, service: CompletionService) -> None:
        self._service = service
        self._running: dict[str, tuple[int, asyncio.Task[Suggestion]]] = {}  # uri -> (ticket, task)
        self._asked: dict[str, tuple[str, str]] = {}  # uri -> (before, line after) where it asked again

    def ranked(self, ranking: asyncio.Future[GenerateResult | None], planned: Planned, held: str,
               filters: tuple[Filter, ...], cold: bool, full: list[int], engine: CompletionEngine) -> Later:
        """What reads the ranking's line once it is done (and then, on a cold cache, evaluates the
        full prompt: the engine is busy with the ranking until then)."""
        uri = planned.request.document

        async def read() -> tuple[GenerateResult | None, list[Suggestion]]:
            try:
                result = await ranking
            finally:
                if cold:
                    self._service.background.evaluate_later(engine, uri, full)
            if result is None:
                return None, []
            _, found = await off_loop(first_clean, planned.cleanup, result, held, filters)
            return result, found

        return read

    def start(self, later: Later, trace: Trace, uri: str, before: str, line_after: str, added: str,
              shown: Suggestion) -> None:
        """Run `later` for the request of `trace`, whose greedy line `shown` was answered."""
        ticket = trace.ticket
        assert ticket is not None
        task = asyncio.get_running_loop().create_task(
            self._replace(later, Trace(req=f"{trace.req}.ranked", doc=trace.doc), uri, ticket, before, line_after,
                          added, shown), name="ranked-later")
        self._running[uri] = (ticket, task)
        task.add_done_callback(lambda done: self._done(uri, done))

    def then(self, uri: str, ticket: int, shown: Suggestion, go: Callable[[Suggestion], None]) -> None:
        """`go` with the suggestion the user ends up seeing after request `ticket`: the ranked line
        once the ranking is done, else `shown` (now)."""
        running = self._running.get(uri)
        if running is None or running[0] != ticket:
            go(shown)
            return
        running[1].add_done_callback(lambda done: go(shown if done.cancelled() or done.exception() else done.result()))

    def expect(self, uri: str, before: str, line_after: str) -> None:
        """The editor was told to ask again at this place (`asked_again`)."""
        self._asked[uri] = (before, line_after)

    def asked_again(self, uri: str, before: str, line_after: str) -> bool:
        """Is this request the editor asking again where it was told to (the first one there)?"""
        return self._asked.pop(uri, None) == (before, line_after)

    def forget(self, uri: str) -> None:
        self._asked.pop(uri, None)

    def _done(self, uri: str, task: asyncio.Task[Suggestion]) -> None:
        if self._running.get(uri, (0, None))[1] is task:
            del self._running[uri]

    async def _replace(self, later: Later, record: Trace, uri: str, ticket: int, before: str, line_after: str,
                       added: str, shown: Suggestion) -> Suggestion:
        service = self._service
        try:
            result, found = await later()
        except asyncio.CancelledError:
            record.result = "cancelled"
            record.finish()
            raise
        if result is not None:
            record.ranked, record.generated, record.gen_ms = result.ranked or None, result.generated, result.gen_ms
        best = Suggestion(added + found[0].text, found[0].replace_end) if found else None
        if best is None or best.text == shown.text:
            record.result = "same" if best is not None else "empty"
        elif not service.debounce.tickets.newest(uri, ticket):
            record.result = "superseded"  # the user typed on (or asked elsewhere): the line is stale
        else:
            service.offer(uri, before, line_after, best.text, ASK_AGAIN_REASON, best.replace_end)
            record.result, record.chars = "replaced", len(best.text)
        record.finish()
        return best if record.result == "replaced" and best is not None else shown
