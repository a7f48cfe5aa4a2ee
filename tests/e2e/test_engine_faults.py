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
        back = await lsp.wait_for_new_engine(client, first_pid)
        assert back["restarts"] == 1
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


async def test_engine_that_stops_answering_is_killed_and_restarted(model_path: Path) -> None:
    # The engine goes silent on its first generation; the deadline is 0.5 s: past deadline + grace,
    # and silent for 60 s, the engine is hung.
    session = lsp.Session({"HUSHCODE_MODEL": str(model_path), "HUSHCODE_ENGINE_FAULT": "hang-on-generate",
                           "HUSHCODE_COMPLETION_TIMEOUT_MS": "500"})
    async with session as client:
        first = (await lsp.wait_for_state(client, {"ready"}))["enginePid"]
        uri = "file:///tmp/hushcode-e2e/hang.py"
        lsp.open_document(client, uri, LONG)
        result = await asyncio.wait_for(lsp.inline(client, uri, 2, 4), 90)  # answered, not hung
        assert result is not None and len(result.items) == 0
        await lsp.wait_for_new_engine(client, first)
        warnings = [m.message for m in client.messages if m.type == types.MessageType.Warning]
        assert any("stopped answering" in m for m in warnings), warnings


async def test_truncated_model_is_reported_by_name(model_path: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.gguf"
    with model_path.open("rb") as src:
        truncated.write_bytes(src.read(4 << 20))  # the first 4 MiB: a valid header, missing tensors
    async with lsp.Session({"HUSHCODE_MODEL": str(truncated)}) as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=60)
        assert str(truncated) in status["message"]
        assert any(str(truncated) in m for m in lsp.error_messages(client))
        lsp.open_document(client, "file:///tmp/hushcode-e2e/t.py", FUNC)
        result = await lsp.inline(client, "file:///tmp/hushcode-e2e/t.py", 2, 4)
        assert result is not None and len(result.items) == 0


async def test_default_model_with_wrong_hash_names_the_fix(model_path: Path, tmp_path: Path) -> None:
    from hushcode.models.catalog import load_catalog

    entry = load_catalog().default()
    fake = tmp_path / entry.file
    with fake.open("wb") as fh:  # right size, GGUF magic, wrong bytes
        fh.write(b"GGUF")
        fh.truncate(model_path.stat().st_size)
    async with lsp.Session({"HUSHCODE_MODELS_DIR": str(tmp_path), "HUSHCODE_MODEL": ""}) as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=60)
        assert "sha256" in status["message"] and "hushcode models pull --force" in status["message"]


async def test_not_a_gguf_file(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.gguf"
    bogus.write_text("these are my notes, not a model\n")
    async with lsp.Session({"HUSHCODE_MODEL": str(bogus)}) as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=30)
        assert "not a GGUF file" in status["message"] and str(bogus) in status["message"]


async def test_model_without_fim_tokens_is_refused_by_name(tmp_path: Path) -> None:
    from tests.fixtures.tiny_gguf import write_tiny_gguf

    model = write_tiny_gguf(tmp_path / "chat-only.gguf", fim=False, name="Tiny Chat Model")
    async with lsp.Session({"HUSHCODE_MODEL": str(model)}) as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=60)
        assert "Tiny Chat Model" in status["message"] and "fill-in-the-middle" in status["message"]
        assert status["restarts"] == 0  # a clean refusal is not retried
        assert any("Tiny Chat Model" in m for m in lsp.error_messages(client))
        lsp.open_document(client, "file:///tmp/hushcode-e2e/n.py", FUNC)
        result = await lsp.inline(client, "file:///tmp/hushcode-e2e/n.py", 2, 4)
        assert result is not None and len(result.items) == 0


async def test_tiny_fim_model_serves(tmp_path: Path) -> None:
    """The same loading path accepts a model with FIM tokens (detected as the qwen template)."""
    from tests.fixtures.tiny_gguf import write_tiny_gguf

    model = write_tiny_gguf(tmp_path / "tiny-fim.gguf", fim=True)
    async with lsp.Session({"HUSHCODE_MODEL": str(model)}) as client:
        status = await lsp.wait_for_state(client, {"ready"}, timeout=60)
        assert status["template"] == "qwen"


async def test_engine_ends_when_the_server_is_killed(model_path: Path) -> None:
    session = lsp.Session({"HUSHCODE_MODEL": str(model_path), "HUSHCODE_ENGINE_FAULT": "hang-on-generate"})
    async with session as client:
        status = await lsp.wait_for_state(client, {"ready"})
        lsp.open_document(client, "file:///tmp/hushcode-e2e/k.py", FUNC)
        pending = lsp.inline_request(client, "file:///tmp/hushcode-e2e/k.py", 2, 4, msg_id="orphan")
        await asyncio.sleep(1.0)  # the engine is now stuck in a generation
        os.kill(status["pid"], signal.SIGKILL)  # the editor's server dies without a word
        pending.cancel()
        for _ in range(100):
            try:
                os.kill(status["enginePid"], 0)
            except ProcessLookupError:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the engine outlived its server")
