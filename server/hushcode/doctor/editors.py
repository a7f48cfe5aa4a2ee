"""The editors on PATH: VS Code (`code`, `code-server`) and whether hushcode's extension is
installed; Neovim, its version, and whether hushcode's plugin is on its runtimepath.

A missing editor is a fact (``info``), never a failure. Commands are run with a short timeout and
no input; ``which`` and ``run`` are passed in, so the decisions are tested with fakes.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Sequence

from hushcode.doctor.report import CheckResult
from hushcode.isolation import child_cwd

Which = Callable[[str], "str | None"]
Run = Callable[[Sequence[str], float], "tuple[int, str] | None"]  # (exit status, stdout), None: no answer

EXTENSION_ID = "hushcode.hushcode"  # clients/vscode/package.json: publisher.name
VSCODE_COMMANDS = (("code", "vs code"), ("code-server", "code-server"))
NEOVIM, NEOVIM_PLUGIN = "neovim", "neovim plugin"
NEOVIM_MIN, NEOVIM_INLINE = (0, 11), (0, 12)
# Where Neovim, with the user's own configuration, finds the plugin's main module (one path a line).
_RUNTIME_PROBE = ("lua io.stdout:write(table.concat(vim.api.nvim_get_runtime_file("
                  "'lua/hushcode/init.lua', true), '\\n'))")


def run_command(argv: Sequence[str], timeout_s: float) -> tuple[int, str] | None:
    """Run a command with no input; None when it cannot start or does not finish in time. A Neovim
    started from inside Neovim (`:checkhealth`) must not find its parent: $NVIM is left out. As
    every process hushcode starts (isolation.py), it runs from hushcode's own folder, not the user's,
    and without `PYTHON*` variables: an editor that starts Python (Neovim's python3 provider) must
    not import a file of the user's folder named like a standard module, nor read its `.nvim.lua`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NVIM", "NVIM_LISTEN_ADDRESS") and not k.startswith("PYTHON")}
    try:
        proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout_s, check=False,
                              stdin=subprocess.DEVNULL, env=env, cwd=child_cwd())
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.returncode, proc.stdout


def parse_extensions(listing: str) -> dict[str, str]:
    """`code --list-extensions --show-versions` (``publisher.name@version`` a line) -> id: version."""
    found: dict[str, str] = {}
    for line in listing.splitlines():
        name, _, version = line.strip().partition("@")
        if "." in name:
            found[name.lower()] = version
    return found


def check_vscode(which: Which, run: Run) -> list[CheckResult]:
    results = []
    for command, check in VSCODE_COMMANDS:
        path = which(command)
        if path is None:
            continue
        answer = run([path, "--list-extensions", "--show-versions"], 30)
        if answer is None or answer[0] != 0:
            results.append(CheckResult(check, "warn", f"{path} found, but `{command} --list-extensions` did not answer",
                                       f"run `{command} --list-extensions` yourself to see why"))
            continue
        installed = parse_extensions(answer[1])
        if EXTENSION_ID in installed:
            results.append(CheckResult(check, "ok", f"{path}: the hushcode extension {installed[EXTENSION_ID]} "
                                                    "is installed"))
        else:
            results.append(CheckResult(check, "warn", f"{path}: the hushcode extension is not installed",
                                       "./scripts/vscode-extension.sh in the hushcode checkout "
                                       "(docs/editors/vscode.md)"))
    if not results:
        results.append(CheckResult("vs code", "info", "neither `code` nor `code-server` is on PATH"))
    return results


def parse_nvim_version(text: str) -> tuple[int, int, int] | None:
    """`nvim --version`'s first line, ``NVIM v0.12.4`` (a dev build: ``NVIM v0.13.0-dev-123+g...``)."""
    match = re.search(r"NVIM v(\d+)\.(\d+)\.(\d+)", text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def check_neovim(which: Which, run: Run) -> list[CheckResult]:
    path = which("nvim")
    if path is None:
        return [CheckResult(NEOVIM, "info", "`nvim` is not on PATH")]
    answer = run([path, "--version"], 15)
    version = parse_nvim_version(answer[1]) if answer is not None else None
    if version is None:
        return [CheckResult(NEOVIM, "warn", f"{path} found, but `nvim --version` did not say which version",
                            "run `nvim --version` yourself to see why")]
    shown = ".".join(str(part) for part in version)
    if version[:2] < NEOVIM_MIN:
        return [CheckResult(NEOVIM, "warn", f"Neovim {shown} at {path}: hushcode's plugin needs 0.11 or newer "
                                            "(0.12 for ghost text)", "install Neovim 0.12 (docs/editors/neovim.md)")]
    if version[:2] < NEOVIM_INLINE:
        first = CheckResult(NEOVIM, "ok", f"Neovim {shown} at {path}: suggestions come in the completion menu "
                                          "(0.12 shows them as ghost text)")
    else:
        first = CheckResult(NEOVIM, "ok", f"Neovim {shown} at {path}: inline completion (ghost text)")
    return [first, check_neovim_plugin(path, run)]


def check_neovim_plugin(path: str, run: Run) -> CheckResult:
    """Whether Neovim, started headless with the user's own configuration, has the plugin on its
    runtimepath (what a plugin manager loads at startup)."""
    answer = run([path, "--headless", "-n", "-i", "NONE", "+" + _RUNTIME_PROBE, "+qa!"], 20)
    if answer is None:
        return CheckResult(NEOVIM_PLUGIN, "info", "not checked: Neovim did not finish starting within 20 s")
    found = [line.strip() for line in answer[1].splitlines() if line.strip().endswith("init.lua")]
    if found:
        folder = found[0].removesuffix("/lua/hushcode/init.lua")
        return CheckResult(NEOVIM_PLUGIN, "ok", f"on the runtimepath: {folder}")
    return CheckResult(NEOVIM_PLUGIN, "warn", "hushcode's plugin is not on Neovim's runtimepath at startup (a "
                                              "plugin manager that loads it later is not seen here)",
                       "add clients/neovim of the hushcode checkout (docs/editors/neovim.md, Install)")
