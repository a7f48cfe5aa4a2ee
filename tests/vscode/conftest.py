"""The VS Code extension's tests: the tools (Node 24, code-server, Chromium) from
scripts/get-code-server.sh, and the extension built into a .vsix from clients/vscode/.

Nothing here is ever skipped: a tool that cannot be had, or a build that fails, fails the tests.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.vscode.workbench import EXTENSION, REPO, Tools

# A fresh machine downloads Node 24 and code-server and compiles code-server's native modules.
SETUP_TIMEOUT_S = 1800


@pytest.fixture(scope="session")
def vscode_tools() -> Tools:
    """Node 24, code-server 4.139.1, Chromium and chromedriver (cached in ~/.cache/hushcode)."""
    started = time.monotonic()
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "get-code-server.sh")],
        check=False,
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT_S,
    )
    if done.returncode != 0:
        pytest.fail(
            f"scripts/get-code-server.sh failed ({done.returncode}); code-server and Chromium are "
            f"needed:\n{done.stderr[-4000:]}",
            pytrace=False,
        )
    paths = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    try:
        tools = Tools(
            **{name: paths[name] for name in ("node", "npm", "code_server", "chromium", "chromedriver")}
        )
    except KeyError as missing:
        pytest.fail(f"scripts/get-code-server.sh printed no {missing} path:\n{done.stdout}", pytrace=False)
    print(f"vscode tools ready in {time.monotonic() - started:.1f} s")
    return tools


def _npm(tools: Tools, *args: str, timeout: float = 600) -> str:
    done = subprocess.run(
        [tools.npm, *args],
        cwd=EXTENSION,
        env=tools.env(),
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        pytest.fail(
            f"npm {' '.join(args)} failed ({done.returncode}) in clients/vscode:\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}",
            pytrace=False,
        )
    return done.stdout


@pytest.fixture(scope="session")
def extension_deps(vscode_tools: Tools) -> Path:
    """clients/vscode/node_modules from package-lock.json (`npm ci`, only when the lock changed)."""
    lock = hashlib.sha256((EXTENSION / "package-lock.json").read_bytes()).hexdigest()
    stamp = EXTENSION / "node_modules" / ".hushcode-lock-sha256"
    if not stamp.exists() or stamp.read_text().strip() != lock:
        _npm(vscode_tools, "ci", "--no-audit", "--no-fund")
        stamp.write_text(lock)
    return EXTENSION / "node_modules"


@pytest.fixture(scope="session")
def vsix(vscode_tools: Tools, extension_deps: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension bundled with esbuild and packaged with vsce, as a user would install it."""
    _npm(vscode_tools, "run", "package")
    built = EXTENSION / "dist" / "hushcode.vsix"
    if not built.is_file():
        pytest.fail("npm run package made no dist/hushcode.vsix", pytrace=False)
    # A private copy: another run may rebuild dist/ while this one installs.
    return Path(shutil.copy(built, tmp_path_factory.mktemp("vsix") / "hushcode.vsix"))


def npm_run(tools: Tools, script: str) -> subprocess.CompletedProcess[str]:
    """`npm run <script>` in clients/vscode, for tests that judge its output themselves."""
    return subprocess.run(
        [tools.npm, "run", script],
        cwd=EXTENSION,
        env=tools.env(),
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
