"""A newer request supersedes a running generation even when the editor does not cancel the older
request: its tokenize no longer waits in the engine behind that generation (found by the storm:
one uncancelled request held every later keystroke until its generation ran to its end)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e import lsp

# A body the model writes at length; each token is slowed down so the first generation is long.
LONG = 'def describe_numbers() -> list[str]:\n    """Return the English names of the numbers one to twenty."""\n    \n'


@pytest.mark.model
@pytest.mark.timeout(240)
async def test_a_newer_request_supersedes_an_uncancelled_generation(model_path: Path) -> None:
    session = lsp.Session({"HUSHCODE_MODEL": str(model_path), "HUSHCODE_ENGINE_TOKEN_DELAY_MS": "300",
                           "HUSHCODE_COMPLETION_SPECULATIVE": "false"})
    async with session as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/supersede.py"
        lsp.open_document(client, uri, LONG)
        for _ in range(600):  # the engine answers stats between generations: let the warm-up end first
            if (await lsp.status(client))["warmups"] >= 1:
                break
            await asyncio.sleep(0.05)
        before = (await lsp.status(client, engine_stats=True))["engine"]
        first = lsp.inline_request(client, uri, 2, 4, msg_id="first")
        for _ in range(600):  # until the first generation streams tokens
            if (await lsp.status(client))["generating"]:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the first generation never started")
        # typed on (a statement and Enter); "first" is not cancelled
        lsp.change(client, uri, version=2, line=2, character=4, text="names = []\n    ")
        second = lsp.inline_request(client, uri, 3, 4, msg_id="second")
        answers = await asyncio.wait_for(asyncio.gather(first, second), 180)
        assert all(a is not None for a in answers)
        after = (await lsp.status(client, engine_stats=True))["engine"]
        # the first generation was stopped by the newer request, not run to its end
        assert after["cancelled"] - before["cancelled"] == 1, (before, after)
        assert after["generations"] - before["generations"] == 2
        assert after["max_concurrent"] == 1
