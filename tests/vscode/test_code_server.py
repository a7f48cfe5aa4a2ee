"""VS Code (code-server 4.139.1, VS Code 1.139.1) with the extension's .vsix, in headless Chromium,
against the real `hushcode serve` and the real default model.

One code-server and one browser window serve every test of this module (each costs ~10 s to start).
The tests run in order and each leaves the editor as it found it: completions on, the default model.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from tests.fixtures.tiny_gguf import write_tiny_gguf
from tests.vscode.workbench import MODEL_NAME, Tools, Workbench, running_workbench

pytestmark = [pytest.mark.model, pytest.mark.timeout(1800)]

# A function whose body is still empty; no newline at the end, so Ctrl+End, Enter puts the cursor
# on an indented blank line in the body.
FIB = 'def fibonacci(n):\n    """Return the n-th Fibonacci number."""'
EVEN = 'def is_even(n):\n    """Return True when n is even."""'
EVEN_REQUEST = re.compile(r"complete req=i\d+ doc=even\.py")  # the server's log line for an inline request


@pytest.fixture(scope="module")
def workbench(
    vscode_tools: Tools, vsix: Path, model_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workbench]:
    with running_workbench(vscode_tools, vsix, model_path, tmp_path_factory.mktemp("code-server")) as bench:
        yield bench


def open_empty_body(bench: Workbench, name: str, source: str) -> Path:
    """Write `source`, open it, and press Enter at its end: VS Code asks for a suggestion there."""
    path = bench.folder / name
    path.write_text(source, encoding="utf-8")
    bench.open_file(path)
    bench.chord(Keys.CONTROL, Keys.END)
    bench.keys(Keys.ENTER)
    lines = source.count("\n") + 2
    bench.wait(f"the Enter in {name} (a new line)", lambda: len(bench.editor_text().split("\n")) >= lines, 20)
    return path


def ghost_after_typing(bench: Workbench, name: str, timeout: float = 180) -> str:
    """The ghost text VS Code shows after typing in `name`. On a loaded machine the editor has been
    seen to let the first keystroke after opening a file pass without asking the server (nothing
    in its log for 3 minutes): if the server's log has no answer for `name` after 45 s, the test
    types a space and deletes it, as a user would, and waits again. A request that the server
    answered with nothing is not retried."""
    asked = re.compile(rf"complete req=i\d+ doc={re.escape(name)} ")
    deadline = time.monotonic() + timeout
    try:
        return bench.wait("ghost text", bench.ghost_text, 45)
    except AssertionError:
        if asked.search(bench.server.channel_log()):
            raise
    print(f"no answer to an inline request for {name} in the server's log after 45 s: a space typed and deleted")
    bench.keys(" ", Keys.BACKSPACE)
    return bench.wait(f"ghost text in {name} after a second keystroke", bench.ghost_text,
                      max(30.0, deadline - time.monotonic()))


def test_ghost_text_appears_and_tab_accepts_it(workbench: Workbench) -> None:
    path = open_empty_body(workbench, "fib.py", FIB)
    ghost = ghost_after_typing(workbench, "fib.py")
    workbench.screenshot("ghost-text.png")
    first_line = ghost.split("\n")[0].strip()
    assert first_line, f"the suggestion's first line is blank: {ghost!r}"

    workbench.keys(Keys.TAB)
    workbench.wait("the suggestion in the editor", lambda: first_line in workbench.editor_text(), 10)
    workbench.chord(Keys.CONTROL, "s")
    workbench.wait("the file to be saved", workbench.saved)
    saved = path.read_text(encoding="utf-8")
    assert saved.startswith(FIB + "\n    "), saved
    body = saved[len(FIB) + 1 :].split("\n")
    assert body[0].strip() == first_line, f"saved {body[0]!r}, ghost text {ghost!r}"
    if ghost.endswith("\n…"):
        assert len(body) > 1, f"a multi-line suggestion was accepted as one line: {saved!r}"

    # The status bar item: model and latency, and the last completion's figures in its tooltip.
    text = workbench.wait(
        "a latency in the status bar", lambda: "ms" in workbench.status_text() and workbench.status_text()
    )
    assert MODEL_NAME in text
    tooltip = workbench.status_tooltip()
    assert "reused" in tooltip and "evaluated" in tooltip, tooltip


def test_toggle_off_stops_suggestions(workbench: Workbench) -> None:
    server = workbench.server
    workbench.click_status_item()
    workbench.pick("Turn completions off")
    workbench.wait("the status bar to say off", lambda: "hushcode: off" in workbench.status_text())
    assert server.settings().get("hushcode.completion.enabled") is False

    def requests() -> int:
        return len(EVEN_REQUEST.findall(server.channel_log()))

    open_empty_body(workbench, "even.py", EVEN)
    workbench.keys("r")
    time.sleep(6)  # longer than a suggestion takes once the model is warm
    assert workbench.ghost_text() == "", "ghost text while completions are off"
    assert requests() == 0, "a request reached the server while off"

    workbench.run_command("hushcode: Toggle Completions")
    workbench.wait("the model name back in the status bar", lambda: MODEL_NAME in workbench.status_text())
    # The extension's keys for VS Code's own commands: Alt+\ asks (a manual trigger), Alt+J accepts a line.
    workbench.chord(Keys.ALT, "\\")
    ghost = workbench.wait("ghost text once completions are on again", workbench.ghost_text, 180)
    workbench.wait("the request in the server's log", lambda: requests() > 0)
    first_line = ghost.split("\n")[0]
    workbench.chord(Keys.ALT, "j")
    workbench.wait(
        "the suggestion's first line in the editor", lambda: "r" + first_line in workbench.editor_text(), 10
    )
    workbench.keys(Keys.ESCAPE)
    workbench.chord(Keys.CONTROL, "s")


def test_choosing_another_model_reloads_it(workbench: Workbench, model_path: Path, tmp_path: Path) -> None:
    tiny = write_tiny_gguf(tmp_path / "tiny-fim.gguf", fim=True, name="Tiny FIM")
    workbench.run_command("hushcode: Choose Model")
    # The server's catalog (hushcode/listModels) is offered, with a file picker for any GGUF.
    workbench.wait(
        "the catalog's models", lambda: any("Qwen2.5-Coder" in r for r in workbench.quick_pick_labels())
    )
    workbench.pick("Browse for a GGUF file")
    workbench.type_path(tiny)
    workbench.wait("the new model in the status bar", lambda: "Tiny FIM" in workbench.status_text(), 120)
    assert workbench.server.settings()["hushcode.model.path"] == str(tiny)

    # And back, from the catalog when the test model is the installed default, else from its file.
    workbench.run_command("hushcode: Choose Model")
    workbench.wait(
        "the catalog's models", lambda: any("Qwen2.5-Coder" in r for r in workbench.quick_pick_labels())
    )
    if any(str(model_path) in label for label in workbench.quick_pick_labels()):
        workbench.pick(str(model_path))
    else:
        workbench.pick("Browse for a GGUF file")
        workbench.type_path(model_path)
    workbench.wait(
        "the default model back in the status bar", lambda: MODEL_NAME in workbench.status_text(), 180
    )
    assert workbench.server.settings()["hushcode.model.path"] == str(model_path)


def test_a_request_during_a_model_load_gets_its_suggestion_once_ready(workbench: Workbench, model_path: Path,
                                                                       tmp_path: Path) -> None:
    """Enter in an empty body while the model (re)loads: the request finds no engine; once the
    engine is ready the server's `hushcode/askAgain` makes VS Code ask again. No key is pressed."""
    other = tmp_path / "same-model.gguf"
    other.symlink_to(model_path)
    name = "loading.py"
    path = workbench.folder / name
    path.write_text('def is_odd(n):\n    """Return True when n is odd."""', encoding="utf-8")
    server = workbench.server
    before = server.channel_log().count("engine ready")
    workbench.set_setting("hushcode.model.path", str(other))
    workbench.wait("the new model's engine to start", lambda: f"model={other}" in server.channel_log(), 60)
    workbench.open_file(path)  # the model loads for 12 s more (LOAD_DELAY_MS)
    workbench.chord(Keys.CONTROL, Keys.END)
    workbench.keys(Keys.ENTER)
    workbench.wait("the request that found the model loading",
                   lambda: re.search(rf"doc={name} .*result=no_engine", server.channel_log()), 60)
    ghost = workbench.wait("ghost text once the model is ready, with no key pressed", workbench.ghost_text, 180)
    assert ghost.strip(), ghost
    log = server.channel_log()
    assert log.count("engine ready") > before and f"ask again: {name} (ready)" in log, log[-3000:]
    workbench.keys(Keys.ESCAPE)
    workbench.chord(Keys.CONTROL, "s")
    ready = log.count("engine ready")
    workbench.set_setting("hushcode.model.path", str(model_path))
    workbench.wait("the default model back", lambda: server.channel_log().count("engine ready") > ready, 180)
    assert f"model={model_path}" in server.channel_log().split(f"model={other}")[-1]


def test_check_setup_runs_the_doctor(workbench: Workbench) -> None:
    """hushcode: Check Setup runs `hushcode doctor` with the server command in use: the verdict in
    a notification, every check in the output channel."""
    workbench.run_command("hushcode: Check Setup")
    verdict = workbench.wait("the doctor's verdict", lambda: "hushcode doctor:" in workbench.notifications()
                             and workbench.notifications(), 300)
    assert "everything needed works" in verdict, verdict + workbench.server.channel_log()[-3000:]
    log = workbench.server.channel_log()
    for check in ("llama.cpp build", "model sha256", "engine", "completion", "network guard"):
        assert re.search(rf"ok\s+{re.escape(check)}\s", log), (check, log[-3000:])
    assert re.search(r"completion\s+\d+ ms for ", log), log[-3000:]


def test_a_missing_server_is_explained(workbench: Workbench) -> None:
    command = workbench.server.settings()["hushcode.server.command"]
    workbench.set_setting("hushcode.server.command", "/nowhere/hushcode")
    workbench.wait("the status bar to say so", lambda: "hushcode: no server" in workbench.status_text())
    message = workbench.wait(
        "the notification", lambda: "was not found" in workbench.notifications() and workbench.notifications()
    )
    assert "/nowhere/hushcode" in message and "scripts/setup.sh" in message, message
    workbench.click_button("Open Install Guide")
    workbench.wait("the install guide", lambda: any("readme.md" in tab.lower() for tab in workbench.tabs()))

    workbench.set_setting("hushcode.server.command", command)
    workbench.wait("the server back", lambda: MODEL_NAME in workbench.status_text(), 180)


def test_a_crashed_server_is_restarted_with_a_message(workbench: Workbench) -> None:
    (pid,) = workbench.server.language_servers()
    os.kill(pid, signal.SIGKILL)
    workbench.wait(
        "the restart message",
        lambda: "stopped unexpectedly and is being restarted" in workbench.notifications(),
    )
    workbench.wait("a new server", lambda: [p for p in workbench.server.language_servers() if p != pid])
    workbench.wait("the model back in the status bar", lambda: MODEL_NAME in workbench.status_text(), 180)

    workbench.run_command("hushcode: Show Log")
    workbench.wait("the server's log in the Output panel", lambda: "engine ready" in workbench.panel_text())
