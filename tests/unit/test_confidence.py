"""Stay silent when unsure (completion/confidence.py): a suggestion whose first line the model
wrote with a per-token probability under `completion.minConfidence` is not shown, the status
counts it and says why; a manual trigger is never held back."""

from __future__ import annotations

import math

import pytest

from hushcode.completion.confidence import Confidence, confidence, withheld
from hushcode.completion.service import CompletionService
from hushcode.config.settings import CompletionSettings, Settings
from hushcode.engine.contracts import GenerateRequest, GenerateResult
from hushcode.engine.interface import Ranker
from tests.unit.test_fallback import DOC, ChoosingEngine


class Unsure(ChoosingEngine):
    """Answers the first choice with the given log-probabilities for its first line."""

    def __init__(self, choices: list[str], logprobs: tuple[float, ...]) -> None:
        super().__init__(choices)
        self.logprobs = logprobs

    async def generate(self, request: GenerateRequest, ranker: Ranker | None = None) -> GenerateResult:
        answer = await super().generate(request, ranker)
        return GenerateResult(**{**answer.__dict__, "first_line_logprobs": self.logprobs})


def service(engine: ChoosingEngine, min_confidence: int) -> CompletionService:
    settings = Settings(completion=CompletionSettings(cold_prompt_tokens=0, speculative=False, debounce_ms=0,
                                                      context_tokens=0, token_healing=False,
                                                      min_confidence=min_confidence, alternatives_ms=300))
    return CompletionService(settings, engine)  # type: ignore[arg-type]


def result(logprobs: tuple[float, ...]) -> GenerateResult:
    return GenerateResult(text="x = 1", reason="stop", prompt_tokens=3, reused=0, evaluated=3, generated=3,
                          prompt_ms=0, gen_ms=0, control_tokens=3, first_line_logprobs=logprobs)


def test_confidence_is_the_first_lines_mean_and_lowest_log_probability() -> None:
    found = confidence(result((-0.1, -0.3, -0.2)))
    assert found is not None and found.mean == pytest.approx(-0.2) and found.lowest == -0.3
    assert found.percent == pytest.approx(100 * math.exp(-0.2))
    assert confidence(result(())) is None  # no probabilities (a shared server): not judged


@pytest.mark.parametrize(("mean", "threshold", "shown"), [
    (-0.05, 90, True), (-0.2, 90, False), (-3.0, 0, True), (-0.2, 80, True)])
def test_the_threshold_is_a_per_token_probability_in_percent(mean: float, threshold: int, shown: bool) -> None:
    assert (withheld(Confidence(mean, mean), threshold) is None) is shown
    assert withheld(None, 90) is None


async def test_an_unsure_suggestion_is_withheld_and_the_status_says_why() -> None:
    engine = Unsure(["result = width * height"], (-0.9, -1.2, -0.3))  # exp(-0.8): 45% per token
    svc = service(engine, min_confidence=60)
    assert await svc.suggest(DOC, 1, 4, "utf-32", "r") is None
    assert svc.stats.last["result"] == "low_confidence" and svc.stats.withheld == 1
    assert svc.stats.last_withheld is not None and "45%" in svc.stats.last_withheld
    assert svc.stats.last["confidence"] == -0.8 and svc.stats.last["min_lp"] == -1.2
    # sure enough: shown
    sure = Unsure(["result = width * height"], (-0.01, -0.05))
    found = await service(sure, min_confidence=60).suggest(DOC, 1, 4, "utf-32", "r")
    assert found is not None and found.text == "result = width * height"


async def test_a_manual_trigger_is_never_withheld() -> None:
    engine = Unsure(["result = width * height", "w = abs(width)"], (-2.0, -2.0))
    svc = service(engine, min_confidence=90)
    found = await svc.suggest_all(DOC, 1, 4, "utf-32", "m", alternatives=2)
    assert found and found[0].text == "result = width * height" and svc.stats.withheld == 0


def test_the_status_p50_is_over_the_suggestions_shown_only() -> None:
    from hushcode.completion.trace import RECENT, CompletionStats, Trace

    stats = CompletionStats()
    assert stats.p50_ms is None  # nothing shown yet
    for result, ms in [("ok", 300.0), ("ok", 900.0), ("empty", 5000.0), ("low_confidence", 4000.0), ("ok", 500.0)]:
        with stats.track(Trace(req="r")) as trace:
            trace.result = result
        trace.total_ms = ms  # what finish() measured, set after it for a fixed figure
        if result == "ok":
            stats.shown_ms[-1] = ms
    assert stats.p50_ms == 500.0
    for _ in range(RECENT):
        with stats.track(Trace(req="r")) as trace:
            trace.result = "ok"
    assert len(stats.shown_ms) == RECENT and stats.p50_ms is not None and stats.p50_ms < 300.0  # the old ones fall out
