"""A private network for the remote-engine tests: a network namespace whose only interface is
loopback, shared by the inference server(s) a test starts and the `hushcode serve` processes
that talk to them. The rest of the end-to-end suite runs in namespaces with no interface at all
(tests/e2e/lsp.py); these tests need loopback, and keep the same isolation otherwise.

Without the rights to make a namespace (not root), everything runs on the host's loopback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Self

from tests.e2e.lsp import NO_NETWORK

_PROBE = """
import socket, sys, time
deadline = time.monotonic() + float(sys.argv[2])
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.1)
"""


class Loopback:
    """`with Loopback() as net:` start servers with `net.popen`, `hushcode serve` with `net.serve`."""

    def __init__(self) -> None:
        self.holder: subprocess.Popen[bytes] | None = None
        self.prefix: list[str] = []
        self.started: list[subprocess.Popen[bytes]] = []
        self._logs: list[IO[bytes]] = []

    @property
    def isolated(self) -> bool:
        return self.holder is not None

    def __enter__(self) -> Self:
        if NO_NETWORK:
            self.holder = subprocess.Popen(["unshare", "-n", "sh", "-c", "ip link set lo up && exec sleep 3600"])
            self.prefix = ["nsenter", "-t", str(self.holder.pid), "-n"]
            for _ in range(100):  # until the holder's loopback is up
                up = subprocess.run([*self.prefix, "ip", "-brief", "link", "show", "lo"], capture_output=True,
                                    text=True, check=False)
                if "UNKNOWN" in up.stdout or "UP" in up.stdout:
                    break
                time.sleep(0.05)
        return self

    def popen(self, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
        """Start a process in the namespace, its output going to `log` (unbuffered)."""
        out = log.open("wb")
        self._logs.append(out)
        proc = subprocess.Popen([*self.prefix, *argv], stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.started.append(proc)
        return proc

    def wait_port(self, port: int, timeout: float = 60) -> None:
        """Wait until something listens on the namespace's 127.0.0.1:port."""
        done = subprocess.run([*self.prefix, sys.executable, "-c", _PROBE, str(port), str(timeout)], check=False)
        if done.returncode != 0:
            raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")

    def serve(self) -> list[str]:
        """The command of a `hushcode serve` inside the namespace."""
        return [*self.prefix, sys.executable, "-m", "hushcode", "serve", "--log-level", "DEBUG"]

    def __exit__(self, *exc: object) -> None:
        for proc in [*self.started, *([self.holder] if self.holder else [])]:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        for out in self._logs:
            out.close()
