"""Settings, applied live: workspace/didChangeConfiguration, and changes to the settings files.

Every change re-reads every layer (config/load.py: defaults, user file, project files, editor
settings, environment) and applies the result at once; a new model or engine is loaded with
$/progress. Editor settings arrive pushed (`{"hushcode": {...}}`, as VS Code sends them) or,
when the client sends none, are pulled with workspace/configuration (section "hushcode").
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from hushcode.completion.cache import SuggestionCache
from hushcode.config.load import TRUSTED_WORKSPACE, load_effective
from hushcode.engine.contracts import EngineState

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer

log = logging.getLogger("hushcode.configuration")

_EDITOR_KEYS = {"model", "completion", "engine", TRUSTED_WORKSPACE}


def apply_settings(ls: HushcodeServer) -> tuple[bool, list[str]]:
    """Re-read every layer and make the result current. Returns whether the model or engine
    settings changed, and the warnings not shown before (the caller shows them)."""
    from hushcode.handlers.workspace import workspace_roots

    roots = workspace_roots(ls) if ls._workspace_ready() else []
    effective = load_effective(roots, ls.editor_options, os.environ)
    shown = set(ls.effective.warnings) if ls.effective is not None else set()
    fresh = [w for w in effective.warnings if w not in shown]
    old = ls.settings
    ls.effective = effective
    ls.settings = effective.settings
    ls.completions.settings = effective.settings
    if old.completion != effective.settings.completion:
        ls.completions.cache = SuggestionCache()  # suggestions made under the old settings are stale
    if ls.config_watcher is not None:
        ls.config_watcher.watch(effective.watched)
    return (old.model != effective.settings.model or old.engine != effective.settings.engine), fresh


async def reload_settings(ls: HushcodeServer, reason: str) -> None:
    """Apply the current layers; reload the model when its settings changed (or it had failed)."""
    changed, warnings = apply_settings(ls)
    for warning in warnings:
        ls.notify_user("warning", warning)
    log.info("settings applied (%s)%s", reason, " (model: reloading)" if changed else "")
    if changed or (ls.engine is None and ls.model_error is not None):
        await ls.load_model()
        if ls.engine is not None:
            ls.run_task(_progress(ls), "model-progress")
    ls.send_status()


def start_watching(ls: HushcodeServer) -> None:
    """Watch the settings files; a change is applied like didChangeConfiguration."""
    from hushcode.config.watch import ConfigWatcher

    loop = asyncio.get_running_loop()

    def changed() -> None:  # on the watcher's thread
        loop.call_soon_threadsafe(lambda: ls.run_task(reload_settings(ls, "a settings file changed"),
                                                      "settings-reload"))

    ls.config_watcher = ConfigWatcher(changed)
    ls.config_watcher.watch(ls.effective.watched if ls.effective is not None else ())


async def _progress(ls: HushcodeServer) -> None:
    """$/progress while a new model loads, when the client can show it."""
    engine = ls.engine
    window = ls.client_capabilities.window if ls.client_capabilities else None
    if engine is None or not (window and window.work_done_progress):
        return
    token = str(uuid.uuid4())
    config = getattr(engine, "config", None)  # a remote engine has a URL instead
    name = os.path.basename(config.model_path) if config is not None else str(getattr(engine, "url", "engine"))
    try:
        await ls.work_done_progress.create_async(token)
        ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title="hushcode: loading model",
                                                                       message=name, cancellable=False))
    except Exception:
        log.debug("no progress for the model load", exc_info=True)
        return
    while ls.engine is engine and engine.state in (EngineState.LOADING, EngineState.RESTARTING,
                                                    EngineState.STOPPED):
        await asyncio.sleep(0.1)
    done = ls.engine is engine and engine.state is EngineState.READY
    ls.work_done_progress.end(token, types.WorkDoneProgressEnd(
        message=f"{name} ready" if done else f"{name} not loaded"))


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
        if options is None:
            return
        ls.editor_options = options
        await reload_settings(ls, "editor settings changed")
