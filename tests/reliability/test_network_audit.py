"""Offline by construction, checked at run time: the audit hook in the server and the engine, the
suite's servers running with it, and a whole session traced with strace opening no internet socket."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hushcode import netguard
from tests.e2e import lsp
from tests.reliability.fault_helpers import FUNC, session, tiny_model

PROBE = r"""
import json, socket, sys
from hushcode import netguard
netguard.install("the probe")
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen()  # loopback bind: allowed
port = listener.getsockname()[1]
results = {}
def attempt(name, action):
    try:
        action()
        results[name] = "allowed"
    except netguard.NetworkBlocked:
        results[name] = "blocked"
    except OSError as exc:
        results[name] = "oserror"
attempt("connect internet", lambda: socket.create_connection(("192.0.2.1", 9), timeout=1))
attempt("dns lookup", lambda: socket.getaddrinfo("example.org", 443))
attempt("bind all interfaces", lambda: socket.socket().bind(("0.0.0.0", 0)))
attempt("connect loopback not configured", lambda: socket.create_connection(("127.0.0.1", port), timeout=1))
attempt("unix socket", lambda: socket.socket(socket.AF_UNIX).connect("/run/nscd/socket"))
attempt("udp sendto", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("192.0.2.1", 53)))
attempt("lookup localhost", lambda: socket.getaddrinfo("localhost", port))
netguard.allow_url(f"http://127.0.0.1:{port}")  # what a configured remote engine does
attempt("connect configured", lambda: socket.create_connection(("127.0.0.1", port), timeout=1))
other = socket.socket(); other.bind(("127.0.0.1", 0)); other.listen()
other_port = other.getsockname()[1]
attempt("connect other port", lambda: socket.create_connection(("127.0.0.1", other_port), timeout=1))
netguard.allow_url(f"http://localhost:{other_port}/v1")  # configured by name
attempt("connect configured by name", lambda: socket.create_connection(("localhost", other_port), timeout=1))
print(json.dumps(results))
"""


def test_the_hook_refuses_everything_but_loopback_and_configured_endpoints(tmp_path: Path) -> None:
    report = tmp_path / "report.log"
    env = {**os.environ, "HUSHCODE_AUDIT_NETWORK_REPORT": str(report)}
    proc = subprocess.run([sys.executable, "-c", PROBE], check=False, capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert results == {
        "connect internet": "blocked", "dns lookup": "blocked", "bind all interfaces": "blocked",
        "connect loopback not configured": "blocked", "unix socket": "blocked", "udp sendto": "blocked",
        "lookup localhost": "allowed", "connect configured": "allowed", "connect other port": "blocked",
        "connect configured by name": "allowed",
    }
    lines = report.read_text().splitlines()
    assert len(lines) == 7 and all("network access blocked in the probe" in line for line in lines)
    assert "192.0.2.1" in lines[0] and "example.org" in lines[1]
    assert proc.stderr.count("network access blocked") == 7  # loud even when the caller swallows it


def test_the_suite_starts_every_server_with_the_audit() -> None:
    assert lsp.NO_NETWORK == ["unshare", "-n"], "run the tests as root (as CI does) so servers get no network"
    assert lsp.config().server_env["HUSHCODE_AUDIT_NETWORK"] == "1"
    assert os.environ["HUSHCODE_AUDIT_NETWORK"] == "1"  # inherited by editors' and benches' servers too
    assert os.environ["HUSHCODE_AUDIT_NETWORK_REPORT"]


async def test_server_and_engine_run_with_the_hook(tmp_path: Path) -> None:
    model = tiny_model(tmp_path)
    root = tmp_path / "project"
    root.mkdir()
    (root / "util.py").write_text("def helper(x):\n    return x * 2\n")
    async with session({"HUSHCODE_MODEL": str(model), "HUSHCODE_INDEX_DIR": str(tmp_path / "index")},
                       root=root) as client:
        status = await lsp.wait_for_state(client, {"ready"})
        assert status["networkAudit"] == {"server": True, "engine": True}
        uri = (root / "main.py").as_uri()
        lsp.open_document(client, uri, "from util import helper\n\n" + FUNC)
        result = await lsp.inline(client, uri, 4, 4)
        assert result is not None  # answered; the tiny model's words mean nothing
        assert (await lsp.status(client))["indexReady"]


async def test_an_engine_that_reaches_for_the_network_is_stopped_and_reported(tmp_path: Path) -> None:
    report = tmp_path / "report.log"
    env = {"HUSHCODE_MODEL": str(tiny_model(tmp_path)), "HUSHCODE_ENGINE_FAULT": "connect-on-load",
           "HUSHCODE_AUDIT_NETWORK_REPORT": str(report)}
    async with session(env) as client:
        status = await lsp.wait_for_state(client, {"error"}, timeout=60)
        assert "network access blocked" in status["message"] and "192.0.2.1" in status["message"]
        assert any("network access blocked" in m for m in lsp.error_messages(client))
    assert "network access blocked in the engine" in report.read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _frame(payload: dict[str, object]) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"processId": None, "rootUri": None, "capabilities": {}}}


def _connect(port: int) -> socket.socket:
    for _ in range(200):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server never listened on 127.0.0.1")


def _messages(data: bytes) -> list[dict[str, object]]:
    """The complete messages at the start of `data`."""
    found = []
    while b"\r\n\r\n" in data:
        head, _, rest = data.partition(b"\r\n\r\n")
        length = re.search(rb"Content-Length: (\d+)", head)
        if length is None or len(rest) < int(length.group(1)):
            break
        found.append(json.loads(rest[:int(length.group(1))]))
        data = rest[int(length.group(1)):]
    return found


def _read_until(conn: socket.socket, msg_id: object) -> bytes:
    """What the server sent, up to its whole answer to `msg_id`."""
    received = b""
    while not any(m.get("id") == msg_id and "method" not in m for m in _messages(received)):
        chunk = conn.recv(65536)
        assert chunk, "the server closed the connection"
        received += chunk
    return received


def test_tcp_mode_listens_on_loopback_under_the_audit(tmp_path: Path) -> None:
    report = tmp_path / "report.log"
    port = _free_port()
    env = {**os.environ, "HUSHCODE_AUDIT_NETWORK_REPORT": str(report), "HUSHCODE_MODEL": str(tmp_path / "none.gguf")}
    server = subprocess.Popen([sys.executable, "-m", "hushcode", "serve", "--tcp", str(port)],
                              env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        with _connect(port) as conn:
            conn.sendall(_frame(INITIALIZE))
            received = _read_until(conn, 1)
            assert b"inlineCompletionProvider" in received
            listening = Path("/proc/net/tcp").read_text()
            # 0100007F is 127.0.0.1 in /proc's byte order: the port is bound there and nowhere else
            assert re.search(rf"0100007F:{port:04X} 00000000:0000 0A", listening)
    finally:
        server.terminate()
        server.wait(30)
        assert server.stderr is not None
        stderr = server.stderr.read().decode()
    assert not report.exists(), report.read_text()
    assert "network access blocked" not in stderr


def test_tcp_mode_reads_frames_like_stdio(tmp_path: Path) -> None:
    """Over TCP as over stdio (tests/reliability/test_malformed_rpc.py): a huge Content-Length and
    a line longer than any buffer cost only themselves; the next request is answered."""
    port = _free_port()
    env = {**os.environ, "HUSHCODE_MODEL": str(tmp_path / "none.gguf")}
    server = subprocess.Popen([sys.executable, "-m", "hushcode", "serve", "--tcp", str(port)],
                              env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        with _connect(port) as conn:
            conn.sendall(_frame(INITIALIZE))
            _read_until(conn, 1)
            conn.sendall(_frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
            conn.sendall(b"Content-Length: 99999999999999\r\n\r\n{}")
            conn.sendall(b"x" * 300_000 + b"\r\n")
            conn.sendall(_frame({"jsonrpc": "2.0", "id": "after", "method": "hushcode/getStatus", "params": {}}))
            answer = next(m for m in _messages(_read_until(conn, "after")) if m.get("id") == "after")
            assert isinstance(answer.get("result"), dict) and "pid" in answer["result"], answer
            assert server.poll() is None
    finally:
        server.terminate()
        server.wait(30)


async def test_a_whole_session_opens_no_internet_socket(tmp_path: Path) -> None:
    """strace sees native code too (llama.cpp, tree-sitter, watchdog), which the hook cannot."""
    trace = tmp_path / "strace.txt"
    root = tmp_path / "project"
    root.mkdir()
    (root / "util.py").write_text("def helper(x):\n    return x * 2\n")
    env = {"HUSHCODE_MODEL": str(tiny_model(tmp_path)), "HUSHCODE_INDEX_DIR": str(tmp_path / "index")}
    strace = ["strace", "-f", "-qq", "-o", str(trace), "-e", "trace=execve,socket,socketpair,connect,bind,sendto,sendmsg"]
    async with session(env, root=root, prefix=strace) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = (root / "main.py").as_uri()
        lsp.open_document(client, uri, "from util import helper\n\n" + FUNC)
        assert await lsp.inline(client, uri, 4, 4) is not None
    calls = [line for line in trace.read_text().splitlines() if "(" in line and "---" not in line]
    # the trace followed the server and its engine, and saw their (local) sockets
    assert any("execve(" in line and "hushcode.worker.main" in line for line in calls)
    assert any(line.split()[1].startswith("socketpair(AF_UNIX") for line in calls if len(line.split()) > 1)
    internet = [line for line in calls if re.search(r"AF_INET6?\b|AF_PACKET|AF_NETLINK", line)]
    assert internet == [], internet


def test_only_a_configured_remote_engine_is_allowed() -> None:
    from hushcode import netguard
    from hushcode.config.settings import EngineSettings, Settings

    sock = socket.socket()
    try:
        netguard.allow_settings(Settings(engine=EngineSettings(kind="local", url="http://198.51.100.7:8080")))
        assert netguard._check("socket.connect", (sock, ("198.51.100.7", 8080))) is not None  # local: ignored
        netguard.allow_settings(Settings(engine=EngineSettings(kind="llama-server", url="http://198.51.100.8:8080")))
        assert netguard._check("socket.connect", (sock, ("198.51.100.8", 8080))) is None
        assert netguard._check("socket.connect", (sock, ("198.51.100.8", 22))) is not None  # that port only
        assert netguard._check("socket.getaddrinfo", ("198.51.100.8", 8080, 0, 0, 0)) is None
        assert netguard._check("socket.getaddrinfo", ("telemetry.example.invalid", 443, 0, 0, 0)) is not None
    finally:
        sock.close()
        netguard._allowed.clear()


@pytest.mark.parametrize("value,on", [(None, True), ("1", True), ("yes", True), ("0", False), ("false", False),
                                      ("OFF", False), ("no", False)])
def test_the_guard_is_on_unless_turned_off(value: str | None, on: bool) -> None:
    environ = {} if value is None else {netguard.ENV: value}
    assert netguard.requested(environ) is on
