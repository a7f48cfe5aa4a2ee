"""A real VS Code for the extension's tests: code-server with the built .vsix installed, driven
through headless Chromium with selenium.

`CodeServer` is the server process (its own user data, extensions and XDG folders, so nothing of
the developer's own setup is read or written); `Workbench` is one browser window on it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement

REPO = Path(__file__).resolve().parents[2]
EXTENSION = REPO / "clients" / "vscode"
ARTIFACTS = Path(os.environ.get("HUSHCODE_TEST_ARTIFACTS", Path(__file__).parent / "artifacts"))
STATUS_ITEM = "hushcode.hushcode.hushcode.status"  # <publisher>.<name>.<status bar item id>
MODEL_NAME = "Qwen2.5 Coder 0.5B Instruct AWQ"  # the default model's general.name

T = TypeVar("T")


@dataclass(frozen=True)
class Tools:
    """What scripts/get-code-server.sh provides (its `name=path` lines)."""

    node: str
    npm: str
    code_server: str
    chromium: str
    chromedriver: str

    def env(self) -> dict[str, str]:
        """An environment where `node` is Node 24 (npm runs on it too)."""
        return {**os.environ, "PATH": f"{Path(self.node).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, diagnose: Callable[[], str]) -> T:
    """Poll `probe` until it returns something truthy; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{diagnose()}")
        time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CodeServer:
    """code-server on 127.0.0.1 with the extension installed from its .vsix."""

    def __init__(
        self,
        tools: Tools,
        root: Path,
        vsix: Path,
        settings: dict[str, Any],
        env: dict[str, str],
        *,
        workspace_trust: bool = False,
    ) -> None:
        self.tools = tools
        self.root = root
        self.user_data = root / "user-data"
        self.settings_file = self.user_data / "User" / "settings.json"
        self.port = _free_port()
        # Only the test's own HUSHCODE_* settings reach the server, not the developer's shell's.
        base = {k: v for k, v in os.environ.items() if not k.startswith("HUSHCODE_")}
        self.env = {
            **base,
            "XDG_CONFIG_HOME": str(root / "config"),
            "XDG_DATA_HOME": str(root / "data"),
            **env,
        }
        self.flags = ["--user-data-dir", str(self.user_data), "--extensions-dir", str(root / "extensions")]
        self._install(vsix)
        self.write_settings(settings)
        self.log = root / "code-server.log"
        with self.log.open("wb") as out:
            # Its own session: stop() ends code-server, its extension host and the hushcode servers together.
            self.process = subprocess.Popen(
                [
                    tools.code_server,
                    "--auth",
                    "none",
                    "--bind-addr",
                    f"127.0.0.1:{self.port}",
                    "--disable-telemetry",
                    "--disable-update-check",
                    *([] if workspace_trust else ["--disable-workspace-trust"]),
                    "--reconnection-grace-time",
                    "5",
                    *self.flags,
                ],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        wait_for(
            "code-server to listen", self._healthy, 60, lambda: self.log.read_text(errors="replace")[-3000:]
        )

    def _install(self, vsix: Path) -> None:
        """With scripts/vscode-extension.sh, as `scripts/setup.sh --vscode` installs it."""
        done = subprocess.run(
            ["bash", str(REPO / "scripts" / "vscode-extension.sh"), "--vsix", str(vsix)],
            check=False,
            env={
                **self.env,
                "HUSHCODE_VSCODE_BIN": self.tools.code_server,
                "HUSHCODE_VSCODE_EXTENSIONS_DIR": str(self.root / "extensions"),
                "HUSHCODE_VSCODE_USER_DATA_DIR": str(self.user_data),
            },
            capture_output=True,
            text=True,
            timeout=180,
        )
        if done.returncode != 0 or "successfully installed" not in done.stderr:
            raise AssertionError(
                f"installing {vsix.name} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(
                f"code-server exited ({self.process.returncode}):\n{self.log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def write_settings(self, settings: dict[str, Any]) -> None:
        self.settings_file.parent.mkdir(parents=True, exist_ok=True)
        self.settings_file.write_text(json.dumps(settings, indent=2), encoding="utf-8")

    def settings(self) -> dict[str, Any]:
        return dict(json.loads(self.settings_file.read_text(encoding="utf-8")))

    def channel_log(self) -> str:
        """The extension's output channel ("hushcode": its own lines and the server's stderr), as VS Code
        keeps it on disk."""
        files = sorted((self.user_data / "logs").glob("*/exthost*/hushcode.hushcode/hushcode.log"))
        return "".join(f.read_text(encoding="utf-8", errors="replace") for f in files)

    def language_servers(self) -> list[int]:
        """The pids of the `hushcode serve` processes under this code-server."""
        found = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and os.getpgid(int(entry.name)) == self.process.pid:
                    argv = (entry / "cmdline").read_bytes().split(b"\0")
                    if any(a.endswith(b"hushcode") for a in argv) and b"serve" in argv:
                        found.append(int(entry.name))
            except (OSError, ProcessLookupError):
                continue
        return found

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        # The extension host and the servers under it were in the same session: make sure none is left.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Workbench:
    """One headless Chromium window on code-server, with a folder open."""

    def __init__(self, tools: Tools, server: CodeServer, folder: Path) -> None:
        self.server = server
        self.folder = folder
        self.profile = tempfile.TemporaryDirectory(prefix="hushcode-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = tools.chromium
        for flag in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1400,900",
            f"--user-data-dir={self.profile.name}",
        ):
            options.add_argument(flag)
        # Chromium keeps crash reports under $XDG_CONFIG_HOME whatever --user-data-dir says: keep them here too.
        service = Service(tools.chromedriver, env={**os.environ, "XDG_CONFIG_HOME": self.profile.name})
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.get(f"http://127.0.0.1:{server.port}/?folder={folder}")
        self.wait(
            "the workbench",
            lambda: self.driver.find_elements(By.CSS_SELECTOR, ".monaco-workbench .part.editor"),
            120,
        )

    # -- waiting and failing -------------------------------------------------------------------

    def wait(self, what: str, probe: Callable[[], T | None], timeout: float = 60) -> T:
        return wait_for(what, probe, timeout, self.diagnose)

    def diagnose(self) -> str:
        shot = self.screenshot("failure.png")
        try:
            text = self.editor_text()
        except WebDriverException as error:
            text = f"(unreadable: {error.msg})"
        return (
            f"status bar: {self.status_text()!r}; screenshot: {shot}\n"
            f"focused editor's text: {text!r}\n"
            f"hushcode output channel (last lines):\n{self.server.channel_log()[-4000:]}"
        )

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        try:
            self.driver.save_screenshot(str(path))
        except WebDriverException:
            pass
        return path

    # -- reading the screen --------------------------------------------------------------------

    def _status_item(self) -> WebElement | None:
        found = self.driver.find_elements(By.ID, STATUS_ITEM)
        return found[0] if found else None

    def status_text(self) -> str:
        """The hushcode status bar item's text (codicons are not text)."""
        try:
            item = self._status_item()
            return item.text.strip() if item else ""
        except WebDriverException:
            return ""

    def status_tooltip(self) -> str:
        item = self._status_item()
        return (item.get_attribute("aria-label") or "") if item else ""

    def ghost_text(self) -> str:
        """The inline suggestion on screen: its first line (the part right of the cursor) and then any
        further lines, or '' when there is none."""
        first = "".join(e.text for e in self.driver.find_elements(By.CSS_SELECTOR, ".ghost-text-decoration"))
        more = self.driver.find_elements(By.CSS_SELECTOR, ".ghost-text:not(.ghost-text-decoration)")
        return first + ("\n…" if more else "") if first or more else ""

    def editor_text(self) -> str:
        """The focused editor's visible lines, top to bottom, without ghost text."""
        script = """
            const rows = [...document.querySelectorAll('.monaco-editor.focused .view-lines .view-line')];
            rows.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
            return rows.map((row) => {
                const copy = row.cloneNode(true);
                copy.querySelectorAll('[class*="ghost-text"]').forEach((e) => e.remove());
                return copy.textContent;
            }).join('\\n');
        """
        return str(self.driver.execute_script(script) or "").replace("\u00a0", " ")

    def notifications(self) -> str:
        try:
            return " | ".join(
                e.text for e in self.driver.find_elements(By.CSS_SELECTOR, ".notification-toast")
            )
        except WebDriverException:
            return ""

    def panel_text(self) -> str:
        """The text of the panel (Output, Terminal, ...) at the bottom."""
        try:
            return " ".join(
                e.text for e in self.driver.find_elements(By.CSS_SELECTOR, ".part.panel .view-lines")
            )
        except WebDriverException:
            return ""

    def quick_pick_rows(self) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, ".quick-input-widget .monaco-list-row")

    def quick_pick_labels(self) -> list[str]:
        try:
            return [row.get_attribute("aria-label") or "" for row in self.quick_pick_rows()]
        except WebDriverException:
            return []

    # -- acting --------------------------------------------------------------------------------

    def keys(self, *keys: str) -> None:
        ActionChains(self.driver).send_keys(*keys).perform()

    def chord(self, modifier: str, key: str) -> None:
        ActionChains(self.driver).key_down(modifier).send_keys(key).key_up(modifier).perform()

    def click_status_item(self) -> None:
        self.wait("the hushcode status bar item", self._status_item).click()

    def _quick_input(self) -> WebElement | None:
        found = [
            e
            for e in self.driver.find_elements(By.CSS_SELECTOR, ".quick-input-widget input")
            if e.is_displayed()
        ]
        return found[0] if found else None

    def open_file(self, path: Path) -> None:
        """Quick Open (Ctrl+P) the file by its absolute path (a file just written may not be indexed
        yet), and wait until its editor has the focus."""
        name = path.name
        self.chord(Keys.CONTROL, "p")
        box = self.wait("Quick Open", self._quick_input)
        box.send_keys(str(path))
        self.wait(f"{name} in Quick Open", lambda: any(name in label for label in self.quick_pick_labels()))
        box.send_keys(Keys.ENTER)
        self.wait(f"the editor of {name}", lambda: self._editor_focused(name))

    def saved(self) -> bool:
        """Whether the active editor has no unsaved changes."""
        tab = self.driver.find_elements(By.CSS_SELECTOR, ".tab.active")
        return bool(tab) and "dirty" not in (tab[0].get_attribute("class") or "")

    def _editor_focused(self, name: str) -> bool:
        tab = self.driver.find_elements(By.CSS_SELECTOR, ".tab.active")
        active = self.driver.switch_to.active_element
        in_editor = self.driver.execute_script("return !!arguments[0].closest('.monaco-editor')", active)
        return bool(tab and name in (tab[0].get_attribute("aria-label") or "") and in_editor)

    def run_command(self, title: str) -> None:
        """Run a command from the Command Palette by its title."""
        self.keys(Keys.F1)
        try:
            # 20 s: on a loaded 2-core machine (the whole suite, a model beside it) the palette has
            # taken more than 5 s to open after F1 (two UI tests failed so, each passing alone)
            box = wait_for("the Command Palette", self._quick_input, 20, str)
        except AssertionError:
            # F1 went to a webview (a Markdown preview has the focus): use the title bar's Command Center.
            self.driver.find_element(By.CSS_SELECTOR, ".command-center .action-item").click()
            box = self.wait("the Command Palette", self._quick_input)
            box.send_keys(">")
        box.send_keys(title)
        self.wait(
            f"{title!r} in the Command Palette",
            lambda: any(title.lower() in label.lower() for label in self.quick_pick_labels()),
        )
        box.send_keys(Keys.ENTER)

    def set_setting(self, key: str, value: str) -> None:
        """Type a string setting into the Settings editor (user level), as a user would, and close it."""
        self.run_command("Preferences: Open User Settings")
        self.wait(
            "the Settings editor", lambda: self.driver.find_elements(By.CSS_SELECTOR, ".settings-editor")
        )
        self.keys(key)  # its search box has the focus
        field = self.wait(
            f"the {key} field",
            lambda: [
                e
                for e in self.driver.find_elements(By.CSS_SELECTOR, ".settings-editor input")
                if e.get_attribute("aria-label") == key and e.is_displayed()
            ],
        )[0]
        field.click()
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(value)
        field.send_keys(Keys.TAB)
        self.wait(f"{key} in settings.json", lambda: self.server.settings().get(key) == value)
        # VS Code 1.139 shows the Settings editor as a modal, with a close button (Escape may go to a
        # webview underneath).
        close = 'a[aria-label^="Close Modal Editor"]'
        self.wait(
            "the Settings editor's close button", lambda: self.driver.find_elements(By.CSS_SELECTOR, close)
        )
        self.driver.find_element(By.CSS_SELECTOR, close).click()
        self.wait("the Settings editor to close", lambda: not self._settings_editor_open())

    def _settings_editor_open(self) -> bool:
        try:
            return any(
                e.is_displayed() for e in self.driver.find_elements(By.CSS_SELECTOR, ".settings-editor")
            )
        except WebDriverException:
            return True

    def click_button(self, text: str) -> None:
        """Click a notification's button."""
        self.wait(
            f"the {text!r} button",
            lambda: [
                b
                for b in self.driver.find_elements(By.CSS_SELECTOR, ".notification-toast .monaco-button")
                if b.text == text
            ],
        )[0].click()

    def buttons(self) -> list[WebElement]:
        """Every visible button."""
        return [b for b in self.driver.find_elements(By.CSS_SELECTOR, ".monaco-button") if b.is_displayed()]

    def tabs(self) -> list[str]:
        return [
            t.get_attribute("aria-label") or "" for t in self.driver.find_elements(By.CSS_SELECTOR, ".tab")
        ]

    def pick(self, text: str, timeout: float = 30) -> None:
        """Click the quick pick row whose label contains `text`."""

        def row() -> WebElement | None:
            try:
                return next(
                    (r for r in self.quick_pick_rows() if text in (r.get_attribute("aria-label") or "")), None
                )
            except WebDriverException:
                return None

        self.wait(f"{text!r} in the quick pick (rows: {self.quick_pick_labels()})", row, timeout).click()

    def type_path(self, path: Path) -> None:
        """Answer VS Code's own file dialog (a quick input with a path and an OK button) with `path`."""
        box = self.wait("the file dialog", self._quick_input)
        self.wait(
            "the file dialog's listing", lambda: box.get_attribute("value") and self.quick_pick_labels()
        )
        # The dialog lists the typed path's folder as it goes, and may still be loading its first
        # folder (which resets the input): type, check, accept, and again if it did not take.
        for _ in range(3):
            box.send_keys(Keys.CONTROL, "a")
            box.send_keys(str(path))
            try:
                wait_for(
                    f"{path} in the file dialog",
                    lambda: (
                        box.get_attribute("value") == str(path)
                        and any(label.startswith(path.name) for label in self.quick_pick_labels())
                    ),
                    10,
                    str,
                )
                ok = [
                    b
                    for b in self.driver.find_elements(
                        By.CSS_SELECTOR, ".quick-input-widget .quick-input-action .monaco-button"
                    )
                    if b.is_displayed()
                ]
                ok[0].click()
                wait_for("the file dialog to close", lambda: self._quick_input() is None, 5, str)
                return
            except (AssertionError, IndexError, WebDriverException):
                continue
        raise AssertionError(f"the file dialog did not take {path}\n{self.diagnose()}")

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            self.profile.cleanup()


LOAD_DELAY_MS = 12000


@contextmanager
def running_workbench(
    tools: Tools,
    vsix: Path,
    model_path: Path,
    root: Path,
    *,
    settings: dict[str, Any] | None = None,
    workspace_trust: bool = False,
) -> Iterator[Workbench]:
    """code-server with the extension and the real server and model, and a browser window on the
    folder `root/project`, once the model is ready; everything is stopped afterwards."""
    folder = root / "project"
    folder.mkdir(exist_ok=True)
    user_settings = {
        "hushcode.server.command": str(Path(sys.executable).parent / "hushcode"),
        "hushcode.model.path": str(model_path),
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "telemetry.telemetryLevel": "off",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "chat.disableAIFeatures": True,
        "files.autoSave": "off",  # tests save, so that the file on disk is what they accepted
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        **(settings or {}),
    }
    # Tests judge behaviour, not speed: a generous deadline keeps them green on a busy machine.
    env = {"HUSHCODE_COMPLETION_TIMEOUT_MS": "120000",
           # every model load takes 12 s longer: a request typed during a load finds the engine loading
           "HUSHCODE_ENGINE_LOAD_DELAY_MS": str(LOAD_DELAY_MS)}
    server = CodeServer(tools, root, vsix, user_settings, env, workspace_trust=workspace_trust)
    try:
        bench = Workbench(tools, server, folder)
        try:
            bench.wait("the extension's status bar item", bench.status_text, 120)
            bench.wait("the model to be ready", lambda: MODEL_NAME in bench.status_text(), 180)
            yield bench
        finally:
            bench.close()
    finally:
        server.stop()
