"""`hushcode serve`: the language server, over stdio (or loopback TCP).

The order matters: the network guard first (before anything could open a socket), then stdout is
claimed for the protocol (nothing else may write there), then logging, then the server is built.
"""

from __future__ import annotations

import sys

from hushcode import netguard
from hushcode.logs import setup_logging
from hushcode.lsp.stdio import claim_stdout


def serve(tcp: int | None, log_file: str | None, log_level: str) -> int:
    """Run the server until the client ends it; `tcp`: listen on 127.0.0.1:PORT instead of stdio."""
    netguard.install_if_requested("the language server")  # before anything could open a socket
    protocol_out = claim_stdout() if tcp is None else None
    setup_logging(log_file, log_level)
    # imported only now: whatever the server's libraries print while loading goes to stderr, not
    # into the protocol stream, and runs under the network guard
    from hushcode.lsp.server import build_server

    server = build_server()
    if tcp is not None:
        server.start_tcp("127.0.0.1", tcp)  # loopback only: code never leaves the machine
    else:
        server.start_io(sys.stdin.buffer, protocol_out)
    return 0
