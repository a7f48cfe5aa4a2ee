"""workspace/didChangeConfiguration: apply new settings live; a new model is loaded at once.

Settings arrive pushed (`{"hushcode": {...}}`, as VS Code sends them) or, when the client sends
no settings, are pulled with workspace/configuration (section "hushcode").
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from hushcode.config.settings import load_settings

if TYPE_CHECKING:
    from hushcode.server import HushcodeServer

log = logging.getLogger("hushcode.configuration")


def _plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        value = value._asdict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


async def _pull(ls: HushcodeServer) -> dict[str, Any] | None:
    try:
        result = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="hushcode")]))
    except Exception:  # the client cannot answer: keep what we have
        log.debug("workspace/configuration failed", exc_info=True)
        return None
    value = _plain(result[0]) if result else None
    return value if isinstance(value, dict) else None


def register(server: HushcodeServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: HushcodeServer, params: types.DidChangeConfigurationParams) -> None:
        pushed = _plain(params.settings)
        if isinstance(pushed, dict) and isinstance(pushed.get("hushcode"), dict):
            options: dict[str, Any] | None = pushed["hushcode"]
        elif isinstance(pushed, dict) and pushed and set(pushed) <= {"model", "completion", "engine"}:
            options = pushed
        else:
            options = await _pull(ls)
        if options is None:
            return
        ls.editor_options = options
        settings, warnings = load_settings(options, os.environ)
        for warning in warnings:
            ls.notify_user("warning", warning)
        model_changed = settings.model != ls.settings.model or settings.engine != ls.settings.engine
        ls.settings = settings
        ls.completions.settings = settings
        log.info("settings changed%s", " (model: reloading)" if model_changed else "")
        if model_changed or (ls.engine is None and ls.model_error is not None):
            await ls.load_model()
        ls.send_status()
