"""A blank line's candidates ranked through the real server, engine and model (engine/ranking.py).

The quality effect is measured by `hushcode bench quality` (docs/benchmarks.md); here: the real
engine ranks when its two readings of a blank line differ (by default), keeps serving afterwards,
and does nothing of the kind when ranking is turned off."""

from __future__ import annotations

from pathlib import Path

from tests.e2e import lsp

# the model's fill-in-the-middle line and its left-to-right line differ on this body's first line
TEXT = ('def in_base(x: int, base: int):\n    """The digits of x in base, as a string (base < 10)."""\n    \n'
        '    while x > 0:\n        ret = str(x % base) + ret\n        x //= base\n    return ret\n')


async def _ask(env: dict[str, str], uri: str) -> tuple[list[str], dict[str, object]]:
    async with lsp.Session(env) as client:
        await lsp.wait_for_state(client, {"ready"})
        lsp.open_document(client, uri, TEXT)
        result = await lsp.inline(client, uri, 2, 4)
        assert result is not None
        status = await lsp.status(client)
        texts = [str(item.insert_text) for item in result.items]
        # the engine's KV cache held the ranking's tokens: the next request is still answered
        lsp.open_document(client, uri.replace(".py", "_again.py"), TEXT.replace("in_base", "to_base"))
        again = await lsp.inline(client, uri.replace(".py", "_again.py"), 2, 4)
        assert again is not None and (await lsp.status(client))["lastResult"] in ("ok", "empty")
        return texts, status


async def test_a_doubtful_blank_line_is_ranked_by_default(model_path: Path) -> None:
    texts, status = await _ask({"HUSHCODE_MODEL": str(model_path)}, "file:///tmp/hushcode-e2e/rank/in_base.py")
    # the fill-in-the-middle line and the left-to-right line differ here, and the code below reads
    # `ret`, which nothing above defines: the lines that define it are compared (the readings' and
    # `ret` written with its 3 likeliest values), or one of them alone is left
    assert 1 <= status["lastRanked"] <= 5, status
    assert len(texts) == 1 and texts[0].strip(), texts


async def test_no_ranking_when_turned_off(model_path: Path) -> None:
    texts, status = await _ask({"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_BLANK_LINE_CANDIDATES": "0"},
                               "file:///tmp/hushcode-e2e/rank/in_base_off.py")
    assert status["lastRanked"] == 0 and status["lastResult"] == "ok", status
    assert len(texts) == 1 and texts[0].strip()
