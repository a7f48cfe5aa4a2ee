"""initialize / initialized / shutdown: read settings, choose the model, start the engine."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from hushcode.completion.service import CompletionService
from hushcode.handlers.configuration import apply_settings, start_watching

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer

log = logging.getLogger("hushcode.lifecycle")


def register(server: HushcodeServer) -> None:
    pending_warnings: list[str] = []

    @server.feature(types.INITIALIZE)
    def initialize(ls: HushcodeServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        ls.editor_options = options if isinstance(options, dict) else {}
        if options is not None and not isinstance(options, dict):
            pending_warnings.append("initializationOptions is not an object; ignored")
        _, warnings = apply_settings(ls)  # the user and project files, these options, the environment
        ls.completions = CompletionService(ls.settings, None)
        pending_warnings.extend(warnings)
        log.info("initialize: client=%s positionEncoding=%s",
                 params.client_info.name if params.client_info else "?", ls.position_encoding)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: HushcodeServer, params: types.InitializedParams) -> None:
        for warning in pending_warnings:
            ls.notify_user("warning", warning)
        pending_warnings.clear()
        from hushcode.handlers.workspace import start_index

        ls.run_task(start_index(ls), "index")
        start_watching(ls)
        await ls.load_model()

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: HushcodeServer, params: None) -> None:
        if ls.config_watcher is not None:
            ls.config_watcher.stop()
        if ls.context is not None:
            ls.context.stop()
        if ls.engine is not None:
            await ls.engine.stop()
