"""Settings change live: a toggle takes effect at once, a new model is loaded without a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types

from tests.e2e import lsp

FUNC = 'def add(a: int, b: int) -> int:\n    """Return the sum of a and b."""\n    \n'


def push(client, settings: dict) -> None:  # type: ignore[no-untyped-def]
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"hushcode": settings}))


async def test_toggle_and_model_change_apply_live(model_path: Path, tmp_path: Path) -> None:
    from tests.fixtures.tiny_gguf import write_tiny_gguf

    async with lsp.Session({"HUSHCODE_MODEL": ""}, options={"model": {"path": str(model_path)}}) as client:
        first = await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/live.py"
        lsp.open_document(client, uri, FUNC)
        assert len((await lsp.inline(client, uri, 2, 4)).items) == 1  # type: ignore[union-attr]

        push(client, {"model": {"path": str(model_path)}, "completion": {"enabled": False}})
        for _ in range(100):  # the notification is processed in order, before the next request
            result = await lsp.inline(client, uri, 2, 4)
            if (await lsp.status(client))["lastResult"] == "disabled":
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("completions were not switched off")
        assert result is not None and len(result.items) == 0
        assert (await lsp.status(client))["enginePid"] == first["enginePid"]  # no reload for a toggle

        tiny = write_tiny_gguf(tmp_path / "tiny.gguf", fim=True, name="Tiny FIM")
        push(client, {"model": {"path": str(tiny)}})
        for _ in range(600):
            status = await lsp.status(client)
            if status["model"] == "Tiny FIM" and status["state"] == "ready":
                break
            await asyncio.sleep(0.1)
        assert status["model"] == "Tiny FIM" and status["modelPath"] == str(tiny)
        assert status["enginePid"] != first["enginePid"]

        listed = await client.protocol.send_request_async("hushcode/listModels", {})
        models = lsp._plain(listed)
        assert models["current"] == str(tiny)
        assert any(m["default"] and m["id"].startswith("qwen2.5-coder-0.5b") for m in models["models"])


async def test_bad_setting_warns_and_keeps_serving(model_path: Path) -> None:
    async with lsp.Session({"HUSHCODE_MODEL": str(model_path)}) as client:
        await lsp.wait_for_state(client, {"ready"})
        push(client, {"completion": {"maxTokens": "many"}})
        for _ in range(100):
            warnings = [m.message for m in client.messages if m.type == types.MessageType.Warning]
            if any("maxTokens" in w for w in warnings):
                break
            await asyncio.sleep(0.05)
        assert any("maxTokens" in w and "'many'" in w for w in warnings), warnings
        lsp.open_document(client, "file:///tmp/hushcode-e2e/b.py", FUNC)
        result = await lsp.inline(client, "file:///tmp/hushcode-e2e/b.py", 2, 4)
        assert result is not None and len(result.items) == 1
