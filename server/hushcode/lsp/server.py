"""The language server object: the pygls wiring around hushcode's session.

It registers the handlers (handlers/, one file per LSP feature), reads messages through
hushcode's own frame reader over stdio or TCP (transport.py), and gives the session
(session.py: the state, and the one place it changes) what it needs of the editor connection:
messages to the user, status notifications, background tasks, workspace folders, progress.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import unquote

from lsprotocol import types
from pygls.io_ import StdinAsyncReader, StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from hushcode import __version__
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.handlers import register_all
from hushcode.lsp.progress import Progress
from hushcode.lsp.protocol import HushcodeProtocol
from hushcode.lsp.session import Session
from hushcode.lsp.status import build_status
from hushcode.lsp.transport import Reader, SocketReader, serve_stream, serve_tcp

log = logging.getLogger("hushcode.lsp.server")

STATUS_NOTIFICATION = "hushcode/status"
# the server has a suggestion worth asking for where it had none: {"uri", "reason"} (docs/editors/protocol.md)
ASK_AGAIN_NOTIFICATION = "hushcode/askAgain"


class HushcodeServer(LanguageServer):
    """The hushcode language server."""

    protocol: HushcodeProtocol

    def __init__(self) -> None:
        super().__init__("hushcode", __version__, protocol_cls=HushcodeProtocol)
        self.session = Session(self)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._bad_input_shown: set[str] = set()

    # -- transports ---------------------------------------------------------------------------
    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve LSP over stdio with hushcode's own read loop (transport.py) instead of pygls's."""
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        self._serve(lambda stop: self._read(StdinAsyncReader(stdin or sys.stdin.buffer, self.thread_pool), stop))

    def start_tcp(self, host: str, port: int) -> None:
        """Serve LSP to one editor on a loopback TCP port, read by the same loop as stdio."""
        def main(stop: threading.Event) -> Coroutine[Any, Any, None]:
            async def connection(reader: SocketReader, writer: asyncio.StreamWriter) -> None:
                self.protocol.set_writer(writer)
                await self._read(reader, stop)

            return serve_tcp(host, port, connection)

        self._serve(main)

    async def _read(self, reader: Reader, stop: threading.Event) -> None:
        await serve_stream(reader, self.protocol.handle_body, stop, self.report_bad_input)

    def _serve(self, main: Callable[[threading.Event], Coroutine[Any, Any, None]]) -> None:
        """Run `main` until the stream ends or `exit` (pygls's shutdown() sets the stop event)."""
        self._stop_event = stop = threading.Event()
        try:
            asyncio.run(main(stop))
        except BrokenPipeError:
            log.error("the connection to the editor is lost; shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]  # pygls's, untyped

    def report_bad_input(self, kind: str, message: str) -> None:
        """Malformed input from the editor: logged every time, shown to the user once per kind."""
        if kind in self._bad_input_shown:
            log.warning("bad input: %s", message)
            return
        self._bad_input_shown.add(kind)
        self.notify_user("warning", f"{message} (an editor or plugin bug; hushcode keeps serving)")

    # -- documents ----------------------------------------------------------------------------
    def document(self, uri: str) -> TextDocument | None:
        """The open document `uri` names, as the client spelled it (pygls keys documents by the
        percent-decoded URI, so "a%20b.py" must be looked up as "a b.py")."""
        document: TextDocument | None = self.workspace.text_documents.get(unquote(uri))
        return document

    def unknown_document(self, uri: str, request: str) -> None:
        """A request for a document the client never opened (or closed): answered with nothing,
        and said in the log, so that a missing suggestion is never silent."""
        log.warning("%s for %s, a document the editor has not opened: no suggestion", request,
                    PurePosixPath(unquote(uri)).name)

    def snapshot(self, uri: str) -> DocumentSnapshot | None:
        """A frozen copy of an open document, or None if the client never opened it."""
        document = self.document(uri)
        if document is None:
            return None
        context = self.session.context
        relative = context.relative_path(uri) if context is not None else None
        root = context.index.root_of(Path(document.path)) if context is not None else None
        return DocumentSnapshot(uri=uri, version=document.version, text=document.source,
                                language_id=document.language_id, relative_path=relative or "",
                                repo_name=root.name if root is not None else "workspace")

    def open_documents(self) -> list[tuple[str, str]]:
        """(uri, text) of every open document."""
        return [(doc.uri, doc.source) for doc in list(self.workspace.text_documents.values())]

    @property
    def position_encoding(self) -> str:
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        return encoding.value if isinstance(encoding, types.PositionEncodingKind) else str(encoding)

    def workspace_roots(self) -> list[Path]:
        """The workspace folders on this machine (none before initialize)."""
        if not self._workspace_ready():
            return []
        folders = list(self.workspace.folders.values())
        uris = [f.uri for f in folders] or ([self.workspace.root_uri] if self.workspace.root_uri else [])
        roots = [Path(p) for p in (to_fs_path(u) for u in uris) if p]
        return [r for r in roots if r.is_dir()]

    def _workspace_ready(self) -> bool:
        try:
            _ = self.workspace
        except RuntimeError:
            return False
        return True

    # -- to the editor --------------------------------------------------------------------------
    def run_task(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        """Run a background task, keep a reference, and log its failure."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("background task %s failed", name, exc_info=t.exception())

        task.add_done_callback(done)

    def notify_user(self, level: str, message: str) -> None:
        """Tell the user something in words, and log it."""
        kind = {"error": types.MessageType.Error, "warning": types.MessageType.Warning}.get(
            level, types.MessageType.Info)
        getattr(log, "error" if level == "error" else "warning" if level == "warning" else "info")(message)
        try:
            self.window_show_message(types.ShowMessageParams(type=kind, message=f"hushcode: {message}"))
        except Exception:  # no client attached (e.g. shutting down)
            log.debug("could not send showMessage", exc_info=True)

    def work_progress(self, title: str) -> Progress:
        return Progress(self, title)

    def status(self) -> dict[str, Any]:
        """What the status bar shows: model, state, last latency and token counts (status.py)."""
        encoding = self.position_encoding if self._workspace_ready() else None
        return build_status(self.session, encoding, len(self.protocol._request_futures))

    def ask_again(self, uri: str, reason: str) -> None:
        """Tell the editor to ask again in `uri` at its cursor (`reason`: "ready", the engine that a
        request found loading is ready)."""
        log.info("ask again: %s (%s)", PurePosixPath(unquote(uri)).name, reason)
        try:
            self.protocol.notify(ASK_AGAIN_NOTIFICATION, {"uri": uri, "reason": reason})
        except Exception:
            log.debug("could not send askAgain", exc_info=True)

    def send_status(self) -> None:
        try:
            self.protocol.notify(STATUS_NOTIFICATION, self.status())
        except Exception:
            log.debug("could not send status", exc_info=True)


def build_server() -> HushcodeServer:
    """Create the server and register every feature."""
    server = HushcodeServer()
    register_all(server)
    return server
