"""The pure steps of a completion (deciding, the prompt's layout, the ranking spec, the cleanup:
tree-sitter parses of the whole document) run in a worker thread: while one is slow, the event
loop goes on serving (didChange, other requests)."""

from __future__ import annotations

import asyncio
import time

import pytest

from hushcode.completion import service as service_module
from hushcode.completion.plan import decide_at
from hushcode.completion.service import CompletionService
from hushcode.config.settings import CompletionSettings, Settings
from hushcode.documents.positions import TextPosition
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.syntax.decide import Decision
from tests.unit.test_cold_prompt import RecordingEngine

TEXT = "def area(width, height):\n    return width * \n"


async def test_a_slow_pure_step_leaves_the_event_loop_free(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow_decide(doc: DocumentSnapshot, cursor: TextPosition) -> Decision:
        time.sleep(0.3)  # a parse of a very large file
        return decide_at(doc, cursor)

    monkeypatch.setattr(service_module, "decide_at", slow_decide)
    settings = Settings(completion=CompletionSettings(cold_prompt_tokens=0, speculative=False, debounce_ms=0,
                                                      context_tokens=0))
    svc = CompletionService(settings, RecordingEngine())  # type: ignore[arg-type]
    doc = DocumentSnapshot(uri="file:///w/area.py", version=1, text=TEXT, language_id="python")
    request = asyncio.create_task(svc.suggest(doc, 1, len("    return width * "), "utf-32", "r"))
    ticks = 0
    while not request.done():
        await asyncio.sleep(0.01)  # what didChange handling needs: the loop's turn
        ticks += 1
    assert await request is not None
    assert ticks >= 10  # the loop turned all through the 300 ms the step took
    assert svc.stats.last["decide_ms"] >= 300  # measured where the step ran, not while it queued
