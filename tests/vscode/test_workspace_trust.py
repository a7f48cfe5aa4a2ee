"""Workspace trust in a real VS Code: an untrusted workspace cannot choose the model file.

A second code-server (this one with Workspace Trust on) opens a folder whose `.vscode/settings.json`
names another model. In Restricted Mode the user's model is loaded and a notification names the
ignored setting; trusting the folder restarts the server with the folder's model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.tiny_gguf import write_tiny_gguf
from tests.vscode.workbench import MODEL_NAME, Tools, running_workbench

pytestmark = [pytest.mark.model, pytest.mark.timeout(1800)]


def test_an_untrusted_workspace_cannot_choose_the_model(
    vscode_tools: Tools, vsix: Path, model_path: Path, tmp_path: Path
) -> None:
    tiny = write_tiny_gguf(tmp_path / "tiny-fim.gguf", fim=True, name="Tiny FIM")
    folder_settings = tmp_path / "project" / ".vscode" / "settings.json"
    folder_settings.parent.mkdir(parents=True)
    folder_settings.write_text(json.dumps({"hushcode.model.path": str(tiny)}), encoding="utf-8")
    # No trust prompt: the folder opens in Restricted Mode, as an unknown folder does.
    settings = {"security.workspace.trust.startupPrompt": "never"}
    with running_workbench(
        vscode_tools, vsix, model_path, tmp_path, settings=settings, workspace_trust=True
    ) as bench:
        assert MODEL_NAME in bench.status_text(), "the user's model, not the workspace's"
        message = bench.wait(
            "the notification", lambda: "not trusted" in bench.notifications() and bench.notifications()
        )
        assert "hushcode.model.path" in message, message

        bench.click_button("Manage Workspace Trust")
        bench.wait("the Trust button", lambda: [b for b in bench.buttons() if b.text.strip() == "Trust"])[
            0
        ].click()
        bench.wait("the workspace's model once trusted", lambda: "Tiny FIM" in bench.status_text(), 120)
