"""The language server object: pygls plus hushcode's services.

Handlers live in handlers/, one file per LSP feature; `build_server()` wires them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import unquote

from lsprotocol import types
from pygls.io_ import StdinAsyncReader, StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from hushcode import __version__, netguard
from hushcode.completion.service import CompletionService, DocumentSnapshot
from hushcode.config.settings import Settings
from hushcode.engine.contracts import EngineState
from hushcode.engine.interface import CompletionEngine
from hushcode.lsp.protocol import HushcodeProtocol
from hushcode.lsp.transport import serve_stream

if TYPE_CHECKING:
    from hushcode.config.load import Effective
    from hushcode.config.watch import ConfigWatcher
    from hushcode.workspace.service import WorkspaceContext

log = logging.getLogger("hushcode.lsp.server")

STATUS_NOTIFICATION = "hushcode/status"


class HushcodeServer(LanguageServer):
    """The hushcode language server."""

    def __init__(self) -> None:
        super().__init__("hushcode", __version__, protocol_cls=HushcodeProtocol)
        self.settings = Settings()
        self.engine: CompletionEngine | None = None
        self.completions = CompletionService(self.settings, None)
        self.model_error: str | None = None
        self.editor_options: dict[str, Any] = {}  # the latest settings the editor sent
        self.effective: Effective | None = None  # every layer of settings, with their sources
        self.config_watcher: ConfigWatcher | None = None  # live reload of the settings files
        self.context: WorkspaceContext | None = None  # the workspace index, when there is a workspace
        self._tasks: set[asyncio.Task[Any]] = set()
        self._bad_input_shown: set[str] = set()

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve LSP over stdio with hushcode's own read loop (transport.py) instead of pygls's."""
        self._stop_event = stop = threading.Event()
        reader = StdinAsyncReader(stdin or sys.stdin.buffer, self.thread_pool)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        assert isinstance(self.protocol, HushcodeProtocol)
        try:
            asyncio.run(serve_stream(reader, self.protocol.handle_body, stop, self.report_bad_input))
        except BrokenPipeError:
            log.error("the connection to the editor is lost; shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    def report_bad_input(self, kind: str, message: str) -> None:
        """Malformed input from the editor: logged every time, shown to the user once per kind."""
        if kind in self._bad_input_shown:
            log.warning("bad input: %s", message)
            return
        self._bad_input_shown.add(kind)
        self.notify_user("warning", f"{message} (an editor or plugin bug; hushcode keeps serving)")

    def document(self, uri: str) -> TextDocument | None:
        """The open document `uri` names, as the client spelled it (pygls keys documents by the
        percent-decoded URI, so "a%20b.py" must be looked up as "a b.py")."""
        return self.workspace.text_documents.get(unquote(uri))

    @property
    def settings(self) -> Settings:
        return self._settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._settings = value
        netguard.allow_settings(value)  # a remote engine the user configured may be reached, nothing else

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
        document = self.document(uri)
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
            "threads": list(engine.model.threads) if engine and engine.model and engine.model.threads else None,
            "gpuLayers": engine.model.gpu_layers if engine and engine.model else None,
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
            "lastColdPrompt": bool(last.get("cold")),  # answered from the short prompt (a cold KV cache)
            "lastHeldBack": last.get("held", 0),  # characters before the cursor left out of the prompt (healing)
            "lastRanked": last.get("ranked", 0),  # candidate lines compared on a blank line (engine/ranking.py)
            "lastSpeculativeResult": self.completions.stats.speculative.get("result"),
            "shiftedTokens": last.get("shifted"),
            "warmups": self.completions.stats.warmups,
            "indexedFiles": self.context.files_indexed if self.context else None,
            "indexReady": bool(self.context and self.context.ready),
            "contextSnippets": last.get("context_snippets"),
            "positionEncoding": self.position_encoding if self._workspace_ready() else None,
            "inFlight": self.completions.stats.in_flight,  # completion requests being handled
            "maxInFlight": self.completions.stats.max_in_flight,
            "queueDepth": engine.waiting if engine else 0,  # generations waiting for the engine
            "maxQueueDepth": engine.max_waiting if engine else 0,
            "protocolPending": len(self.protocol._request_futures),  # handlers not yet done, both ways
            "pid": os.getpid(),
            # whether the network audit hook runs here and in the engine (HUSHCODE_AUDIT_NETWORK=1)
            "networkAudit": {"server": netguard.installed(), "engine": engine.network_audit if engine else None},
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
