"""Fault injection for the reliability tests (documented in docs/architecture.md).

Each fault is chosen by ``HUSHCODE_ENGINE_FAULT`` in the engine's environment; none is ever set
outside the tests.
"""

from __future__ import annotations

import os
import signal
import socket
import time

FAULT = os.environ.get("HUSHCODE_ENGINE_FAULT", "")
TOKEN_DELAY_S = float(os.environ.get("HUSHCODE_ENGINE_TOKEN_DELAY_MS", "0") or 0) / 1000
LOAD_DELAY_S = float(os.environ.get("HUSHCODE_ENGINE_LOAD_DELAY_MS", "0") or 0) / 1000  # a slow disk, a big model


def before_load() -> None:
    if LOAD_DELAY_S:
        time.sleep(LOAD_DELAY_S)
    if FAULT == "crash-on-load":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif FAULT == "connect-on-load":
        # An engine that tries to reach the network (TEST-NET-1, never routed): the audit hook,
        # or the network namespace, must stop it.
        socket.create_connection(("192.0.2.1", 9), timeout=2).close()


def before_generate() -> None:
    if FAULT == "hang-on-generate":
        time.sleep(3600)  # an engine that stops answering
