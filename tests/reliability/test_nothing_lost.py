"""Nothing lost: a whole editing session leaves the workspace byte-for-byte as it was (contents,
modes, mtimes, folder mtimes, links), and strace sees hushcode open nothing in it for writing;
the index cache and the model stamps survive a crash mid-write (atomic writes)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from lsprotocol import types

from hushcode.models.catalog import parse_catalog
from hushcode.models.store import installed_path, stamp_path, verify_file
from hushcode.workspace import cache
from hushcode.workspace.index import WorkspaceIndex
from tests.e2e import lsp
from tests.models.helpers import catalog_toml
from tests.reliability.fault_helpers import any_model, index_ready, session, tree_state  # noqa: F401

PAST_NS = 1_600_000_000_123_456_789  # every entry gets this mtime: any touch shows


def _workspace(root: Path) -> None:
    files = {
        "src/app.py": "from util import scale\n\n\ndef main(values):\n    total = 0\n    \n",
        "src/util.py": 'def scale(x, k):\n    """Multiply x by k."""\n    return x * k\n',
        "src/crlf.py": "def crlf():\r\n    return 1\r\n",
        "src/no_newline.py": "def last():\n    return 2",
        "src/bom.py": "\ufeffdef bom():\n    return 3\n",
        "web/index.js": "function add(a, b) {\n  \n}\n",
        "go/main.go": "package main\n\nfunc main() {\n\t\n}\n",
        "build/out.py": "generated = True\n",
        ".gitignore": "build/\n",
        "README.md": "# project\n",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    (root / "data.bin").write_bytes(bytes(range(256)) * 10)
    (root / "src" / "readonly.py").write_text("def frozen():\n    return 4\n")
    (root / "src" / "readonly.py").chmod(0o444)
    (root / "link").symlink_to("src")
    for folder, dirs, names in os.walk(root):
        for name in [*names, *dirs]:
            os.utime(Path(folder) / name, ns=(PAST_NS, PAST_NS), follow_symlinks=False)
    os.utime(root, ns=(PAST_NS, PAST_NS))


# Every call that could change something in a folder; strace prints the path it was given.
WRITES = "trace=openat,creat,truncate,unlink,unlinkat,rename,renameat,renameat2,mkdir,mkdirat,rmdir," \
         "chmod,fchmodat,chown,fchownat,lchown,utimensat,symlink,symlinkat,link,linkat,mknodat"


def _writes_under(trace: Path, root: Path) -> list[str]:
    found = []
    for line in trace.read_text().splitlines():
        if str(root) not in line:
            continue
        call = line.split(None, 1)[1] if " " in line else line
        if call.startswith("openat(") and not re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC", call):
            continue  # reading is fine
        found.append(line)
    return found


async def _edit(client: object, uri: str, text: str, line: int, character: int, typed: str) -> str:
    """Type `typed` key by key at (line, character), asking for a suggestion after each key, then
    accept the last suggestion (the editor applies it to its buffer) and close the document."""
    lsp.open_document(client, uri, text, "python" if uri.endswith(".py") else  # type: ignore[arg-type]
                      "javascript" if uri.endswith(".js") else "go")
    version = 1
    lines = text.split("\n")
    for key in typed:
        version += 1
        lsp.change(client, uri, version, line, character, key)  # type: ignore[arg-type]
        lines[line] = lines[line][:character] + key + lines[line][character:]
        character += 1
        result = await lsp.inline(client, uri, line, character)  # type: ignore[arg-type]
    result = await lsp.inline(client, uri, line, character, invoked=True)  # type: ignore[arg-type]
    if result is not None and result.items:
        version += 1
        lsp.change(client, uri, version, line, character, str(result.items[0].insert_text))  # type: ignore[arg-type]
    client.text_document_did_close(types.DidCloseTextDocumentParams(  # type: ignore[attr-defined]
        text_document=types.TextDocumentIdentifier(uri=uri)))
    return "\n".join(lines)


async def test_an_editing_session_leaves_the_workspace_untouched(tmp_path: Path, any_model: Path) -> None:  # noqa: F811
    root = tmp_path / "project"
    _workspace(root)
    before = tree_state(root)
    trace = tmp_path / "writes.txt"
    strace = ["strace", "-f", "-qq", "-o", str(trace), "-e", WRITES]
    env = {"HUSHCODE_MODEL": str(any_model), "HUSHCODE_INDEX_DIR": str(tmp_path / "index"),
           "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    async with session(env, root=root, prefix=strace, log_file=tmp_path / "server.log") as client:
        await lsp.wait_for_state(client, {"ready"})
        await index_ready(client)
        await _edit(client, (root / "src/app.py").as_uri(), (root / "src/app.py").read_text(), 5, 4, "total +")
        await _edit(client, (root / "web/index.js").as_uri(), (root / "web/index.js").read_text(), 1, 2, "ret")
        await _edit(client, (root / "go/main.go").as_uri(), (root / "go/main.go").read_text(), 3, 1, "fmt.")
        await _edit(client, (root / "link/util.py").as_uri(), (root / "src/util.py").read_text(), 2, 0, "    ")
        await _edit(client, (root / "src/readonly.py").as_uri(), (root / "src/readonly.py").read_text(), 1, 4, "r")
        status = await lsp.status(client)
        assert status["requests"] >= 10 and status["indexedFiles"] >= 5
    assert (tmp_path / "index").exists()  # the index was saved: outside the workspace
    after = tree_state(root)
    assert after == before
    assert _writes_under(trace, root) == []
    assert any(f'"{root}/src/util.py", O_RDONLY' in line for line in trace.read_text().splitlines())  # it watched


KILL_MID_WRITE = r"""
import sys, time
from pathlib import Path
from hushcode.workspace import cache
root, cache_dir = Path(sys.argv[1]), Path(sys.argv[2])
encode = cache._encode
count = 0
def slow(outline):
    global count
    count += 1
    if count == 20:
        print("writing", flush=True)  # half the records are in the temporary file now
        time.sleep(60)
    return encode(outline)
cache._encode = slow
from hushcode.workspace.index import WorkspaceIndex
index = WorkspaceIndex([root], None)
index.build()
index.cache_dir = cache_dir
index.save()
"""


def test_index_cache_survives_a_kill_mid_write(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    for n in range(40):
        (root / f"m{n}.py").write_text(f"def f{n}(x):\n    return x + {n}\n")
    cache_dir = tmp_path / "cache"
    first = WorkspaceIndex([root], cache_dir)
    first.build()  # a complete cache
    target = cache.cache_file(cache_dir, root.resolve())
    good = target.read_bytes()
    for n in range(40, 60):  # the workspace changed: the next save rewrites the cache
        (root / f"m{n}.py").write_text(f"def f{n}(x):\n    return x - {n}\n")
    writer = subprocess.Popen([sys.executable, "-c", KILL_MID_WRITE, str(root), str(cache_dir)],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait(30)
    leftovers = list(target.parent.glob(".index.*.tmp"))
    assert len(leftovers) == 1  # killed mid-write, for real
    assert target.read_bytes() == good  # the cache itself was never touched
    assert len(cache.load(cache_dir, root.resolve())) == 40

    old = time.time() - cache.STALE_S - 60
    os.utime(leftovers[0], (old, old))  # later, a new server starts
    second = WorkspaceIndex([root], cache_dir)
    stats = second.build()
    assert (stats.reused, stats.parsed) == (40, 20)  # the good cache served, only the new files parsed
    assert len(cache.load(cache_dir, root.resolve())) == 60
    assert list(target.parent.glob(".index.*.tmp")) == []  # the dead writer's leftover is gone


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage", "wrong-root"])
def test_damaged_index_cache_is_rebuilt(tmp_path: Path, damage: str) -> None:
    root = tmp_path / "project"
    root.mkdir()
    for n in range(10):
        (root / f"m{n}.py").write_text(f"def f{n}(x):\n    return x * {n}\n")
    cache_dir = tmp_path / "cache"
    WorkspaceIndex([root], cache_dir).build()
    target = cache.cache_file(cache_dir, root.resolve())
    data = target.read_bytes()
    target.write_bytes({"truncated": data[: len(data) // 2], "empty": b"", "garbage": os.urandom(4000),
                        "wrong-root": data.replace(str(root.resolve()).encode(), b"/elsewhere")}[damage])
    index = WorkspaceIndex([root], cache_dir)
    stats = index.build()
    assert (stats.parsed, stats.reused) == (10, 0)
    assert len(index.definitions("f3")) == 1
    assert len(cache.load(cache_dir, root.resolve())) == 10  # written whole again


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage"])
def test_damaged_model_stamp_means_hashing_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 damage: str) -> None:
    monkeypatch.setenv("HUSHCODE_MODELS_DIR", str(tmp_path))
    data = b"GGUF" + os.urandom(100_000)
    source = '[[models.files.sources]]\nkind = "huggingface"\nrepo = "o/r"\n'
    entry = parse_catalog(tomllib.loads(catalog_toml("m", len(data), hashlib.sha256(data).hexdigest(),
                                                     source))).default()
    path = installed_path(entry)
    path.write_bytes(data)
    assert verify_file(path, entry).ok
    stamp = stamp_path(path).read_bytes()
    stamp_path(path).write_bytes({"truncated": stamp[: len(stamp) // 2], "empty": b"",
                                  "garbage": os.urandom(64)}[damage])
    result = verify_file(path, entry)
    assert result.ok and not result.from_stamp  # hashed again, not trusted, not refused
    assert json.loads(stamp_path(path).read_text())["sha256"] == entry.sha256  # and the stamp is whole again
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.gguf", "m.gguf.verified"]  # no temporaries left
