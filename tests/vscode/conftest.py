"""The VS Code extension's tests: the tools (Node 24, code-server, Chromium) from
scripts/get-code-server.sh, and the extension built into a .vsix from clients/vscode/.

Nothing here is ever skipped: a tool that cannot be had, or a build that fails, fails the tests.
"""

from __future__ import annotations

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


def extension_script(tools: Tools, *args: str) -> subprocess.CompletedProcess[str]:
    """scripts/vscode-extension.sh, the command `scripts/setup.sh --vscode` runs: the tests build and
    install the extension exactly as a user does."""
    return subprocess.run(
        ["bash", str(REPO / "scripts" / "vscode-extension.sh"), *args],
        env=tools.env(),
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="session")
def vsix(vscode_tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension bundled with esbuild and packaged with vsce (after `npm ci` when the lock file
    changed), as a user would install it. A private copy: another run may rebuild dist/ meanwhile."""
    built = tmp_path_factory.mktemp("vsix") / "hushcode.vsix"
    done = extension_script(vscode_tools, "--build-only", "--out", str(built))
    if done.returncode != 0 or not built.is_file():
        pytest.fail(
            f"scripts/vscode-extension.sh --build-only failed ({done.returncode}):\n{done.stderr[-4000:]}",
            pytrace=False,
        )
    return built


@pytest.fixture(scope="session")
def extension_deps(vsix: Path) -> Path:
    """clients/vscode/node_modules from package-lock.json (the build above runs `npm ci` when it changed)."""
    return EXTENSION / "node_modules"


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
