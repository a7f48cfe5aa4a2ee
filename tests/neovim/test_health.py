""":checkhealth hushcode and the statusline when things are wrong, in a real Neovim 0.12."""

from __future__ import annotations

import re

import pytest

from tests.neovim.editor import MODEL_NAME, Editor
from tests.neovim.test_inline import SOURCE

pytestmark = pytest.mark.model


def test_checkhealth_reports_server_model_version_and_inline_support(neovim: Editor) -> None:
    neovim.setup()
    neovim.open("point.py", SOURCE)
    neovim.wait_ready()
    neovim.nvim.command("checkhealth hushcode")
    report = "\n".join(neovim.lines())
    assert "OK Neovim 0.12" in report and "inline completion (ghost text) supported" in report
    assert re.search(r"OK server found: \S+ \(hushcode \d+\.\d+\.\d+\)", report), report
    assert f"OK model loaded: {MODEL_NAME} (template qwen)" in report
    running = r"OK server running: hushcode \d+\.\d+\.\d+ \(client \d+, positions utf-8\)"
    assert re.search(running, report), report
    assert "next edits: off" in report, report
    assert "ERROR" not in report and "WARNING" not in report, report


def test_checkhealth_reports_a_missing_server(neovim: Editor) -> None:
    neovim.setup(cmd=["/nonexistent/bin/hushcode", "serve"])
    neovim.nvim.command("checkhealth hushcode")
    report = "\n".join(neovim.lines())
    assert "ERROR server not found: /nonexistent/bin/hushcode" in report, report
    assert "scripts/setup.sh" in report


def test_a_bad_model_shows_as_an_error(neovim: Editor) -> None:
    not_a_model = neovim.home / "notes.gguf"
    not_a_model.write_text("not a GGUF file\n")
    neovim.setup(cmd_env={"HUSHCODE_MODEL": str(not_a_model)})
    neovim.open("point.py", SOURCE)
    status = neovim.wait("the server's error state", lambda: neovim.lua(
        "local s = require('hushcode').status(); return s and s.state == 'error' and s or nil"))
    assert status["message"]
    assert neovim.statusline() == "hushcode: error"
    neovim.nvim.command("checkhealth hushcode")
    report = "\n".join(neovim.lines())
    assert "ERROR model error: " in report and "notes.gguf" in report, report


def test_checkhealth_shows_the_doctors_lines(neovim: Editor) -> None:
    """`hushcode doctor --json`, run with the server command the plugin has, one health line per check."""
    neovim.setup()
    neovim.nvim.command("checkhealth hushcode")
    report = "\n".join(neovim.lines())
    assert "hushcode: doctor (the whole chain)" in report and "doctor --json --no-editors" in report
    for line in ("OK python: Python 3.", "OK llama.cpp build: llama-cpp-python ", "OK model: ",
                 "OK model sha256: matches the catalog", "OK model template: qwen (PSM)", "OK engine: ready in ",
                 "OK network guard: on (HUSHCODE_AUDIT_NETWORK=1)"):
        assert line in report, (line, report)
    assert re.search(r"OK completion: \d+ ms for '.+'", report), report
    assert "ERROR" not in report and "WARNING" not in report, report


def test_checkhealth_shows_a_doctor_failure_as_an_error_with_its_fix(neovim: Editor) -> None:
    neovim.setup(cmd_env={"HUSHCODE_MODEL": str(neovim.home / "gone.gguf")})
    neovim.nvim.command("checkhealth hushcode")
    report = "\n".join(neovim.lines())
    assert re.search(r"ERROR model: The model file \S+gone.gguf does not exist", report), report
    assert "point model.path (or HUSHCODE_MODEL) at a GGUF file" in report  # the fix, as advice
    assert "engine: skipped (needs a usable model" in report
