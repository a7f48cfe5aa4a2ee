"""initialize / initialized / shutdown: read settings, choose the model, start the engine."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from hushcode.completions import CompletionService
from hushcode.config.settings import load_settings
from hushcode.engine.supervisor import EngineConfig, EngineSupervisor
from hushcode.model_choice import choose_model

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
        settings, warnings = load_settings(_plain(params.initialization_options), os.environ)
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
        choice = await asyncio.to_thread(choose_model, ls.settings)
        if choice.error or choice.path is None:
            ls.model_error = choice.error
            ls.notify_user("error", choice.error or "no model configured")
            ls.send_status()
            return
        engine = EngineSupervisor(
            EngineConfig(model_path=choice.path, n_ctx=ls.settings.model.context_tokens,
                         threads=ls.settings.model.threads),
            notify=ls.notify_user,
            on_state=ls.send_status,
        )
        ls.engine = engine
        ls.completions.engine = engine
        engine.start()

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: HushcodeServer, params: None) -> None:
        if ls.engine is not None:
            await ls.engine.stop()
