"""The extension's own logic, without an editor: its TypeScript unit tests (node's test runner, run
from here so that their result is part of pytest's), the type check, the settings it contributes
against the server's, and what goes into the .vsix."""

from __future__ import annotations

import dataclasses
import json
import re
import zipfile
from pathlib import Path

import pytest

from hushcode.config.settings import CompletionSettings, ModelSettings
from tests.vscode.conftest import npm_run
from tests.vscode.workbench import EXTENSION, Tools

# The first test here may pay for the tools' setup (see conftest.SETUP_TIMEOUT_S).
pytestmark = pytest.mark.timeout(1800)

PACKAGE = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
PROPERTIES: dict[str, dict[str, object]] = PACKAGE["contributes"]["configuration"]["properties"]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_typescript_unit_tests_pass(vscode_tools: Tools, extension_deps: Path) -> None:
    done = npm_run(vscode_tools, "test")
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-6000:]
    passed = re.search(r"^# pass (\d+)$", report, re.MULTILINE)
    failed = re.search(r"^# fail (\d+)$", report, re.MULTILINE)
    assert passed and failed, report[-3000:]
    assert int(failed.group(1)) == 0 and int(passed.group(1)) >= 15, report[-3000:]


def test_typescript_type_checks(vscode_tools: Tools, extension_deps: Path) -> None:
    done = npm_run(vscode_tools, "check")
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]


@pytest.mark.parametrize(
    ("section", "settings"), [("model", ModelSettings()), ("completion", CompletionSettings())]
)
def test_contributed_server_settings_exist_in_the_server_with_its_defaults(
    section: str, settings: object
) -> None:
    fields = {_camel(f.name): f for f in dataclasses.fields(settings)}  # type: ignore[arg-type]
    contributed = {
        key.split(".", 2)[2]: spec
        for key, spec in PROPERTIES.items()
        if key.startswith(f"hushcode.{section}.")
    }
    assert contributed, f"no hushcode.{section}.* settings contributed"
    for name, spec in contributed.items():
        assert name in fields, f"hushcode.{section}.{name} is not a server setting"
        default = getattr(settings, fields[name].name)
        assert spec["default"] == ("" if default is None else default), f"hushcode.{section}.{name}"
        choices = fields[name].metadata.get("choices")
        if choices is not None:
            assert tuple(spec["enum"]) == tuple(choices), f"hushcode.{section}.{name}"  # type: ignore[arg-type]
        assert spec.get("markdownDescription") or spec.get("description"), (
            f"hushcode.{section}.{name} has no description"
        )


def test_every_setting_and_command_is_described() -> None:
    for key, spec in PROPERTIES.items():
        assert spec.get("markdownDescription") or spec.get("description"), key
    commands = {c["command"] for c in PACKAGE["contributes"]["commands"]}
    assert {
        "hushcode.toggle",
        "hushcode.chooseModel",
        "hushcode.showLog",
        "hushcode.restartServer",
    } <= commands
    documented = (EXTENSION.parent.parent / "docs/editors/vscode.md").read_text(encoding="utf-8")
    for contributed in PACKAGE["contributes"]["commands"]:
        title = f"**{contributed['category']}: {contributed['title']}**"
        assert title in documented, f"{contributed['command']} ({title}) is not in docs/editors/vscode.md"
    restricted = PACKAGE["capabilities"]["untrustedWorkspaces"]["restrictedConfigurations"]
    assert {"hushcode.model.path", "hushcode.server.command"} <= set(restricted)


def test_the_vsix_holds_the_bundle_and_no_node_modules(vsix: Path) -> None:
    names = zipfile.ZipFile(vsix).namelist()
    assert "extension/dist/extension.js" in names and "extension/package.json" in names, names
    assert not [n for n in names if "node_modules" in n or n.startswith("extension/src/")], names
    assert PACKAGE["dependencies"]["vscode-languageclient"][0].isdigit(), "vscode-languageclient is pinned"
