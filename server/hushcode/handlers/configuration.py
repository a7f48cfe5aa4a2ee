"""workspace/didChangeConfiguration: the editor's settings, applied live.

Editor settings arrive pushed (`{"hushcode": {...}}`, as VS Code sends them) or, when the client
sends none, are pulled with workspace/configuration (section "hushcode"). The session re-reads
every layer (config/load.py: defaults, user file, project files, editor settings, environment)
and applies the result at once; a new model or engine is loaded with $/progress. Changes to the
settings files are applied the same way (lsp/session.py watches them).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from hushcode.config.load import TRUSTED_WORKSPACE

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer

log = logging.getLogger("hushcode.configuration")

_EDITOR_KEYS = {"model", "completion", "engine", TRUSTED_WORKSPACE}


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
        elif isinstance(pushed, dict) and pushed and set(pushed) <= _EDITOR_KEYS:
            options = pushed
        else:
            options = await _pull(ls)
        if options is not None:
            await ls.session.editor_settings_changed(options)
