"""Live reload end to end, with the real model: edit `.hushcode.toml` in the workspace, and the
next completion uses the new setting, without a restart and without reloading the model."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pytest_lsp import LanguageClient

from tests.e2e import lsp

FUNC = 'def add(a: int, b: int) -> int:\n    """Return the sum of a and b."""\n    \n'


def save(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)  # as editors save: a new file moved over the old one


async def complete_until(client: LanguageClient, uri: str, done: Any, what: str) -> tuple[Any, dict[str, Any]]:
    """Ask for completions until the status shows the new setting at work (the file change reaches
    the server through the file system, so the first request after the write may still be older)."""
    for _ in range(60):
        result = await lsp.inline(client, uri, 2, 4)
        status = await lsp.status(client)
        if done(status):
            return result, status
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what}: {status}")


async def test_editing_the_project_file_changes_the_next_completion(model_path: Path, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    project = root / ".hushcode.toml"
    save(project, "# team settings\n[completion]\nmax_tokens = 64\n")
    (root / "add.py").write_text(FUNC)
    session = lsp.Session({"HUSHCODE_MODEL": str(model_path)})
    session.root = root
    async with session as client:
        first = await lsp.wait_for_state(client, {"ready"})
        uri = (root / "add.py").as_uri()
        lsp.open_document(client, uri, FUNC)
        result = await lsp.inline(client, uri, 2, 4)
        status = await lsp.status(client)
        assert result is not None and len(result.items) == 1, status
        long_text = str(result.items[0].insert_text)
        assert status["lastResult"] == "ok" and status["generatedTokens"] > 2, (long_text, status)

        # a smaller budget for blocks: the next completion stops after 2 tokens
        save(project, "# team settings\n[completion]\nmax_tokens = 2\n")
        result, status = await complete_until(client, uri, lambda s: s["lastResult"] in ("ok", "empty")
                                              and s["generatedTokens"] <= 2, "max_tokens = 2 was not applied")
        if result is not None and result.items:
            short_text = str(result.items[0].insert_text)
            assert len(short_text) < len(long_text) and long_text.startswith(short_text.rstrip()), (short_text,
                                                                                                  long_text)

        # completions off: the next request gets nothing; a toggle does not reload the model
        save(project, "# team settings\n[completion]\nmax_tokens = 2\nenabled = false\n")
        result, status = await complete_until(client, uri, lambda s: s["lastResult"] == "disabled",
                                              "enabled = false was not applied")
        assert result is not None and len(result.items) == 0
        assert status["enginePid"] == first["enginePid"]

        # the file removed: defaults again, and the full completion is back
        project.unlink()
        result, status = await complete_until(client, uri, lambda s: s["lastResult"] == "ok"
                                              and s["generatedTokens"] > 2, "removing the file was not applied")
        assert result is not None and str(result.items[0].insert_text) == long_text
        assert status["enginePid"] == first["enginePid"]
        assert not [m for m in client.messages if "hushcode.toml" in m.message]  # no warnings on the way
