"""A blank line's greedy line is answered before its ranking is over; the ranked line replaces it
through the cache and `hushcode/askAgain` (completion/later.py). The real model's path:
tests/e2e/test_ranked_later.py."""

from __future__ import annotations

import asyncio

from hushcode.completion.service import CompletionService, DocumentSnapshot
from hushcode.config.settings import CompletionSettings, Settings
from hushcode.engine.contracts import GenerateRequest, GenerateResult, Lines, Scoring
from hushcode.engine.interface import Ranker
from tests.unit.fake_engine import FakeLocalEngine

TEXT = "def area(width, height):\n    \n    return result\n"
DOC = DocumentSnapshot(uri="file:///w/area.py", version=1, text=TEXT, language_id="python")


class Source:
    """The model's side of the ranking: the left-to-right line waits for `release`, and the line
    that leads into `return result` scores best."""

    def __init__(self, left_to_right: str) -> None:
        self.release = asyncio.Event()
        self.line = left_to_right

    async def left_to_right(self) -> Lines:
        await self.release.wait()
        return Lines(texts=(self.line,), generated=4)

    async def from_start(self, start: str, values: int) -> Lines:
        return Lines(texts=(), generated=0)

    async def from_first(self, token: int) -> Lines:
        return Lines(texts=(), generated=0)

    async def score(self, text: str, end_of_text: int | None, floor: float) -> Scoring:
        return Scoring(score=-1.0 if text.startswith("result") else -9.0)


class RankingEngine(FakeLocalEngine):
    def __init__(self, greedy: str, left_to_right: str) -> None:
        super().__init__()
        self.greedy = greedy
        self.source = Source(left_to_right)
        self.ranked: list[GenerateResult] = []

    async def tokenize(self, texts: list[str], speculative: bool = False) -> list[list[int]]:
        return [[100 + ord(c) for c in text] for text in texts]

    async def generate(self, request: GenerateRequest, ranker: Ranker | None = None) -> GenerateResult:
        result = GenerateResult(text=self.greedy, reason="stop", prompt_tokens=len(request.tokens), reused=0,
                                evaluated=len(request.tokens), generated=3, prompt_ms=0.0, gen_ms=1.0,
                                control_tokens=0, first_token=7, first_line_logprobs=(-0.2, -0.4))
        if ranker is None or request.rank is None:
            return result
        chosen = await ranker(result, self.source)
        self.ranked.append(chosen)
        return chosen


def _service(engine: RankingEngine, **options: object) -> tuple[CompletionService, list[tuple[str, str]]]:
    options = {"show_before_ranking": True, **options}  # off by default: these tests turn it on
    settings = Settings(completion=CompletionSettings(cold_prompt_tokens=0, speculative=False, debounce_ms=0,
                                                      context_tokens=0, **options))  # type: ignore[arg-type]
    service = CompletionService(settings, engine)  # type: ignore[arg-type]
    asked: list[tuple[str, str]] = []
    service.ask_again = lambda uri, reason: asked.append((uri, reason))
    return service, asked


async def _settled(service: CompletionService) -> None:
    for _ in range(50):
        await asyncio.sleep(0)
    await asyncio.gather(*[task for _, task in service.later._running.values()])


async def test_the_greedy_line_is_answered_while_the_ranking_still_runs_and_the_ranked_line_replaces_it() -> None:
    engine = RankingEngine(greedy="width = 0", left_to_right="result = width * height")
    service, asked = _service(engine)
    shown = await asyncio.wait_for(service.suggest(DOC, 1, 4, "utf-32", "i1"), 5)
    assert shown is not None and shown.text == "width = 0"  # answered before the ranking could end
    assert not engine.ranked and service.stats.last["later"] == 1
    engine.source.release.set()
    await _settled(service)
    assert engine.ranked and engine.ranked[0].text.strip() == "result = width * height"
    assert asked == [(DOC.uri, "ranked")]
    # the editor asks again (an automatic request): the ranked line, from the cache
    again = await service.suggest(DOC, 1, 4, "utf-32", "i2")
    assert again is not None and again.text == "result = width * height"
    assert service.stats.last.result == "cache_hit"


async def test_vs_code_asking_again_as_a_manual_trigger_gets_the_ranked_line_from_the_cache_once() -> None:
    engine = RankingEngine(greedy="width = 0", left_to_right="result = width * height")
    service, asked = _service(engine)
    await service.suggest(DOC, 1, 4, "utf-32", "i1")
    engine.source.release.set()
    await _settled(service)
    assert asked
    found = await service.suggest_all(DOC, 1, 4, "utf-32", "i2", alternatives=3)
    assert [s.text for s in found] == ["result = width * height"] and service.stats.last.result == "cache_hit"
    # a manual trigger the user makes afterwards gets its alternatives again (a model call)
    engine.source.release.set()
    await service.suggest_all(DOC, 1, 4, "utf-32", "i3", alternatives=3)
    assert service.stats.last.result != "cache_hit"


async def test_when_both_readings_agree_nothing_more_is_said() -> None:
    engine = RankingEngine(greedy="result = width * height", left_to_right="result = width * height")
    service, asked = _service(engine)
    shown = await service.suggest(DOC, 1, 4, "utf-32", "i1")
    engine.source.release.set()
    await _settled(service)
    assert shown is not None and shown.text == "result = width * height" and asked == []


async def test_a_ranked_line_that_comes_after_the_user_typed_on_is_dropped() -> None:
    engine = RankingEngine(greedy="width = 0", left_to_right="result = width * height")
    service, asked = _service(engine)
    await service.suggest(DOC, 1, 4, "utf-32", "i1")
    typed = DOC.with_text(TEXT.replace("    \n", "    w\n"))
    # a keystroke typed through the shown line: answered from the cache, the ranking still runs
    through = await service.suggest(typed, 1, 5, "utf-32", "i2")
    assert through is not None and through.text == "idth = 0"
    engine.source.release.set()
    await _settled(service)
    assert asked == []  # stale: the user typed on
    assert (await service.suggest(typed, 1, 5, "utf-32", "i3")).text == "idth = 0"  # type: ignore[union-attr]


async def test_off_by_setting_and_for_a_manual_trigger_the_ranking_is_awaited() -> None:
    engine = RankingEngine(greedy="width = 0", left_to_right="result = width * height")
    engine.source.release.set()
    service, asked = _service(engine, show_before_ranking=False)
    shown = await service.suggest(DOC, 1, 4, "utf-32", "i1")
    assert shown is not None and shown.text == "result = width * height" and asked == []
    service, asked = _service(engine)
    found = await service.suggest_all(DOC, 1, 4, "utf-32", "i1", alternatives=3)
    assert found and asked == []
