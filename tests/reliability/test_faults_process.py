"""Process faults: the editor disappearing mid-request (stdin closed), the engine that cannot be
started, and a cache directory that is read-only or full. Each ends in a clean exit or a clear
message, never a hang, an orphaned engine or a traceback on the protocol stream."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from hushcode.engine import process as supervisor_module
from hushcode.engine.contracts import EngineConfig, EngineState
from hushcode.engine.local import LocalEngine
from tests.e2e import lsp
from tests.reliability.fault_helpers import FUNC, index_ready, session, tiny_model


class RawClient:
    """Just enough of an LSP client to talk to the server and then vanish, as a crashing editor does."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.messages: list[dict[str, Any]] = []
        self.raw = bytearray()  # every byte of the protocol stream, to check it holds only messages
        self.headers: list[bytes] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.stderr = b""
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = out.read(1)
                if not byte:
                    return
                header += byte
            self.raw += header
            self.headers.append(header)
            length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
            body = out.read(length)
            self.raw += body
            with self._cond:
                self.messages.append(json.loads(body))
                self._cond.notify_all()

    def send(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, msg_id: int, method: str, params: Any) -> dict[str, Any]:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return self.wait_for(lambda m: m.get("id") == msg_id and "method" not in m)

    def wait_for(self, match: Any, timeout: float = 60) -> dict[str, Any]:
        with self._cond:
            deadline = time.monotonic() + timeout
            while True:
                found = [m for m in self.messages if match(m)]
                if found:
                    return found[-1]
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"no matching message: {self.messages[-5:]}"
                self._cond.wait(remaining)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_editor_disappearing_mid_request_ends_server_and_engine(tmp_path: Path) -> None:
    env = {**lsp.config().server_env, "HUSHCODE_MODEL": str(tiny_model(tmp_path)),
           "HUSHCODE_ENGINE_TOKEN_DELAY_MS": "2000"}  # the generation is still running when the editor goes
    client = RawClient(lsp.SERVER, env)
    client.request(1, "initialize", {"processId": os.getpid(), "rootUri": None, "capabilities": {}})
    client.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    for _ in range(600):
        status = client.request(1000 + _, "hushcode/getStatus", {})["result"]
        if status["state"] == "ready":
            break
        time.sleep(0.1)
    uri = "file:///tmp/hushcode-e2e/vanish.py"
    client.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "python", "version": 1, "text": FUNC}}})
    client.send({"jsonrpc": "2.0", "id": 2, "method": "textDocument/inlineCompletion", "params": {
        "textDocument": {"uri": uri}, "position": {"line": 2, "character": 4}, "context": {"triggerKind": 2}}})
    for n in range(300):  # until the engine streams tokens: now the request is mid-generation
        if client.request(2000 + n, "hushcode/getStatus", {})["result"]["generating"]:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the engine never started generating")
    engine_pid = status["enginePid"]
    assert client.proc.stdin is not None
    client.proc.stdin.close()  # the editor is gone: no shutdown, no exit
    try:
        code = client.proc.wait(60)
    except subprocess.TimeoutExpired:
        client.proc.kill()
        raise AssertionError("the server hung after its editor vanished") from None
    for _ in range(100):
        if not _alive(engine_pid):
            break
        time.sleep(0.1)
    assert not _alive(engine_pid), "the engine outlived its server"
    time.sleep(0.2)
    assert code == 0, client.stderr.decode(errors="replace")[-3000:]
    assert b"Traceback" not in client.stderr, client.stderr.decode(errors="replace")[-3000:]
    # the protocol stream holds whole messages and nothing else
    assert client.headers and all(re.fullmatch(rb"Content-Length: \d+\r\n(Content-Type: [^\r\n]+\r\n)?\r\n", h) for h in client.headers)
    assert b"Traceback" not in client.raw


async def test_engine_that_cannot_be_started_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(supervisor_module.asyncio, "create_subprocess_exec", refuse)
    said: list[tuple[str, str]] = []
    engine = LocalEngine(EngineConfig(model_path="/models/m.gguf"), lambda level, text: said.append((level, text)))
    engine.start()
    for _ in range(100):
        if engine.state is EngineState.FAILED:
            break
        await asyncio.sleep(0.01)
    assert engine.state is EngineState.FAILED  # not "loading" forever
    assert said == [("error", f"hushcode could not start its engine process ({sys.executable}): Permission denied.")]
    await engine.stop()


def _mounted(option: str, target: Path) -> list[str]:
    """Run the server in a mount namespace of its own where `target` is a fresh tmpfs."""
    return ["unshare", "-m", "sh", "-c", f'mount -t tmpfs -o {option} tmpfs "$0" && exec "$@"', str(target)]


def _project(root: Path, files: int) -> None:
    root.mkdir()
    for n in range(files):
        (root / f"m{n}.py").write_text(f'def function_{n}(value):\n    """Return {n} times value."""\n'
                                       f"    return value * {n}\n")


@pytest.mark.parametrize("option", ["ro,size=1m", "size=16k"], ids=["read-only", "full"])
async def test_cache_directory_read_only_or_full(tmp_path: Path, option: str) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    root = tmp_path / "project"
    _project(root, 300)  # an index far larger than 16 KB
    log_file = tmp_path / "server.log"
    env = {"HUSHCODE_MODEL": str(tiny_model(tmp_path)), "XDG_CACHE_HOME": str(cache)}
    env.pop("HUSHCODE_INDEX_DIR", None)
    s = session(env, root=root, log_file=log_file, prefix=_mounted(option, cache))
    s.config.server_env.pop("HUSHCODE_INDEX_DIR", None)
    async with s as client:
        await lsp.wait_for_state(client, {"ready"})
        await index_ready(client)
        uri = (root / "main.py").as_uri()
        lsp.open_document(client, uri, "from m7 import function_7\n\n" + FUNC)
        assert await lsp.inline(client, uri, 4, 4) is not None
        assert (await lsp.status(client))["contextSnippets"] is not None  # the index serves from memory
        assert lsp.error_messages(client) == []
    log = log_file.read_text()
    reason = "Read-only file system" if option.startswith("ro") else "No space left on device"
    warnings = [line for line in log.splitlines() if "cannot save the index" in line]
    assert warnings and reason in warnings[0]
    assert not list(cache.iterdir())  # the tmpfs lived in the server's namespace only


DISK_FULL = r"""
import json, sys
from pathlib import Path
from hushcode.workspace import cache
from hushcode.workspace.index import WorkspaceIndex
root, cache_dir = Path(sys.argv[1]), Path(sys.argv[2])
small = WorkspaceIndex([root], cache_dir)
small.build()                             # a first cache that fits
target = cache.cache_file(cache_dir, root.resolve())
before = target.read_bytes()
for n in range(300):                      # the workspace grows: the next cache no longer fits
    (root / f"big{n}.py").write_text(f"def big_{n}(x):\n    return x * {n}\n" * 3)
bigger = WorkspaceIndex([root], cache_dir)
bigger.build()                            # save fails with ENOSPC, caught
print(json.dumps({"kept": target.read_bytes() == before,
                  "loads": len(cache.load(cache_dir, root.resolve())),
                  "leftovers": [p.name for p in target.parent.iterdir() if p != target]}))
"""


def test_disk_full_keeps_the_previous_cache_whole(tmp_path: Path) -> None:
    """Atomic writes: a cache write that runs out of space leaves the last good cache and no
    temporary file behind."""
    root = tmp_path / "project"
    _project(root, 5)
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    proc = subprocess.run([*_mounted("size=64k", cache_dir), sys.executable, "-c", DISK_FULL, str(root),
                           str(cache_dir)], check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result == {"kept": True, "loads": 5, "leftovers": []}
    assert "No space left on device" in proc.stderr  # the warning, once


async def _tiny_engine(tmp_path: Path) -> LocalEngine:
    engine = LocalEngine(EngineConfig(model_path=str(tiny_model(tmp_path)), n_ctx=512), lambda level, text: None)
    engine.start()
    assert await engine.wait_ready(60), engine.last_error
    return engine


async def test_a_minified_line_is_tokenized_and_the_engine_keeps_answering(tmp_path: Path) -> None:
    """The token ids of one 200,000-character line are a message of several hundred KB. Over
    asyncio's default line limit (64 KiB) the server's reader died, nobody read the engine's pipe
    again, and every later request waited its whole 35 s deadline (seen in the protocol fuzz)."""
    engine = await _tiny_engine(tmp_path)
    try:
        line = "var a0=1;" + "".join(f"a{n}=a{n - 1}+{n};" for n in range(1, 16000))
        assert len(line) > 200_000
        started = time.monotonic()
        tokens = await engine.tokenize([line])
        assert tokens is not None and len(tokens[0]) > 30_000
        again = await engine.tokenize(["x = 1"])
        assert again is not None and len(again[0]) >= 3
        assert time.monotonic() - started < 20  # not one 35 s deadline
        assert engine.state is EngineState.READY and engine.restarts == 0
    finally:
        await engine.stop()


async def test_a_message_too_long_to_read_restarts_the_engine_instead_of_hanging(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervisor_module, "_LINE_LIMIT", 4096)
    engine = await _tiny_engine(tmp_path)
    try:
        started = time.monotonic()
        assert await engine.tokenize(["word " * 5000]) is None  # its answer cannot be read
        assert time.monotonic() - started < 20  # failed at once, not after the 35 s deadline
        for _ in range(200):  # the killed engine is restarted
            if engine.restarts:
                break
            await asyncio.sleep(0.1)
        assert engine.restarts == 1
        assert await engine.wait_ready(60), engine.last_error
        again = await engine.tokenize(["x = 1"])
        assert again is not None and len(again[0]) >= 3
    finally:
        await engine.stop()
