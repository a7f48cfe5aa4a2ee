"""The first reading first, the ranked line after (completion/later.py), through the real server,
engine and default model: on a blank line whose ranking chooses another line than the greedy one,
the greedy line is answered at once, `hushcode/askAgain` (reason "ranked") follows, and asking
again at the same place gets the ranked line from the cache. With `showBeforeRanking` off (the
default), the first answer is the ranked line itself and nothing asks again."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from lsprotocol import types

from tests.e2e import lsp

# the code below reads `re` and `ret`, which nothing above defines: the ranking compares the lines
# that define them with the greedy one, and the default model's greedy line loses
TEXT = "def words(s, base):\n    \n    while s:\n        ret = re.split(base, s) + ret\n    return ret\n"


async def _asked(session: lsp.Session, uri: str, timeout: float = 240) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [a for a in session.asked_again if a.get("uri") == uri]
        if found:
            return found
        await asyncio.sleep(0.2)
    return []


def _texts(result: types.InlineCompletionList | None) -> list[str]:
    assert result is not None
    return [str(item.insert_text) for item in result.items]


async def test_the_greedy_line_is_shown_first_and_the_ranked_line_replaces_it(model_path: Path) -> None:
    session = lsp.Session({"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_SHOW_BEFORE_RANKING": "true"})
    async with session as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/later/words.py"
        lsp.open_document(client, uri, TEXT)
        first = _texts(await lsp.inline(client, uri, 1, 4))
        assert len(first) == 1 and first[0].strip(), first
        asked = await _asked(session, uri)
        assert asked == [{"uri": uri, "reason": "ranked"}], session.asked_again
        # VS Code asks again as a manual trigger: the first such request there is answered as an
        # automatic one, from the cache (no model call)
        invoked = _texts(await lsp.inline(client, uri, 1, 4, invoked=True))
        status = await lsp.status(client)
        assert status["lastResult"] == "cache_hit", status
        assert len(invoked) == 1 and invoked[0].strip() and invoked != first, (first, invoked)
        ranked = invoked[0]
        # Neovim asks again as an automatic request: the same line, from the cache
        assert _texts(await lsp.inline(client, uri, 1, 4)) == [ranked]
        assert (await lsp.status(client))["lastResult"] == "cache_hit"

    # off (the default): the request waits for the ranking, and its answer is the ranked line
    off = lsp.Session({"HUSHCODE_MODEL": str(model_path)})
    async with off as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/later/words_off.py"
        lsp.open_document(client, uri, TEXT)
        assert _texts(await lsp.inline(client, uri, 1, 4)) == [ranked]
        await asyncio.sleep(2)
        assert off.asked_again == []
