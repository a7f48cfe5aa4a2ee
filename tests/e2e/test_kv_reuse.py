"""KV-cache reuse in the real engine: exact for prefixes, and shifted chunks that work."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from hushcode.engine.contracts import EngineConfig, GenerateRequest, GenerateResult
from hushcode.engine.local import LocalEngine

TEXT = (Path(sysconfig.get_paths()["stdlib"]) / "textwrap.py").read_text()


async def _engine(model_path: Path) -> LocalEngine:
    engine = LocalEngine(EngineConfig(model_path=str(model_path), n_ctx=2048), notify=lambda level, msg: None)
    engine.start()
    assert await engine.wait_ready(120), engine.last_error
    return engine


async def _prompt(engine: LocalEngine, prefix: str, suffix: str) -> list[int]:
    parts = await engine.tokenize([prefix, suffix])
    assert parts is not None and engine.model is not None
    m = engine.model.markers
    return [m.prefix, *parts[0], m.suffix, *parts[1], m.middle]  # type: ignore[list-item]


async def _run(engine: LocalEngine, tokens: list[int], chunk: int) -> GenerateResult:
    result = await engine.generate(GenerateRequest(tokens=tokens, document="eq", max_tokens=24,
                                                   reuse_min_chunk=chunk, timeout_ms=120000))
    assert result is not None
    return result


async def test_prefix_reuse_gives_the_same_completion_as_a_cold_cache(model_path: Path) -> None:
    engine = await _engine(model_path)
    try:
        # a place without a near tie between two tokens: at `def dedent(`, " leading" and " any" are
        # 0.07 apart in a logit, and a cache filled in other chunks rounds differently (either is
        # the greedy output; decodes of different sizes moved a logit by 0.1 in a measurement)
        cut = TEXT.index("def indent(")
        first = await _prompt(engine, TEXT[cut - 1200:cut], TEXT[cut:cut + 300])
        # the user typed on: the new prompt shares the first prompt's prefix part
        second = await _prompt(engine, TEXT[cut - 1200:cut + 20], TEXT[cut + 20:cut + 300])
        await _run(engine, first, 0)
        warm = await _run(engine, second, 0)
        assert warm.reused > 100 and warm.evaluated < len(second)
        await _run(engine, [1, 2, 3, 4], 0)  # flush: nothing in common with `second`
        cold = await _run(engine, second, 0)
        assert cold.reused == 0 and cold.evaluated == len(second)
        assert warm.text == cold.text
    finally:
        await engine.stop()


async def test_shifted_chunk_is_reused_and_generation_still_works(model_path: Path) -> None:
    engine = await _engine(model_path)
    try:
        cut = TEXT.index("def dedent(")
        window = TEXT[cut - 1500:cut]
        first = await _prompt(engine, window, "")
        # the window's start moved on by a few lines: what remains moved left
        second = await _prompt(engine, window[window.index("\n", 200) + 1:], "")
        await _run(engine, first, 16)
        shifted = await _run(engine, second, 16)
        assert shifted.shifted > 100, shifted
        assert shifted.evaluated < 20 and shifted.reused + shifted.evaluated == len(second)
        assert shifted.generated > 0
    finally:
        await engine.stop()
