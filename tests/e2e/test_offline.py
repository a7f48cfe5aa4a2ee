"""Offline by construction: the server completes code in a network namespace with no interfaces."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.e2e import lsp


def test_the_suite_runs_servers_without_network() -> None:
    assert lsp.NO_NETWORK == ["unshare", "-n"], "run the tests as root (as CI does) so servers get no network"
    probe = subprocess.run(
        [*lsp.NO_NETWORK, sys.executable, "-c",
         "import socket; s = socket.socket(); s.settimeout(3); print(s.connect_ex(('1.1.1.1', 443)))"],
        capture_output=True, text=True, timeout=30, check=False)
    assert probe.returncode == 0 and probe.stdout.strip() != "0"  # no route out of the namespace


async def test_completion_inside_a_namespace_without_network(model_path: Path) -> None:
    # without a namespace this would complete with the network up: say so rather than pass
    assert lsp.NO_NETWORK == ["unshare", "-n"], "`unshare -n` does not work here: run the tests as root, as CI does"
    async with lsp.Session({"HUSHCODE_MODEL": str(model_path)}) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/offline.py"
        lsp.open_document(client, uri, "def double(x: int) -> int:\n    \n")
        result = await lsp.inline(client, uri, 1, 4)
        assert result is not None and len(result.items) == 1
