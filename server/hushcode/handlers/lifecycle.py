"""initialize / initialized / shutdown: read settings, choose the model, start the engine."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer

log = logging.getLogger("hushcode.lifecycle")


def register(server: HushcodeServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: HushcodeServer, params: types.InitializeParams) -> None:
        ls.session.initialize(params.initialization_options)
        log.info("initialize: client=%s positionEncoding=%s",
                 params.client_info.name if params.client_info else "?", ls.position_encoding)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: HushcodeServer, params: types.InitializedParams) -> None:
        await ls.session.initialized()

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: HushcodeServer, params: None) -> None:
        await ls.session.shutdown()
