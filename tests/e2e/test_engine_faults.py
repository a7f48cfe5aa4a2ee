"""The server survives its engine: crashes mid-generation, and a model that crashes on every load."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from lsprotocol import types

from tests.e2e import lsp

FUNC = 'def add(a: int, b: int) -> int:\n    """Return the sum of a and b."""\n    \n'
# A body the model writes at length, so the kill lands while tokens are still coming.
LONG = 'def describe_numbers() -> list[str]:\n    """Return the English names of the numbers one to twenty."""\n    \n'


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSEGV], ids=["SIGKILL", "SIGSEGV"])
async def test_engine_killed_mid_generation_is_reported_and_restarted(model_path: Path, sig: signal.Signals) -> None:
    # Slow each token down so that "mid-generation" is a wide window, not a race.
    session = lsp.Session({"HUSHCODE_MODEL": str(model_path), "HUSHCODE_ENGINE_TOKEN_DELAY_MS": "150"})
    async with session as client:
        ready = await lsp.wait_for_state(client, {"ready"})
        first_pid = ready["enginePid"]
        uri = "file:///tmp/hushcode-e2e/crash.py"
        lsp.open_document(client, uri, LONG)
        pending = lsp.inline_request(client, uri, 2, 4, msg_id="victim")
        for _ in range(300):  # wait until the engine streams tokens
            if (await lsp.status(client))["generating"]:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the engine never started generating")
        os.kill(first_pid, sig)

        result = await asyncio.wait_for(pending, 30)  # the request in flight is answered, empty
        assert len(result.items) == 0
        back = await lsp.wait_for_state(client, {"ready"}, timeout=60)
        assert back["enginePid"] != first_pid and back["restarts"] == 1
        warnings = [m.message for m in client.messages if m.type == types.MessageType.Warning]
        assert any(sig.name in m and "Restarting" in m for m in warnings), warnings

        lsp.open_document(client, "file:///tmp/hushcode-e2e/after.py", FUNC)
        after = await lsp.inline(client, "file:///tmp/hushcode-e2e/after.py", 2, 4)
        assert after is not None and len(after.items) == 1 and after.items[0].insert_text


async def test_engine_that_crashes_on_every_load_is_given_up(model_path: Path) -> None:
    session = lsp.Session({"HUSHCODE_MODEL": str(model_path), "HUSHCODE_ENGINE_FAULT": "crash-on-load"})
    async with session as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=60)
        assert "stopped restarting" in status["message"]
        assert status["restarts"] == 2  # three attempts in all
        assert any("stopped restarting" in m for m in lsp.error_messages(client))
        await asyncio.sleep(1.5)  # longer than the backoff: no further attempt
        later = await lsp.status(client)
        assert later["state"] == "error" and later["restarts"] == 2 and later["enginePid"] is None
        lsp.open_document(client, "file:///tmp/hushcode-e2e/x.py", FUNC)
        result = await lsp.inline(client, "file:///tmp/hushcode-e2e/x.py", 2, 4)
        assert result is not None and len(result.items) == 0
