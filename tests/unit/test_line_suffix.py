"""Within a line, the suffix can be shorter (completion.line_suffix_tokens): the completion
service against a recording engine."""

from __future__ import annotations

from hushcode.completion.service import CompletionService
from hushcode.config.settings import CompletionSettings, Settings
from hushcode.documents.snapshot import DocumentSnapshot
from tests.unit.test_cold_prompt import RecordingEngine

BELOW = "".join(f"def helper_{i}(value):\n    return value * {i}\n\n" for i in range(30))
TEXT = "def total(items):\n    result = max(items)\n    return result\n\n" + BELOW


async def prompt_length(line_suffix: int, line: int, character: int) -> tuple[int, str]:
    engine = RecordingEngine()
    settings = Settings(completion=CompletionSettings(line_suffix_tokens=line_suffix, suffix_tokens=128,
                                                      cold_prompt_tokens=0, speculative=False, context_tokens=0))
    svc = CompletionService(settings, engine)  # type: ignore[arg-type]
    doc = DocumentSnapshot(uri="file:///w/t.py", version=1, text=TEXT, language_id="python")
    await svc.suggest(doc, line, character, "utf-32", "r")
    return len(engine.requests[0].tokens), str(svc.stats.last["scope"])


async def test_a_completion_within_a_line_gets_the_shorter_suffix() -> None:
    full, scope = await prompt_length(0, 1, len("    result = "))
    short, _ = await prompt_length(12, 1, len("    result = "))
    assert scope == "line" and full - short >= 60 and short < 40  # up to 128 suffix tokens against 12


async def test_a_block_keeps_the_whole_suffix() -> None:
    text_line = TEXT.split("\n").index("    return result")
    full, scope = await prompt_length(0, text_line + 1, 0)
    short, _ = await prompt_length(12, text_line + 1, 0)
    assert scope == "block" and full == short
