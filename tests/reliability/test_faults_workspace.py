"""Workspace faults through the real server (index and watcher running): a huge tree, symlink
loops, binary files named .py, files deleted between the watcher's event and the parse, and files
and folders the server may not read (the server runs as `nobody`: root ignores permissions)."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import site
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hushcode.workspace.index import WorkspaceIndex
from hushcode.workspace.watcher import FILE, WorkspaceWatcher
from tests.e2e import lsp
from tests.reliability.fault_helpers import FUNC, index_ready, session, tiny_model


async def _completes(client: object, uri: str) -> None:
    lsp.open_document(client, uri, FUNC)  # type: ignore[arg-type]
    result = await asyncio.wait_for(lsp.inline(client, uri, 2, 4), 60)  # type: ignore[arg-type]
    assert result is not None
    assert (await lsp.status(client))["lastResult"] not in ("no_engine", "engine_unavailable")  # type: ignore[arg-type]


def _env(tmp_path: Path) -> dict[str, str]:
    return {"HUSHCODE_MODEL": str(tiny_model(tmp_path)), "HUSHCODE_INDEX_DIR": str(tmp_path / "index")}


async def test_a_hundred_thousand_files_are_indexed_up_to_the_limit(tmp_path: Path) -> None:
    root = tmp_path / "huge"
    for d in range(400):
        folder = root / f"pkg{d:03d}"
        folder.mkdir(parents=True)
        for f in range(250):
            (folder / f"mod{f:03d}.py").write_text(f"def f{d}_{f}(x):\n    return x + {f}\n")
    async with session(_env(tmp_path), root=root) as client:
        await lsp.wait_for_state(client, {"ready"})
        # the first pass runs in its own thread: requests are answered meanwhile
        await _completes(client, (root / "main.py").as_uri())
        during = await lsp.status(client)
        status = await index_ready(client)
        assert status["indexedFiles"] == 20_000  # bounded: the rest is not walked, parsed or held
        warnings = [m.message for m in client.messages if "more than 20000 source files" in m.message]
        assert len(warnings) == 1 and "HUSHCODE_INDEX_MAX_FILES" in warnings[0]
        await _completes(client, (root / "after.py").as_uri())
    assert during["indexReady"] is False  # the answer above did not wait for the index


async def test_symlink_loops_and_links_out_of_the_workspace(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "a" / "b").mkdir(parents=True)
    (root / "real.py").write_text("def real():\n    return 1\n")
    (root / "a" / "b" / "deep.py").write_text("def deep():\n    return 2\n")
    (root / "loop").symlink_to(".")
    (root / "a" / "b" / "up").symlink_to("../..")
    (root / "self.py").symlink_to("self.py")  # a link to itself (ELOOP)
    (root / "dangling.py").symlink_to("nowhere.py")
    (root / "outside").symlink_to("/usr/lib")  # never indexed: outside the workspace
    async with session(_env(tmp_path), root=root) as client:
        await lsp.wait_for_state(client, {"ready"})
        status = await index_ready(client)
        assert status["indexedFiles"] == 2  # real.py and a/b/deep.py, once each
        await _completes(client, (root / "loop" / "loop" / "via-link.py").as_uri())
        (root / "a" / "b" / "up" / "new.py").write_text("def new():\n    pass\n")  # through a link
        (root / "loop2").symlink_to("a")
        await asyncio.sleep(1.0)  # let the watcher handle both
        await _completes(client, (root / "main.py").as_uri())
        assert lsp.error_messages(client) == []


def _binary_files(root: Path) -> None:
    rng = random.Random(3)
    root.mkdir(parents=True, exist_ok=True)
    (root / "blob.py").write_bytes(bytes(rng.randrange(256) for _ in range(300_000)))
    (root / "latin1.py").write_bytes("café = 'naïve'\n".encode("latin-1") * 1000)  # not UTF-8, no NUL
    (root / "image.py").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(5000)))
    (root / "one_line.py").write_text("x = [" + "1, " * 150_000 + "]\n")  # 450 KB on one line
    (root / "empty.py").write_bytes(b"")
    (root / "ok.py").write_text("def ok():\n    return 1\n")


async def test_binary_files_named_py_are_skipped(tmp_path: Path) -> None:
    root = tmp_path / "project"
    _binary_files(root)
    async with session(_env(tmp_path), root=root) as client:
        await lsp.wait_for_state(client, {"ready"})
        await index_ready(client)
        await _completes(client, (root / "main.py").as_uri())
        # the editor may also open such a file: its buffer arrives as text, NULs and all
        uri = (root / "blob.py").as_uri()
        lsp.open_document(client, uri, (root / "blob.py").read_bytes().decode("latin-1")[:20000] + "\n")
        result = await lsp.inline(client, uri, 0, 3)
        assert result is not None
        assert lsp.error_messages(client) == []


async def test_files_deleted_between_event_and_parse(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "keep.py").write_text("def keep():\n    return 1\n")
    async with session(_env(tmp_path), root=root) as client:
        await lsp.wait_for_state(client, {"ready"})
        await index_ready(client)
        for n in range(300):  # each file is gone before the watcher's debounced batch parses it
            path = root / f"short_lived_{n}.py"
            path.write_text(f"def f{n}():\n    return {n}\n")
            path.unlink()
        folder = root / "pkg"
        folder.mkdir()
        (folder / "m.py").write_text("def m():\n    pass\n")
        shutil.rmtree(folder)
        await asyncio.sleep(1.0)
        await _completes(client, (root / "main.py").as_uri())
        assert lsp.error_messages(client) == []


def test_watcher_batch_whose_files_are_gone(tmp_path: Path) -> None:
    """The same race in the watcher's own code, made certain: queued events, then the files vanish."""
    (tmp_path / "a.py").write_text("def a():\n    pass\n")
    index = WorkspaceIndex([tmp_path], None)
    index.build()
    watcher = WorkspaceWatcher(index)
    gone = tmp_path / "gone.py"
    gone.write_text("def gone():\n    pass\n")
    watcher.queue(gone, FILE)
    watcher.queue(tmp_path / "a.py", FILE)
    gone.unlink()
    (tmp_path / "a.py").unlink()
    assert sorted(watcher.flush()) == [tmp_path / "a.py", gone]
    assert index.files() == []


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder that the unprivileged user may enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="hushcode-perm-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder)


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _python_for_nobody() -> tuple[str, str]:
    """An interpreter the unprivileged user may run (the venv's may live under /root), and a
    PYTHONPATH that gives it this checkout's hushcode and the venv's packages."""
    import hushcode

    path = os.pathsep.join([str(Path(hushcode.__file__).parents[1]), *site.getsitepackages()])
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [sys.executable, os.path.realpath(sys.executable), f"/usr/bin/{version}", shutil.which(version)]
    for candidate in filter(None, candidates):
        # the server must also be able to start its engine with the same interpreter
        code = "import hushcode.lsp.server, llama_cpp, subprocess, sys; subprocess.run([sys.executable, '-V'], check=True)"
        probe = subprocess.run([*NOBODY, candidate, "-c", code], check=False,
                               env={**os.environ, "PYTHONPATH": path}, capture_output=True, timeout=60)
        if probe.returncode == 0:
            return candidate, path
    pytest.fail(f"no Python {version} that the user nobody may run: {candidates}", pytrace=False)


async def test_unreadable_files_and_folders(shared_dir: Path) -> None:
    """Run as `nobody` with setpriv: as root, chmod 000 would change nothing."""
    root = shared_dir / "project"
    (root / "locked").mkdir(parents=True)
    (root / "ok.py").write_text("def ok():\n    return 1\n")
    (root / "secret.py").write_text("def secret():\n    return 2\n")
    (root / "locked" / "inner.py").write_text("def inner():\n    return 3\n")
    (root / "secret.py").chmod(0o000)
    (root / "locked").chmod(0o000)
    model = tiny_model(shared_dir)
    cache = shared_dir / "cache"
    cache.mkdir()
    os.chown(cache, 65534, 65534)
    python, pythonpath = _python_for_nobody()
    env = {"HUSHCODE_MODEL": str(model), "XDG_CACHE_HOME": str(cache), "HOME": str(cache), "PYTHONPATH": pythonpath}
    s = session(env, root=root)
    # started in the workspace, as editors do: the PYTHONPATH naming this checkout lies outside it
    s.config.server_command = [*lsp.NO_NETWORK, *NOBODY, "env", "-C", str(root), python,
                               *s.config.server_command[len(lsp.NO_NETWORK) + 1:]]
    async with s as client:
        status = await lsp.wait_for_state(client, {"ready"})
        assert status["pid"] and Path(f"/proc/{status['pid']}").stat().st_uid == 65534  # really not root
        status = await index_ready(client)
        assert status["indexedFiles"] == 2  # ok.py, and secret.py which is listed but cannot be read
        await _completes(client, (root / "main.py").as_uri())
        await _completes(client, (root / "secret.py").as_uri())  # the editor's buffer is fine to use
        assert lsp.error_messages(client) == []
    assert list(cache.rglob("index.json"))  # the cache was written where it may be


@pytest.mark.parametrize("name", ["my file.py", "résumé.py", "100%.py", "a#b?.py"])
async def test_file_names_that_need_percent_encoding(tmp_path: Path, name: str) -> None:
    """Editors send such names percent-encoded (VS Code: `my%20file.py`); pygls keys open documents
    by the decoded URI. The document must still be found (it was not: no suggestion at all)."""
    root = tmp_path / "project dir"
    root.mkdir()
    path = root / name
    path.write_text(FUNC)
    async with session(_env(tmp_path), root=root) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = path.as_uri()
        assert "%" in uri
        lsp.open_document(client, uri, FUNC)
        assert await lsp.inline(client, uri, 2, 4) is not None
        status = await lsp.status(client)
        assert status["requests"] == 1 and status["lastResult"] not in (None, "no_engine")
