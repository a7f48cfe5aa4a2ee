"""When post-processing rejects the model's first choice (here: it repeats the next line), the
service asks the same prompt for the next choices instead of showing nothing."""

from __future__ import annotations

from hushcode.completion.service import CompletionService
from hushcode.config.settings import CompletionSettings, Settings
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.contracts import GenerateRequest, GenerateResult
from hushcode.engine.interface import Ranker
from tests.unit.fake_engine import FakeLocalEngine

TEXT = "def area(width, height):\n    \n    return result\n"


class ChoosingEngine(FakeLocalEngine):
    """Answers with `choices[0]` alone, or with every choice when asked for alternatives."""

    def __init__(self, choices: list[str]) -> None:
        super().__init__()
        self.choices = choices
        self.requests: list[GenerateRequest] = []

    async def tokenize(self, texts: list[str], speculative: bool = False) -> list[list[int]]:
        return [[100 + ord(c) for c in text] for text in texts]

    async def generate(self, request: GenerateRequest, ranker: Ranker | None = None) -> GenerateResult:
        self.requests.append(request)
        texts = tuple(self.choices[:request.alternatives])
        return GenerateResult(text=texts[0], reason="stop", prompt_tokens=len(request.tokens), reused=0,
                              evaluated=len(request.tokens), generated=3, prompt_ms=0.0, gen_ms=1.0,
                              control_tokens=3, alternatives=texts if request.alternatives > 1 else ())


def service(engine: ChoosingEngine, postprocess: str = "full") -> CompletionService:
    settings = Settings(completion=CompletionSettings(cold_prompt_tokens=0, speculative=False, debounce_ms=0,
                                                      context_tokens=0, token_healing=False, postprocess=postprocess))
    return CompletionService(settings, engine)  # type: ignore[arg-type]


DOC = DocumentSnapshot(uri="file:///w/area.py", version=1, text=TEXT, language_id="python")


async def test_a_rejected_first_choice_falls_back_to_the_next_one() -> None:
    engine = ChoosingEngine(["return result", "result = width * height", "pass"])
    svc = service(engine)
    found = await svc.suggest(DOC, 1, 4, "utf-32", "r")
    assert found is not None and found.text == "result = width * height"
    first, retry = engine.requests
    assert first.alternatives == 1 and retry.alternatives == 3 and retry.tokens == first.tokens
    assert retry.budget_ms == first.budget_ms > 0  # a block's choices stop at a line end soon
    assert svc.stats.last["fallback"] == 2 and svc.stats.last["result"] == "ok"
    # an automatic trigger shows one suggestion, however many choices survive
    shown = await svc.suggest_all(DOC, 1, 4, "utf-32", "r2", alternatives=1)
    assert [s.text for s in shown] == ["result = width * height"]


async def test_an_accepted_first_choice_asks_the_model_once() -> None:
    engine = ChoosingEngine(["result = width * height", "return result"])
    svc = service(engine)
    found = await svc.suggest(DOC, 1, 4, "utf-32", "r")
    assert found is not None and found.text == "result = width * height"
    assert len(engine.requests) == 1 and "fallback" not in svc.stats.last


async def test_no_fallback_when_every_choice_is_rejected_or_for_the_minimal_baseline() -> None:
    engine = ChoosingEngine(["return result", "return result", "    "])
    svc = service(engine)
    assert await svc.suggest(DOC, 1, 4, "utf-32", "r") is None
    assert svc.stats.last["result"] == "empty" and svc.stats.last["fallback"] == 0
    engine = ChoosingEngine(["", "x = 1"])  # the model said nothing: nothing was rejected
    svc = service(engine)
    assert await svc.suggest(DOC, 1, 4, "utf-32", "r") is None and len(engine.requests) == 1
    engine = ChoosingEngine(["return result", "result = width * height"])
    svc = service(engine, postprocess="minimal")  # the plain baseline keeps the model's first choice
    found = await svc.suggest(DOC, 1, 4, "utf-32", "r")
    assert found is not None and found.text == "return result" and len(engine.requests) == 1
