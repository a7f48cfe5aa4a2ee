"""End to end: the real `hushcode serve` over stdio, the real default model."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from tests.e2e import lsp

FUNC = 'def add(a: int, b: int) -> int:\n    """Return the sum of a and b."""\n    \n'


def env(model_path: Path, **extra: str) -> dict[str, str]:
    return {"HUSHCODE_MODEL": str(model_path), **extra}


async def test_advertises_inline_completion_and_utf8(model_path: Path) -> None:
    session = lsp.Session(env(model_path), encodings=["utf-16", "utf-8"])
    async with session:
        assert session.result is not None
        caps = session.result.capabilities
        assert caps.inline_completion_provider is not None
        assert caps.completion_provider is not None
        assert caps.position_encoding == types.PositionEncodingKind.Utf8  # UTF-8 whenever offered
        sync = caps.text_document_sync
        assert isinstance(sync, types.TextDocumentSyncOptions)
        assert sync.change == types.TextDocumentSyncKind.Incremental


async def test_utf16_when_utf8_not_offered(model_path: Path) -> None:
    session = lsp.Session(env(model_path), encodings=["utf-16"])
    async with session:
        assert session.result is not None
        assert session.result.capabilities.position_encoding == types.PositionEncodingKind.Utf16


async def test_inline_completion_fills_an_empty_function_body(model_path: Path) -> None:
    session = lsp.Session(env(model_path))
    async with session as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/add.py"
        lsp.open_document(client, uri, FUNC)
        result = await lsp.inline(client, uri, 2, 4)
        assert result is not None and len(result.items) == 1
        item = result.items[0]
        assert isinstance(item.insert_text, str) and item.insert_text.strip()
        assert item.range == types.Range(start=types.Position(2, 4), end=types.Position(2, 4))
        assert "a" in item.insert_text and "b" in item.insert_text  # it uses the parameters
        status = await lsp.status(client)
        assert status["answered"] == 1 and status["evaluatedTokens"] > 0
        assert any(s["state"] == "ready" for s in session.statuses)  # hushcode/status notifications


async def test_completion_fallback_returns_an_item(model_path: Path) -> None:
    async with lsp.Session(env(model_path)) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/fallback.py"
        text = "import os\n\n\ndef home_dir() -> str:\n    return os.path.expand"
        lsp.open_document(client, uri, text)
        result = await client.text_document_completion_async(types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(4, 25)))
        assert isinstance(result, types.CompletionList)
        assert len(result.items) == 1
        edit = result.items[0].text_edit
        assert isinstance(edit, types.TextEdit)
        # the item replaces the word being typed, so the editor's filter keeps it
        assert edit.new_text.startswith("expand") and len(edit.new_text) > len("expand")
        assert edit.range.start == types.Position(4, 19)
        assert "\n" not in edit.new_text  # mid-line: one line


async def test_missing_model_reports_and_serves_empty(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model.gguf"
    session = lsp.Session({"HUSHCODE_MODEL": str(missing)})
    async with session as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=30)
        assert str(missing) in status["message"]
        errors = lsp.error_messages(client)
        assert any(str(missing) in m for m in errors), errors
        uri = "file:///tmp/hushcode-e2e/m.py"
        lsp.open_document(client, uri, FUNC)
        result = await lsp.inline(client, uri, 2, 4)
        assert result is not None and len(result.items) == 0
        assert (await lsp.status(client))["state"] == "error"  # still alive and answering


async def test_default_model_not_installed_names_the_pull_command(tmp_path: Path) -> None:
    session = lsp.Session({"HUSHCODE_MODELS_DIR": str(tmp_path), "HUSHCODE_MODEL": ""})
    async with session as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=30)
        assert "hushcode models pull" in status["message"]
        assert any("hushcode models pull" in m for m in lsp.error_messages(client))


@pytest.mark.parametrize("line,character", [(2, 40), (2, 5000), (3, 1), (50, 0)])
async def test_invalid_positions_return_empty(model_path: Path, line: int, character: int) -> None:
    async with lsp.Session(env(model_path)) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/p.py"
        lsp.open_document(client, uri, FUNC)
        result = await lsp.inline(client, uri, line, character)
        assert result is not None and len(result.items) == 0
        # and the server still serves a valid position afterwards
        good = await lsp.inline(client, uri, 2, 4)
        assert good is not None and len(good.items) == 1
