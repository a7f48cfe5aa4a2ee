"""The language server object: pygls plus hushcode's services.

Handlers live in handlers/, one file per LSP feature; `build_server()` wires them.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from hushcode import __version__
from hushcode.completions import CompletionService, DocumentSnapshot
from hushcode.config.settings import Settings
from hushcode.engine.contracts import EngineState
from hushcode.engine.interface import CompletionEngine

if TYPE_CHECKING:
    from hushcode.workspace_context import WorkspaceContext

log = logging.getLogger("hushcode.server")

STATUS_NOTIFICATION = "hushcode/status"


class HushcodeProtocol(LanguageServerProtocol):
    """pygls's protocol, preferring UTF-8 positions whenever the client offers them."""

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Any:
        general = params.capabilities.general
        if general is not None and general.position_encodings:
            offered = list(general.position_encodings)
            if types.PositionEncodingKind.Utf8 in offered:
                general.position_encodings = [types.PositionEncodingKind.Utf8] + [
                    e for e in offered if e != types.PositionEncodingKind.Utf8
                ]
            elif types.PositionEncodingKind.Utf16 in offered:
                # UTF-16 is LSP's mandatory default; prefer it over UTF-32 for predictability.
                general.position_encodings = [types.PositionEncodingKind.Utf16]
        return (yield from super().lsp_initialize(params))


class HushcodeServer(LanguageServer):
    """The hushcode language server."""

    def __init__(self) -> None:
        super().__init__("hushcode", __version__, protocol_cls=HushcodeProtocol)
        self.settings = Settings()
        self.engine: CompletionEngine | None = None
        self.completions = CompletionService(self.settings, None)
        self.model_error: str | None = None
        self.editor_options: dict[str, Any] = {}  # the latest settings the editor sent
        self.context: WorkspaceContext | None = None  # the workspace index, when there is a workspace
        self._tasks: set[asyncio.Task[Any]] = set()

    def run_task(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        """Run a background task, keep a reference, and log its failure."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("background task %s failed", name, exc_info=t.exception())

        task.add_done_callback(done)

    def snapshot(self, uri: str) -> DocumentSnapshot | None:
        """A frozen copy of an open document, or None if the client never opened it."""
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        relative = self.context.relative_path(uri) if self.context is not None else None
        root = self.context.index.root_of(Path(document.path)) if self.context is not None else None
        return DocumentSnapshot(uri=uri, version=document.version, text=document.source,
                                language_id=document.language_id, relative_path=relative or "",
                                repo_name=root.name if root is not None else "workspace")

    @property
    def position_encoding(self) -> str:
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        return encoding.value if isinstance(encoding, types.PositionEncodingKind) else str(encoding)

    def notify_user(self, level: str, message: str) -> None:
        """Tell the user something in words, and log it."""
        kind = {"error": types.MessageType.Error, "warning": types.MessageType.Warning}.get(
            level, types.MessageType.Info)
        getattr(log, "error" if level == "error" else "warning" if level == "warning" else "info")(message)
        try:
            self.window_show_message(types.ShowMessageParams(type=kind, message=f"hushcode: {message}"))
        except Exception:  # no client attached (e.g. shutting down)
            log.debug("could not send showMessage", exc_info=True)

    def status(self) -> dict[str, Any]:
        """What the status bar shows: model, state, last latency and token counts."""
        engine = self.engine
        last = self.completions.stats.last
        state = "error" if self.model_error else (engine.state.value if engine else "stopped")
        return {
            "state": state,
            "model": engine.model.name if engine and engine.model else None,
            "template": engine.model.markers.template if engine and engine.model else None,
            "modelPath": engine.model_path if engine else None,
            "engineKind": engine.kind if engine else self.settings.engine.kind,
            "engineUrl": engine.url if engine else None,
            "message": self.model_error or (engine.last_error if engine else None),
            "enginePid": engine.pid if engine else None,
            "generating": bool(engine and engine.generating),
            "restarts": engine.restarts if engine else 0,
            "requests": self.completions.stats.requests,
            "answered": self.completions.stats.answered,
            "lastLatencyMs": last.get("total_ms"),
            "reusedTokens": last.get("reused"),
            "evaluatedTokens": last.get("evaluated"),
            "generatedTokens": last.get("generated"),
            "controlTokens": last.get("control"),
            "lastResult": last.get("result"),
            "lastSpeculativeResult": self.completions.stats.speculative.get("result"),
            "shiftedTokens": last.get("shifted"),
            "warmups": self.completions.stats.warmups,
            "indexedFiles": self.context.files_indexed if self.context else None,
            "indexReady": bool(self.context and self.context.ready),
            "contextSnippets": last.get("context_snippets"),
            "positionEncoding": self.position_encoding if self._workspace_ready() else None,
            "pid": os.getpid(),
        }

    def _workspace_ready(self) -> bool:
        try:
            _ = self.workspace
        except RuntimeError:
            return False
        return True

    def send_status(self) -> None:
        try:
            self.protocol.notify(STATUS_NOTIFICATION, self.status())
        except Exception:
            log.debug("could not send status", exc_info=True)

    async def load_model(self) -> None:
        """(Re)start the engine the settings choose (engine.kind: the local process for the model,
        or a shared server); stops the previous engine first."""
        from hushcode.engine.factory import create_engine

        if self.engine is not None:
            old, self.engine = self.engine, None
            self.completions.engine = None
            await old.stop()
        engine, error = await create_engine(self.settings, self.notify_user, self.send_status)
        if engine is None:
            self.model_error = error
            self.notify_user("error", error or "no model configured")
            self.send_status()
            return
        self.model_error = None
        self.engine = engine
        self.completions.engine = engine
        engine.start()

    def is_engine_ready(self) -> bool:
        return self.engine is not None and self.engine.state is EngineState.READY


def build_server() -> HushcodeServer:
    """Create the server and register every feature."""
    from hushcode.handlers import register_all

    server = HushcodeServer()
    register_all(server)
    return server
