"""Helpers shared by the fault, nothing-lost, injection, private-log and network-audit tests."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import lsp
from tests.fixtures.tiny_gguf import write_tiny_gguf

FUNC = 'def add(a: int, b: int) -> int:\n    """Return the sum of a and b."""\n    \n'


def tiny_model(folder: Path, name: str = "tiny-fim.gguf") -> Path:
    """A real GGUF with Qwen-style FIM tokens that llama.cpp loads in milliseconds (random weights)."""
    return write_tiny_gguf(folder / name, fim=True)


def session(env: dict[str, str], root: Path | None = None, log_file: Path | None = None,
            prefix: list[str] | None = None, options: Any = None) -> lsp.Session:
    """A real `hushcode serve` over stdio (in a namespace without network, with the audit hook)."""
    s = lsp.Session(env, options=options)
    s.root = root
    command = list(lsp.SERVER)
    if prefix:
        command = [*lsp.NO_NETWORK, *prefix, *command[len(lsp.NO_NETWORK):]]
    if log_file is not None:
        command += ["--log-file", str(log_file)]
    s.config.server_command = command
    return s


def tree_state(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every entry under `root` (not following links): kind, mode, size, mtime_ns and sha256 of files,
    the target of links, and the mtime of folders (a temporary file created and removed inside a
    folder still changes the folder's mtime)."""
    state: dict[str, tuple[Any, ...]] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            st = path.lstat()
            key = path.relative_to(root).as_posix()
            if stat.S_ISLNK(st.st_mode):
                state[key] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                state[key] = ("dir", st.st_mode, st.st_mtime_ns)
            else:
                state[key] = ("file", st.st_mode, st.st_size, st.st_mtime_ns,
                              hashlib.sha256(path.read_bytes()).hexdigest())
    top = root.lstat()
    state["."] = ("dir", top.st_mode, top.st_mtime_ns)
    return state


async def index_ready(client: Any, timeout: float = 180) -> dict[str, Any]:
    """Poll hushcode/getStatus until the workspace index's first pass is done."""
    for _ in range(int(timeout * 10)):
        status = await lsp.status(client)
        if status["indexReady"]:
            return status
        await asyncio.sleep(0.1)
    raise AssertionError("the index never became ready")


@pytest.fixture(params=["tiny", "real"])
def any_model(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The tiny random GGUF (quick, gibberish), then the real default model (real suggestions)."""
    if request.param == "tiny":
        return tiny_model(tmp_path)
    return Path(request.getfixturevalue("model_path"))
