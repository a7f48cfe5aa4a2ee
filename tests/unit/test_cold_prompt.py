"""A cold KV cache (a file just opened, a jump elsewhere) is answered from a short prompt, and the
full prompt is evaluated in the background: the completion service against a recording engine."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from hushcode.completion.service import CompletionService
from hushcode.config.settings import CompletionSettings, Settings
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.contracts import GenerateRequest, GenerateResult
from hushcode.engine.interface import Ranker
from tests.unit.fake_engine import FakeLocalEngine


class RecordingEngine(FakeLocalEngine):
    """Tokenizes four characters to a token; every generation answers `value = 1`."""

    def __init__(self, gpu_layers: int = 0) -> None:
        super().__init__(gpu_layers)
        self.requests: list[GenerateRequest] = []
        self.cached: list[int] = []

    async def tokenize(self, texts: list[str], speculative: bool = False) -> list[list[int]]:
        return [[100 + hash(text[i:i + 4]) % 10000 for i in range(0, len(text), 4)] for text in texts]

    async def generate(self, request: GenerateRequest, ranker: Ranker | None = None) -> GenerateResult:
        self.requests.append(request)
        common = next((i for i, (a, b) in enumerate(zip(self.cached, request.tokens)) if a != b),
                      min(len(self.cached), len(request.tokens)))
        self.cached = list(request.tokens)
        text = "" if request.max_tokens == 0 else "value = 1"
        return GenerateResult(text=text, reason="stop", prompt_tokens=len(request.tokens), reused=common,
                              evaluated=len(request.tokens) - common, generated=len(text), prompt_ms=0.0,
                              gen_ms=0.0, control_tokens=3)


def document(lines: int = 400) -> DocumentSnapshot:
    body = "".join(f"def function_{i}(argument):\n    return argument + {i}\n\n" for i in range(lines))
    return DocumentSnapshot(uri="file:///w/long.py", version=1, text=body + "def last():\n    \n", language_id="python")


def service(engine: RecordingEngine, cold: int = 100) -> CompletionService:
    settings = Settings(completion=CompletionSettings(cold_prompt_tokens=cold, speculative=False, debounce_ms=0,
                                                      context_tokens=0))
    return CompletionService(settings, engine)  # type: ignore[arg-type]


async def ask(svc: CompletionService, doc: DocumentSnapshot) -> None:
    line = doc.text.count("\n") - 1
    await svc.suggest(doc, line, 4, "utf-32", "r")
    await asyncio.sleep(0)  # let the background evaluation start
    for task in list(svc.background.tasks):
        await task


async def test_a_cold_cache_gets_the_short_prompt_then_the_full_one_in_the_background() -> None:
    engine = RecordingEngine()
    svc = service(engine)
    doc = document()
    await ask(svc, doc)
    first, background = engine.requests
    assert len(first.tokens) <= 100 and not first.speculative  # answered from the short prompt
    assert background.speculative and background.max_tokens == 0 and len(background.tokens) > 200
    assert svc.stats.last["cold"] == 1 and svc.stats.last["result"] == "ok"
    # the next keystroke finds the full prompt in the cache: the full prompt, nothing in the background
    typed = replace(doc, text=doc.text[:-1] + "x = \n", version=2)
    line = typed.text.count("\n") - 1
    await svc.suggest(typed, line, 8, "utf-32", "r2")
    third = engine.requests[-1]
    assert len(engine.requests) == 3 and len(third.tokens) > 200 and "cold" not in svc.stats.last
    assert svc.stats.last["evaluated"] < 100


async def test_a_jump_elsewhere_in_the_file_is_cold_again() -> None:
    engine = RecordingEngine()
    svc = service(engine)
    doc = document()
    await ask(svc, doc)
    await svc.suggest(doc, 602, 0, "utf-32", "middle")  # the middle of the file: another window
    assert svc.stats.last["cold"] == 1 and len(engine.requests[-1].tokens) <= 100


async def test_off_when_set_to_zero_or_on_a_gpu() -> None:
    for engine, cold in ((RecordingEngine(), 0), (RecordingEngine(gpu_layers=-1), 100)):
        svc = service(engine, cold)
        await ask(svc, document())
        assert len(engine.requests) == 1 and len(engine.requests[0].tokens) > 200
        assert "cold" not in svc.stats.last
