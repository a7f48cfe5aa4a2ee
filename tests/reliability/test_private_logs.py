"""Private logs: source code, file contents and suggestions reach the log only when the user asks
for them (``--log-level debug-code`` or ``HUSHCODE_LOG_CODE=1``); DEBUG alone holds none."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from lsprotocol import types

from hushcode.logs import setup_logging
from tests.e2e import lsp
from tests.reliability.fault_helpers import any_model, index_ready, session, tiny_model  # noqa: F401

IN_DOCUMENT = "zq_in_document_7f3a"
TYPED = "zq_typed_91b2"
IN_WORKSPACE = "zq_in_workspace_c4d8"
HELPERS = f'''def compute_total(values):
    """Sum {IN_WORKSPACE} values."""
    {IN_WORKSPACE} = 0
    for v in values:
        {IN_WORKSPACE} += v
    return {IN_WORKSPACE}
'''
MAIN = f'''from helpers import compute_total

SECRET_NAME = "{IN_DOCUMENT}"


def report(values):
    total = compute_total(values)
    
'''


async def _session(tmp_path: Path, log_file: Path, level: str, env: dict[str, str], model: Path | None = None
                   ) -> list[str]:
    """Open, type, complete (automatic and invoked), close, with the index and watcher running;
    returns the suggestions the server sent."""
    root = tmp_path / "project"
    root.mkdir(exist_ok=True)
    (root / "helpers.py").write_text(HELPERS)
    base = {"HUSHCODE_MODEL": str(model or tiny_model(tmp_path)), "HUSHCODE_INDEX_DIR": str(tmp_path / "index"), **env}
    s = session(base, root=root, log_file=log_file)
    s.config.server_command[s.config.server_command.index("--log-level") + 1] = level
    shown: list[str] = []
    async with s as client:
        await lsp.wait_for_state(client, {"ready"})
        await index_ready(client)
        uri = (root / "main.py").as_uri()
        lsp.open_document(client, uri, MAIN)
        lsp.change(client, uri, 2, 7, 4, f"x = {TYPED}")
        end = 4 + len(f"x = {TYPED}")
        lsp.change(client, uri, 3, 7, end, "\n    ")  # Enter: an empty line in the body, a block to write
        for line, character, invoked in ((7, end, False), (7, end, True), (8, 4, False), (8, 4, True)):
            result = await lsp.inline(client, uri, line, character, invoked=invoked)
            shown += [str(item.insert_text) for item in (result.items if result else [])]
        (root / "helpers.py").write_text(HELPERS + f"\n# {IN_WORKSPACE} edited\n")  # the watcher re-indexes
        client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        await lsp.status(client)
    return shown


def _secrets(shown: list[str]) -> list[str]:
    # suggestions long enough not to match a log word by chance (the tiny model's are random bytes)
    return [IN_DOCUMENT, TYPED, IN_WORKSPACE] + [s.strip() for s in shown if len(s.strip()) >= 10]


async def test_debug_log_holds_no_code(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                       any_model: Path) -> None:  # noqa: F811
    log_file = tmp_path / "server.log"
    shown = await _session(tmp_path, log_file, "DEBUG", {}, any_model)
    if any_model.name != "tiny-fim.gguf":
        assert shown, "the real model suggested nothing: the check below would not cover suggestions"
    log = log_file.read_text()
    stderr = capfd.readouterr().err  # the server's stderr (native output), forwarded by pytest-lsp
    assert "complete req=" in log and "indexed" in log  # the log did record the session
    for secret in _secrets(shown):
        assert secret not in log, secret
        assert secret not in stderr, secret
    assert " DEBUG watchdog" not in log  # third-party chatter is capped at INFO


async def test_code_is_logged_only_when_asked(tmp_path: Path) -> None:
    log_file = tmp_path / "server.log"
    await _session(tmp_path, log_file, "DEBUG", {"HUSHCODE_LOG_CODE": "1"})
    log = log_file.read_text()
    assert f"line='    x = {TYPED}'" in log  # the opt-in works, so the grep above can see code


async def test_debug_code_level(tmp_path: Path) -> None:
    log_file = tmp_path / "server.log"
    await _session(tmp_path, log_file, "debug-code", {})
    log = log_file.read_text()
    assert TYPED in log and "code req=" in log


def test_setup_logging_caps_third_party_loggers(tmp_path: Path) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, {n: logging.getLogger(n).level for n in ("pygls", "watchdog")})
    try:
        setup_logging(str(tmp_path / "a.log"), "DEBUG")
        assert logging.getLogger("watchdog").getEffectiveLevel() == logging.INFO
        assert logging.getLogger("pygls").getEffectiveLevel() == logging.WARNING
        setup_logging(str(tmp_path / "b.log"), "DEBUG-CODE")
        assert logging.getLogger("pygls").getEffectiveLevel() == logging.DEBUG
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)
        setup_logging.__globals__["_log_code"] = False
