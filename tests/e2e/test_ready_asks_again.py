"""Ready means a suggestion: a request that finds the model still loading is answered with
nothing, and once the engine is ready the server tells the editor to ask again in that document
(`hushcode/askAgain`), so a user who typed during the load sees a suggestion without typing again.
Real server over stdio, real model (its load slowed down so that the request lands in it)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e import lsp

pytestmark = pytest.mark.model

BODY = 'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n    '
OTHER = "import os\n\n"


async def test_a_request_during_the_load_is_asked_again_once_ready(model_path: Path) -> None:
    session = lsp.Session({"HUSHCODE_MODEL": str(model_path), "HUSHCODE_ENGINE_LOAD_DELAY_MS": "6000",
                           "HUSHCODE_COMPLETION_TIMEOUT_MS": "120000"})
    async with session as client:
        asked, untouched = "file:///tmp/hushcode-ready/fib.py", "file:///tmp/hushcode-ready/other.py"
        lsp.open_document(client, asked, BODY)
        lsp.open_document(client, untouched, OTHER)
        await lsp.wait_for_state(client, {"loading"}, 30)  # the engine starts once `initialized` is handled
        early = await lsp.inline(client, asked, 2, 4)
        assert early is not None and not early.items
        assert (await lsp.status(client))["lastResult"] == "no_engine"
        assert session.asked_again == []  # not before the engine is ready

        await lsp.wait_for_state(client, {"ready"}, 120)
        deadline = asyncio.get_running_loop().time() + 30
        while not session.asked_again and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        assert session.asked_again == [{"uri": asked, "reason": "ready"}]  # once, and only where it found none

        again = await lsp.inline(client, asked, 2, 4)
        assert again is not None and again.items and again.items[0].insert_text.strip(), again
        await asyncio.sleep(0.5)
        assert len(session.asked_again) == 1  # answered: nothing more to ask for
