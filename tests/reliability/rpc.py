"""A raw JSON-RPC client for `hushcode serve` over stdio: it frames bytes itself, so a test can
also send what a well-behaved client never would (bad headers, invalid JSON, ...).

Responses are collected by id (a list: a reused id may be answered twice); requests from the
server (workspace/configuration, progress creation) are answered with null so it never waits.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tests.e2e.lsp import NO_NETWORK


class ServerGone(AssertionError):
    pass


class RawServer:
    """One `hushcode serve` process and the client side of its stdio stream."""

    def __init__(self, log_dir: Path, env: dict[str, str] | None = None) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_file = log_dir / "server.log"
        self._stderr = (log_dir / "server.stderr").open("wb")
        self.proc = subprocess.Popen(
            [*NO_NETWORK, sys.executable, "-m", "hushcode", "serve", "--log-file", str(self.log_file),
             "--log-level", "INFO"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            env={**os.environ, **(env or {})})
        self.responses: dict[Any, list[dict[str, Any]]] = {}
        self.notifications: list[dict[str, Any]] = []
        self.unparsable: list[bytes] = []
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._eof = False
        threading.Thread(target=self._read, daemon=True).start()

    # -- writing --------------------------------------------------------------------
    def send_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        with self._write_lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode("utf-8")
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any = None, msg_id: Any = None) -> Any:
        msg_id = f"t{next(self._ids)}" if msg_id is None else msg_id
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return msg_id

    # -- reading --------------------------------------------------------------------
    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    if not line.strip():
                        break
                    name, _, value = line.decode("ascii", "replace").partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                if length is None:
                    continue
                body = stream.read(length)
                try:
                    message = json.loads(body)
                except ValueError:
                    self.unparsable.append(body)
                    continue
                self._dispatch(message)
        finally:
            with self._cond:
                self._eof = True
                self._cond.notify_all()

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "method" in message and "id" in message:  # a request from the server
            result: Any = [None] * len(message.get("params", {}).get("items", [])) \
                if message["method"] == "workspace/configuration" else None
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})
            return
        with self._cond:
            if "method" in message:
                self.notifications.append(message)
            else:
                self.responses.setdefault(message.get("id"), []).append(message)
            self._cond.notify_all()

    def wait(self, msg_id: Any, timeout: float = 60, count: int = 1) -> list[dict[str, Any]]:
        """The responses to `msg_id` once `count` have arrived."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.responses.get(msg_id, [])) < count:
                left = deadline - time.monotonic()
                if self._eof:
                    raise ServerGone(f"the server closed its output before answering {msg_id!r} "
                                     f"(exit status {self.proc.poll()})")
                if left <= 0:
                    raise AssertionError(f"no answer to {msg_id!r} within {timeout} s")
                self._cond.wait(left)
            return list(self.responses[msg_id])

    def call(self, method: str, params: Any = None, timeout: float = 60) -> Any:
        """Send a request and return its result (an error response fails the test)."""
        msg_id = self.request(method, params)
        response = self.wait(msg_id, timeout)[0]
        assert "error" not in response, response
        return response.get("result")

    def messages(self, kind: int | None = None) -> list[str]:
        """window/showMessage texts so far (of one MessageType when `kind` is given)."""
        with self._cond:
            return [n["params"]["message"] for n in self.notifications
                    if n["method"] == "window/showMessage" and (kind is None or n["params"]["type"] == kind)]

    def alive(self) -> bool:
        return self.proc.poll() is None and not self._eof

    # -- lifecycle ------------------------------------------------------------------
    def initialize(self, encodings: list[str] | None = None, options: Any = None,
                   root: Path | None = None) -> dict[str, Any]:
        general = {"positionEncodings": encodings} if encodings is not None else {}
        result = self.call("initialize", {
            "processId": os.getpid(),
            "rootUri": root.as_uri() if root else None,
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}] if root else None,
            "capabilities": {"general": general, "window": {"workDoneProgress": True},
                             "textDocument": {"synchronization": {"dynamicRegistration": False},
                                              "inlineCompletion": {"dynamicRegistration": False},
                                              "completion": {"completionItem": {"snippetSupport": False}}}},
            "initializationOptions": options,
        })
        self.notify("initialized", {})
        return dict(result)

    def wait_for_state(self, states: set[str], timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            status = self.call("hushcode/getStatus", {})
            if status["state"] in states:
                return dict(status)
            if time.monotonic() > deadline:
                raise AssertionError(f"state stayed {status['state']!r}, wanted {states}: {status}")
            time.sleep(0.1)

    def close(self) -> int | None:
        """Shut down politely (shutdown + exit), then make sure the process is gone."""
        try:
            if self.alive():
                self.wait(self.request("shutdown"), 30)
                self.notify("exit")
                self.proc.wait(30)
        except (AssertionError, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)
            self._stderr.close()
        return self.proc.returncode
