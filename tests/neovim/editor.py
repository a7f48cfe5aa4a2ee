"""Drive a real, headless Neovim (over its msgpack-RPC API, with pynvim) that runs the plugin in
clients/neovim/ against the real `hushcode serve`."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pynvim

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "clients" / "neovim"
MODEL_NAME = "Qwen2.5 Coder 0.5B Instruct AWQ"
INLINE_NAMESPACE = "nvim.lsp.inline_completion"

T = TypeVar("T")
log = logging.getLogger(__name__)


class Editor:
    """One Neovim process (`--embed --headless --clean -n`) with hushcode set up."""

    def __init__(self, nvim_bin: str, home: Path, env: dict[str, str]) -> None:
        self.home = home
        self.log_file = home / "hushcode.log"
        variables = {"XDG_STATE_HOME": str(home / "state"), "XDG_DATA_HOME": str(home / "data"),
                     "XDG_CACHE_HOME": str(home / "cache"), **env}
        # Only the test's own HUSHCODE_* settings reach the server, not the developer's shell's.
        inherited = [arg for key in os.environ if key.startswith("HUSHCODE_") for arg in ("-u", key)]
        argv = ["env", *inherited, *(f"{k}={v}" for k, v in variables.items()), nvim_bin,
                "--embed", "--headless", "--clean", "-n",
                # Without this, the python3 provider costs 1.7 s on every .py file.
                "--cmd", "let g:loaded_python3_provider = 0",
                "--cmd", f"set runtimepath^={PLUGIN}"]
        self.nvim = pynvim.attach("child", argv=argv)
        self.pid: int = self.nvim.call("getpid")

    def setup(self, **options: Any) -> None:
        """`require('hushcode').setup(options)`, with the server run by this test's Python."""
        options.setdefault("cmd", [sys.executable, "-m", "hushcode", "serve", "--log-level", "DEBUG",
                                   "--log-file", str(self.log_file)])
        self.lua("require('hushcode').setup(...)", options)

    def lua(self, code: str, *args: Any) -> Any:
        return self.nvim.exec_lua(code, *args)

    def open(self, name: str, text: str) -> Path:
        path = self.home / name
        path.write_text(text, encoding="utf-8")
        self.nvim.command(f"edit {path}")
        return path

    def wait(self, what: str, probe: Callable[[], T | None], timeout: float = 60) -> T:
        """Poll `probe` until it returns something truthy; fail with `what` after `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            value = probe()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; {self.diagnose()}")
            time.sleep(0.03)

    def wait_ready(self) -> dict[str, Any]:
        return self.wait("the server's model to be ready", lambda: self.lua(
            "local s = require('hushcode').status(); return s and s.state == 'ready' and s or nil"))

    def lines(self) -> list[str]:
        return self.nvim.api.buf_get_lines(0, 0, -1, False)

    def cursor(self) -> tuple[int, int]:
        row, col = self.nvim.api.win_get_cursor(0)
        return row, col

    def mode(self) -> str:
        return self.nvim.api.get_mode()["mode"]

    def ghost_marks(self) -> list[Any]:
        ns = self.nvim.api.get_namespaces().get(INLINE_NAMESPACE)
        if ns is None:
            return []
        return self.nvim.api.buf_get_extmarks(0, ns, 0, -1, {"details": True})

    def ghost(self) -> str | None:
        """The suggestion on screen, as text (first line from virt_text, the rest from virt_lines)."""
        marks = self.ghost_marks()
        if not marks:
            return None
        details = marks[0][3]
        first = "".join(chunk[0] for chunk in details.get("virt_text", []) if chunk[1] == "ComplHint")
        rest = ["".join(chunk[0] for chunk in line if chunk[1] == "ComplHint")
                for line in details.get("virt_lines", [])]
        return "\n".join([first, *rest])

    def ghost_hint(self) -> str:
        """The "(1/1)" kind of hint Neovim adds when cycling through alternatives."""
        marks = self.ghost_marks()
        if not marks:
            return ""
        details = marks[0][3]
        chunks = details.get("virt_text", []) if not details.get("virt_lines") else details["virt_lines"][-1]
        return "".join(chunk[0] for chunk in chunks if chunk[1] == "ComplHintMore")

    def wait_ghost(self) -> str:
        return self.wait("ghost text (extmarks in the inline completion namespace)", self.ghost)

    def statusline(self) -> str:
        return self.nvim.api.eval_statusline("%{v:lua.require'hushcode'.statusline()}", {})["str"]

    def messages(self) -> str:
        return self.nvim.api.exec2("messages", {"output": True})["output"]

    def diagnose(self) -> str:
        """What a failed wait reports: mode, buffer, status and the end of the server log."""
        try:
            status = self.lua("return require('hushcode').status()")
            state = f"mode={self.mode()!r} lines={self.lines()!r} status={status!r}"
        except (EOFError, OSError, pynvim.NvimError) as exc:  # the editor itself may be gone
            state = f"editor not answering: {exc!r}"
        tail = self.log_file.read_text(errors="replace").splitlines()[-15:] if self.log_file.exists() else []
        return state + "\nserver log (end):\n" + "\n".join(tail)

    def close(self) -> None:
        """Stop the servers the LSP way (shutdown, exit), then quit Neovim."""
        try:
            self.lua("for _, c in ipairs(vim.lsp.get_clients()) do c:stop() end "
                     "vim.wait(5000, function() return #vim.lsp.get_clients() == 0 end, 20)")
            self.nvim.command("qa!")
        except (EOFError, OSError, pynvim.NvimError):
            log.debug("`qa!` ends the connection, as does an editor that died", exc_info=True)
        finally:
            self.nvim.close()
            _wait_gone(self.pid, 5)


def _wait_gone(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
