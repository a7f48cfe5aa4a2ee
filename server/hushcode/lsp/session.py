"""hushcode's state for one editor connection, and the one place it changes.

The settings (every layer, applied at once), the engine (loaded, reloaded after a settings
change), the workspace context (started, given folders, stopped), the model's error, the
editor's options and the settings-file watcher. Every change happens here, on the event loop:
the handlers call one method each, the pygls wiring (server.py) is the `Client` this talks to,
and the status (status.py) is read from these attributes. Heavy work runs elsewhere: the
completion service's pure steps in a worker thread, indexing in the workspace's own.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, Protocol

from hushcode import isolation, netguard
from hushcode.completion.service import CompletionService
from hushcode.config.load import Effective, load_effective
from hushcode.config.settings import Settings
from hushcode.config.watch import ConfigWatcher
from hushcode.documents.history import EditHistory
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.contracts import EngineState
from hushcode.engine.factory import create_engine
from hushcode.engine.interface import CompletionEngine
from hushcode.lsp.progress import Progress
from hushcode.nextedit.service import NextEditService
from hushcode.workspace.service import WorkspaceContext

log = logging.getLogger("hushcode.configuration")

_LOADING = (EngineState.LOADING, EngineState.RESTARTING, EngineState.STOPPED)


class Client(Protocol):
    """What the session asks of the editor connection (server.HushcodeServer)."""

    def notify_user(self, level: str, message: str) -> None: ...

    def send_status(self) -> None: ...

    def run_task(self, coro: Coroutine[Any, Any, Any], name: str) -> None: ...

    def workspace_roots(self) -> list[Path]: ...

    def open_documents(self) -> list[tuple[str, str]]: ...

    def work_progress(self, title: str) -> Progress: ...

    def ask_again(self, uri: str, reason: str) -> None: ...


class Session:
    """Settings, engine, workspace context and completions of one server."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self.settings = Settings()
        self.engine: CompletionEngine | None = None
        self.completions = CompletionService(self.settings, None)
        # a blank line's ranked line is ready (completion/later.py)
        self.completions.ask_again = lambda uri, reason: self._client.ask_again(uri, reason)
        self.edit_history = EditHistory()  # each open document's recent edits, for next-edit suggestions
        self.next_edits = NextEditService(self.edit_history)
        self.model_error: str | None = None
        self.editor_options: dict[str, Any] = {}  # the latest settings the editor sent
        self.effective: Effective | None = None  # every layer of settings, with their sources
        self.config_watcher: ConfigWatcher | None = None  # live reload of the settings files
        self.context: WorkspaceContext | None = None  # the workspace index, when there is a workspace
        self._warnings: list[str] = []  # found before the editor could be told (initialize)

    @property
    def settings(self) -> Settings:
        return self._settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._settings = value
        netguard.allow_settings(value)  # a remote engine the user configured may be reached, nothing else

    # -- lifecycle ----------------------------------------------------------------------------
    def initialize(self, options: object) -> None:
        """The editor's initializationOptions: apply every layer of settings (the user and project
        files, these options, the environment); warnings wait for `initialized`."""
        self.editor_options = options if isinstance(options, dict) else {}
        for root in self._client.workspace_roots():  # folders opened elsewhere than the working directory
            isolation.add_workspace(str(root))
        if options is not None and not isinstance(options, dict):
            self._warnings.append("initializationOptions is not an object; ignored")
        self._warnings.extend(self.apply_settings()[1])

    async def initialized(self) -> None:
        """The editor is ready to listen: the warnings, the index, the settings watcher, the model."""
        for warning in self._warnings:
            self._client.notify_user("warning", warning)
        self._warnings.clear()
        self._client.run_task(self.start_index(), "index")
        self.watch_config()
        await self.load_model()

    async def shutdown(self) -> None:
        if self.config_watcher is not None:
            self.config_watcher.stop()
        if self.context is not None:
            self.context.stop()
        if self.engine is not None:
            await self.engine.stop()

    # -- settings -----------------------------------------------------------------------------
    def apply_settings(self) -> tuple[bool, list[str]]:
        """Re-read every layer and make the result current. Returns whether the model or engine
        settings changed, and the warnings not shown before (the caller shows them)."""
        effective = load_effective(self._client.workspace_roots(), self.editor_options, os.environ)
        shown = set(self.effective.warnings) if self.effective is not None else set()
        old, new = self.settings, effective.settings
        self.effective = effective
        self.settings = new
        self.completions.configure(new)
        if self.config_watcher is not None:
            self.config_watcher.watch(effective.watched)
        return (old.model != new.model or old.engine != new.engine), [w for w in effective.warnings if w not in shown]

    async def reload_settings(self, reason: str) -> None:
        """Apply the current layers; reload the model when its settings changed (or it had failed)."""
        changed, warnings = self.apply_settings()
        for warning in warnings:
            self._client.notify_user("warning", warning)
        log.info("settings applied (%s)%s", reason, " (model: reloading)" if changed else "")
        if changed or (self.engine is None and self.model_error is not None):
            await self.load_model()
            if self.engine is not None:
                self._client.run_task(self._model_progress(self.engine), "model-progress")
        self._client.send_status()

    async def editor_settings_changed(self, options: dict[str, Any]) -> None:
        self.editor_options = options
        await self.reload_settings("editor settings changed")

    def watch_config(self) -> None:
        """Watch the settings files; a change is applied like didChangeConfiguration."""
        loop = asyncio.get_running_loop()

        def changed() -> None:  # on the watcher's thread
            loop.call_soon_threadsafe(lambda: self._client.run_task(self.reload_settings("a settings file changed"),
                                                                    "settings-reload"))

        self.config_watcher = ConfigWatcher(changed)
        self.config_watcher.watch(self.effective.watched if self.effective is not None else ())

    # -- engine -------------------------------------------------------------------------------
    async def load_model(self) -> None:
        """(Re)start the engine the settings choose (engine.kind: the local process for the model,
        or a shared server); stops the previous engine first."""
        if self.engine is not None:
            old, self.engine = self.engine, None
            self.completions.engine = None
            await old.stop()
        engine, error = await create_engine(self.settings, self._client.notify_user, self._engine_state_changed)
        if engine is None:
            self.model_error = error
            self._client.notify_user("error", error or "no model configured")
            self._client.send_status()
            return
        self.model_error = None
        self.engine = engine
        self.completions.engine = engine
        engine.start()

    def _engine_state_changed(self) -> None:
        """The engine loaded, failed, restarted or stopped: the status; once ready, the editor asks
        again where a request found no engine (a user who typed during the load sees a suggestion
        without typing again)."""
        self._client.send_status()
        if self.engine_ready():
            for uri in self.completions.take_unanswered():
                self._client.ask_again(uri, "ready")

    def engine_ready(self) -> bool:
        return self.engine is not None and self.engine.state is EngineState.READY

    async def _model_progress(self, engine: CompletionEngine) -> None:
        """$/progress while a new model loads."""
        name = os.path.basename(engine.model_path or "") if engine.url is None else engine.url
        progress = self._client.work_progress("hushcode: loading model")
        if not await progress.begin(message=name):
            return
        while self.engine is engine and engine.state in _LOADING:
            await asyncio.sleep(0.1)
        done = self.engine is engine and engine.state is EngineState.READY
        progress.end(f"{name} ready" if done else f"{name} not loaded")

    # -- workspace ----------------------------------------------------------------------------
    async def start_index(self) -> None:
        """Index the workspace folders in the background, with $/progress."""
        roots = self._client.workspace_roots()
        if not roots or self.settings.completion.context_tokens <= 0:
            return
        self.context = context = WorkspaceContext(roots)
        self.completions.context = context
        for uri, text in self._client.open_documents():
            context.opened(uri, text)
        progress = self._client.work_progress("hushcode: indexing")
        await progress.begin(percentage=0)
        last = [-1]
        loop = asyncio.get_running_loop()

        def report(done: int, total: int) -> None:  # on the indexer's thread
            percent = int(100 * done / total) if total else 100
            if percent != last[0]:
                last[0] = percent
                progress.report_threadsafe(loop, f"{done}/{total} files", percent)

        try:
            await context.start(report)
            if context.truncated:
                self._client.notify_user(
                    "warning", f"The workspace has more than {context.files_indexed} source files: hushcode indexed "
                    f"{context.files_indexed} of them and gives the others no cross-file context. Leave generated "
                    f"or vendored folders out with .gitignore, or raise HUSHCODE_INDEX_MAX_FILES.")
        finally:
            progress.end(f"{context.files_indexed} files indexed")
            self._client.send_status()

    def folders_changed(self, added: list[Path], removed: list[Path]) -> None:
        """Workspace folders came and went: their project files count, the index follows."""
        self._client.run_task(self.reload_settings("workspace folders changed"), "settings-reload")
        if self.context is None:
            return
        for root in added:
            self._client.run_task(self._add_root(root), "index-folder")
        for root in removed:
            self.context.remove_root(root)

    async def _add_root(self, root: Path) -> None:
        if self.context is not None:
            await asyncio.to_thread(self.context.add_root, root)

    # -- documents ----------------------------------------------------------------------------
    def opened(self, doc: DocumentSnapshot) -> None:
        """didOpen: the index reads the buffer; the model's cache warms up for it."""
        self.edit_history.opened(doc.uri, doc.text)
        if self.context is not None:
            self.context.opened(doc.uri, doc.text)
        if self.engine_ready():
            self.completions.background.warm(doc)

    def changed(self, doc: DocumentSnapshot) -> None:
        """didChange: the buffer wins over the file on disk; edits feed retrieval and the edit
        history of next-edit suggestions."""
        self.edit_history.changed(doc.uri, doc.text, time.monotonic())
        if self.context is not None:
            self.context.changed(doc.uri, doc.text)

    def closed(self, uri: str) -> None:
        self.completions.forget(uri)
        self.next_edits.forget(uri)
        self.edit_history.closed(uri)
        if self.context is not None:
            self.context.closed(uri)
