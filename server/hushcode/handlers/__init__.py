"""LSP handlers, one module per feature. Each handler parses params, takes a snapshot,
calls one session or service method and wraps the result in lsprotocol types; none changes
the server's state itself (lsp/session.py does)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hushcode.handlers import (
    completion,
    configuration,
    debug,
    inline,
    lifecycle,
    models,
    next_edit,
    status,
    sync,
    workspace,
)

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer


def register_all(server: HushcodeServer) -> None:
    """Register every feature explicitly, in data-flow order."""
    lifecycle.register(server)
    sync.register(server)
    inline.register(server)
    completion.register(server)
    next_edit.register(server)
    status.register(server)
    configuration.register(server)
    models.register(server)
    workspace.register(server)
    debug.register(server)  # only with HUSHCODE_TEST_REQUESTS=1
