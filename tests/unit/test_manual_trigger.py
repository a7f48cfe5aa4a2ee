"""A manual trigger (Alt+\\ in VS Code): its first item is the automatic answer at the same place
(the same request, ranking and cleanup), and its other choices follow, each cleaned, within
`completion.alternativesMs`."""

from __future__ import annotations

from hushcode.completion.service import CompletionService
from hushcode.config.settings import CompletionSettings, Settings
from hushcode.engine.contracts import GenerateRequest, GenerateResult
from hushcode.engine.interface import Ranker
from tests.unit.test_fallback import DOC, ChoosingEngine


class Others(ChoosingEngine):
    """With `skip_greedy`, only the choices after the first."""

    async def generate(self, request: GenerateRequest, ranker: Ranker | None = None) -> GenerateResult:
        if not request.skip_greedy:
            return await super().generate(request, ranker)
        self.requests.append(request)
        texts = tuple(self.choices[1:1 + request.alternatives])
        return GenerateResult(text=texts[0], reason="stop", prompt_tokens=len(request.tokens), reused=0,
                              evaluated=0, generated=4, prompt_ms=0.0, gen_ms=2.0, control_tokens=3, alternatives=texts)


def service(engine: ChoosingEngine) -> CompletionService:
    settings = Settings(completion=CompletionSettings(cold_prompt_tokens=0, speculative=False, debounce_ms=0,
                                                      context_tokens=0, token_healing=False, alternatives_ms=300))
    return CompletionService(settings, engine)  # type: ignore[arg-type]


async def test_the_first_item_is_the_automatic_answer_and_the_others_follow_within_their_time() -> None:
    engine = Others(["result = width * height", "return result", "w = abs(width)", "h = abs(height)"])
    automatic = await service(engine).suggest_all(DOC, 1, 4, "utf-32", "a", alternatives=1)
    first_auto = engine.requests[-1]
    manual = await service(engine).suggest_all(DOC, 1, 4, "utf-32", "m", alternatives=3)
    first, more = engine.requests[-2:]
    assert manual[0].text == automatic[0].text
    assert (first.alternatives, first.rank, first.budget_ms) == (1, first_auto.rank, first_auto.budget_ms)
    assert first.rank is not None  # a blank line: ranked, as the automatic answer is
    assert more.skip_greedy and more.alternatives == 3 and more.rank is None and more.timeout_ms == 300
    # `return result` repeats the next line: the cleanup drops it among the others too
    assert [s.text for s in manual] == ["result = width * height", "w = abs(width)", "h = abs(height)"]


async def test_an_automatic_request_asks_for_no_other_choices() -> None:
    engine = Others(["result = width * height", "w = abs(width)"])
    await service(engine).suggest_all(DOC, 1, 4, "utf-32", "a", alternatives=1)
    assert [r.skip_greedy for r in engine.requests] == [False]
