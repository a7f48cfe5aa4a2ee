"""Model faults through the real server: corrupt files, a file deleted while loaded, a model that
does not fit in memory, a damaged model that writes NUL bytes. Each ends in a clear message (or
plain empty answers), never a hang or a crash of the server. (Truncated, wrong sha256, not a GGUF
and no FIM tokens: tests/e2e/test_engine_faults.py.)"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import struct
from pathlib import Path

import pytest

from hushcode.worker.memory import LIMIT_ENV
from tests.e2e import lsp
from tests.reliability.fault_helpers import FUNC, session, tiny_model


def _corrupt(data: bytes, how: str) -> bytes:
    """Damage a GGUF in one of the ways a disk, a download or a bad converter does."""
    b = bytearray(data)
    if how == "version":
        b[4:8] = struct.pack("<I", 999)
    elif how == "tensor-count":
        b[8:16] = struct.pack("<Q", 1 << 40)
    elif how == "key-length":
        b[24:32] = struct.pack("<Q", 1 << 50)
    elif how == "scrambled-metadata":
        rng = random.Random(7)
        for i in range(64, 20000):
            if rng.random() < 0.05:
                b[i] = rng.randrange(256)
    return bytes(b)


async def _answers_empty(client: object, name: str) -> None:
    uri = f"file:///tmp/hushcode-e2e/{name}.py"
    lsp.open_document(client, uri, FUNC)  # type: ignore[arg-type]
    result = await asyncio.wait_for(lsp.inline(client, uri, 2, 4), 60)  # type: ignore[arg-type]
    assert result is not None and len(result.items) == 0


@pytest.mark.parametrize("how", ["version", "tensor-count", "key-length", "scrambled-metadata"])
async def test_corrupt_model_file_is_reported_by_name(tmp_path: Path, how: str) -> None:
    model = tmp_path / f"{how}.gguf"
    model.write_bytes(_corrupt(tiny_model(tmp_path).read_bytes(), how))
    async with session({"HUSHCODE_MODEL": str(model)}) as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=60)
        assert f"could not load the model file {model}" in status["message"]
        assert "hushcode models pull" in status["message"]
        assert status["restarts"] == 0  # a clean refusal is not retried
        assert any(str(model) in m for m in lsp.error_messages(client))
        await _answers_empty(client, f"corrupt-{how}")


async def test_model_with_garbage_weights_never_shows_control_characters(tmp_path: Path) -> None:
    """Random bytes over the weights load fine (only a sha256 can tell) and make the model write
    NUL bytes: nothing of that reaches the editor."""
    data = bytearray(tiny_model(tmp_path).read_bytes())
    rng = random.Random(1)
    for i in range(len(data) // 2, len(data)):
        data[i] = rng.randrange(256)
    model = tmp_path / "garbage-weights.gguf"
    model.write_bytes(bytes(data))
    async with session({"HUSHCODE_MODEL": str(model)}) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/garbage.py"
        lsp.open_document(client, uri, FUNC)
        for invoked in (False, True):
            result = await lsp.inline(client, uri, 2, 4, invoked=invoked)
            assert result is not None
            for item in result.items:
                assert not any(ord(c) < 32 and c not in "\t\n\r" for c in str(item.insert_text))
        assert (await lsp.status(client))["lastResult"] == "empty"  # the model did write: all NULs, dropped


async def test_model_deleted_while_loaded_serves_on_then_a_restart_names_the_file(tmp_path: Path) -> None:
    model = tiny_model(tmp_path)
    async with session({"HUSHCODE_MODEL": str(model)}) as client:
        first = await lsp.wait_for_state(client, {"ready"})
        model.unlink()  # the engine keeps its mapping of the file: completions go on
        uri = "file:///tmp/hushcode-e2e/deleted.py"
        lsp.open_document(client, uri, FUNC)
        assert await lsp.inline(client, uri, 2, 4) is not None
        assert (await lsp.status(client))["lastResult"] not in ("no_engine", "engine_unavailable")
        os.kill(first["enginePid"], signal.SIGKILL)  # now a restart needs the file
        status = await lsp.wait_for_state(client, {"error"}, timeout=60)
        assert f"The model file {model} no longer exists" in status["message"]
        assert any("no longer exists" in m for m in lsp.error_messages(client))
        await asyncio.sleep(1.5)
        assert (await lsp.status(client))["state"] == "error"  # not restarted in a loop
        await _answers_empty(client, "deleted-after")


async def test_model_bigger_than_ram_is_refused_before_loading(tmp_path: Path) -> None:
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    model = tiny_model(tmp_path, "huge.gguf")
    with model.open("r+b") as fh:
        fh.truncate(2 * ram)  # sparse: twice this machine's RAM, costs no disk
    async with session({"HUSHCODE_MODEL": str(model)}) as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=60)
        assert f"The model {model} does not fit in memory" in status["message"]
        assert "the machine's RAM" in status["message"] and "smaller model" in status["message"]
        assert status["restarts"] == 0
        await _answers_empty(client, "huge")


async def test_model_over_a_memory_limit_is_refused(tmp_path: Path) -> None:
    model = tiny_model(tmp_path)  # 113 KB, against a cap of 0 MB
    async with session({"HUSHCODE_MODEL": str(model), LIMIT_ENV: "0"}) as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=60)
        assert "does not fit in memory" in status["message"] and LIMIT_ENV in status["message"]


@pytest.mark.parametrize("context_tokens", [1 << 22, 1 << 20], ids=["context-refused", "abort-in-llama"])
async def test_context_that_does_not_fit_says_so_instead_of_crashing_in_a_loop(tmp_path: Path,
                                                                               context_tokens: int) -> None:
    """The file fits, but its context does not: with 4M tokens llama.cpp refuses to create it; with
    1M it aborts (GGML_ASSERT) while allocating its compute buffers, which kills the engine."""
    env = {"HUSHCODE_MODEL": str(tiny_model(tmp_path)), LIMIT_ENV: "200",
           "HUSHCODE_MODEL_CONTEXT_TOKENS": str(context_tokens)}
    async with session(env) as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=90)
        assert "does not fit in memory" in status["message"] and "model.contextTokens" in status["message"]
        assert status["restarts"] == 0
        assert any("does not fit in memory" in m for m in lsp.error_messages(client))
        await _answers_empty(client, "context")


async def test_real_model_over_a_memory_limit_is_refused_by_name(model_path: Path) -> None:
    async with session({"HUSHCODE_MODEL": str(model_path), LIMIT_ENV: "300"}) as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=60)
        assert status["message"] == (
            f"The model {model_path} does not fit in memory: it needs at least 469 MB, and {LIMIT_ENV} "
            f"allows 300 MB. Choose a smaller model or quantisation (run: hushcode models list).")


def _catalog_copy(folder: Path, content: Path | None) -> Path:
    """The default model's file in a models folder of its own: a link to `content`, or a file of
    the right size and magic but the wrong bytes."""
    from hushcode.models.catalog import load_catalog

    entry = load_catalog().default()
    target = folder / entry.file
    if content is not None:
        target.symlink_to(content)
    else:
        with target.open("wb") as fh:
            fh.write(b"GGUF")
            fh.truncate(entry.size_bytes or 0)
    return target


async def test_changed_file_with_an_old_stamp_is_hashed_and_refused(tmp_path: Path) -> None:
    """The stamp says the file was verified, but the file changed since (its mtime): hash again."""
    from hushcode.models.catalog import load_catalog
    from hushcode.models.store import stamp_path

    entry = load_catalog().default()
    fake = _catalog_copy(tmp_path, None)
    st = fake.stat()
    stamp_path(fake).write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns - 10**9,
                                            "sha256": entry.sha256}))
    async with session({"HUSHCODE_MODELS_DIR": str(tmp_path), "HUSHCODE_MODEL": ""}) as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=120)
        assert f"wrong sha256: {fake} hashes to" in status["message"]
        assert f"hushcode models pull --force {entry.id}" in status["message"]
    assert not stamp_path(fake).exists()  # the lying stamp is gone


@pytest.mark.parametrize("stamp", ["truncated", "garbage"])
async def test_damaged_stamp_of_the_real_model_is_rebuilt(tmp_path: Path, model_path: Path, stamp: str) -> None:
    from hushcode.models.store import stamp_path

    linked = _catalog_copy(tmp_path, model_path)
    stamp_path(linked).write_text('{"size": 491400064, "mtime' if stamp == "truncated" else "\x00\xff garbage")
    async with session({"HUSHCODE_MODELS_DIR": str(tmp_path), "HUSHCODE_MODEL": ""}) as client:
        status = await lsp.wait_for_state(client, {"ready"}, timeout=180)
        assert status["modelPath"] == str(linked)
    assert json.loads(stamp_path(linked).read_text())["size"] == 491_400_064


def test_memory_check_names_the_smallest_limit(tmp_path: Path) -> None:
    from hushcode.worker import memory

    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + bytes(3 << 20))  # 3 MB
    assert memory.check_fits(str(model), environ={}) is None  # far below this machine's RAM
    message = memory.check_fits(str(model), environ={LIMIT_ENV: "2"})
    assert message == (f"The model {model} does not fit in memory: it needs at least 3 MB, and {LIMIT_ENV} "
                       f"allows 2 MB. Choose a smaller model or quantisation (run: hushcode models list).")
    assert memory.check_fits(str(tmp_path / "missing.gguf"), environ={LIMIT_ENV: "0"}) is None  # llama.cpp says
    assert memory.allocation_failed(["ggml.c:1644: GGML_ASSERT(ctx->mem_buffer != NULL) failed"])
    assert not memory.allocation_failed(["llama_context: n_ctx_seq (4096) > n_ctx_train (256)"])
