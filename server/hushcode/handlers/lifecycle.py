"""initialize / initialized / shutdown: read settings, choose the model, start the engine."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from hushcode.completions import CompletionService
from hushcode.config.settings import load_settings

if TYPE_CHECKING:
    from hushcode.server import HushcodeServer

log = logging.getLogger("hushcode.lifecycle")


def _plain(value: Any) -> Any:
    """initializationOptions arrive as plain JSON; keep them as dicts."""
    return value if isinstance(value, dict) else None


def register(server: HushcodeServer) -> None:
    pending_warnings: list[str] = []

    @server.feature(types.INITIALIZE)
    def initialize(ls: HushcodeServer, params: types.InitializeParams) -> None:
        ls.editor_options = _plain(params.initialization_options) or {}
        settings, warnings = load_settings(ls.editor_options, os.environ)
        ls.settings = settings
        ls.completions = CompletionService(settings, None)
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
        await ls.load_model()

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: HushcodeServer, params: None) -> None:
        if ls.context is not None:
            ls.context.stop()
        if ls.engine is not None:
            await ls.engine.stop()
