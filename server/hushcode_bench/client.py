"""The one client of the benchmarks: the real ``hushcode serve`` over stdio, driven as an editor drives it.

``BenchClient`` starts the server in the workspace folder (isolated, so the folder's own code is
never imported), initializes it with the inline-completion capability and one or several workspace
folders, waits for its engine, and then sends what an editor sends: ``didOpen``, incremental
``didChange``, ``inlineCompletion`` (with an id of ours, so that it can be cancelled),
``$/cancelRequest``, ``didClose``, ``hushcode/getStatus`` and ``hushcode/nextEdit``. The server's log goes to a file
the benchmarks read per request; its stderr is copied beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, cast

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from hushcode import __version__
from hushcode.isolation import python_command
from hushcode_bench import server_log

GET_STATUS = "hushcode/getStatus"
NEXT_EDIT = "hushcode/nextEdit"
CLIENT_NAME = "hushcode-bench"
REQUEST_CANCELLED = types.LSPErrorCodes.RequestCancelled  # the error of a request we cancelled


# How a request was triggered: by typing, or by the user's manual trigger (Alt+\ in VS Code)
AUTOMATIC, INVOKED = "automatic", "invoked"
TRIGGERS = {
    AUTOMATIC: types.InlineCompletionTriggerKind.Automatic,
    INVOKED: types.InlineCompletionTriggerKind.Invoked,
}


class BenchError(Exception):
    """The server could not be started or stopped answering; the message says why."""


def plain(value: Any) -> Any:
    """Protocol values (pygls answers custom requests with namedtuple-like objects) as plain data."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not hasattr(value, "_asdict"):
        return [plain(v) for v in value]
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    return value


def units(text: str, encoding: str) -> int:
    """Length of `text` in code units of an LSP position encoding."""
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def inline_params(uri: str, at: types.Position, trigger: str = AUTOMATIC) -> types.InlineCompletionParams:
    """The params of an inlineCompletion request at `at`, triggered as `trigger` says (TRIGGERS)."""
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=at,
        context=types.InlineCompletionContext(trigger_kind=TRIGGERS[trigger]),
    )


class BenchClient:
    """One ``hushcode serve`` process with one configuration, and the client side of its protocol."""

    def __init__(self, options: dict[str, Any], env: dict[str, str], log_file: Path,
                 prefix: Sequence[str] = ()) -> None:
        self.options, self.env, self.log_file = options, env, log_file
        self.prefix = list(prefix)  # e.g. nsenter into a test's network namespace
        self.encoding = "utf-16"
        self.messages: list[str] = []  # window/showMessage texts: what the user would be told
        self.asked_again: dict[str, asyncio.Event] = {}  # per document: hushcode/askAgain came (see ask_again)
        self._client = LanguageClient(CLIENT_NAME, __version__)
        self._drain: asyncio.Task[None] | None = None
        self._register()

    def _register(self) -> None:
        # pygls's client decorator is unannotated (and wants plain functions): give it its real shape once
        feature = cast(Callable[[str], Callable[[Callable[..., None]], Any]], self._client.feature)

        @feature(types.WINDOW_SHOW_MESSAGE)
        def on_message(params: types.ShowMessageParams) -> None:
            self.messages.append(params.message)

        @feature(types.WINDOW_LOG_MESSAGE)
        def on_log(params: types.LogMessageParams) -> None:
            pass

        @feature("hushcode/status")
        def on_status(params: Any) -> None:
            pass

        @feature("hushcode/askAgain")
        def on_ask_again(params: Any) -> None:
            uri = params.get("uri") if isinstance(params, dict) else getattr(params, "uri", None)
            if isinstance(uri, str):
                self.ask_again(uri).set()

    def ask_again(self, uri: str) -> asyncio.Event:
        """Set when the server tells the editor to ask again in `uri` (an editor then asks at its
        cursor); the caller clears it."""
        return self.asked_again.setdefault(uri, asyncio.Event())

    @property
    def pid(self) -> int | None:
        process = self._client._server
        return process.pid if process is not None else None

    @property
    def exit_code(self) -> int | None:
        """The server's exit status once it has exited; None while it runs."""
        process = self._client._server
        return process.returncode if process is not None else None

    async def start(self, roots: Path | Sequence[Path], ready_timeout: float) -> dict[str, Any]:
        """Start and initialize the server on `roots` (the first is the working folder and the root
        URI, as an editor opens a workspace); wait until its engine is ready; return its status."""
        folders = [roots] if isinstance(roots, Path) else list(roots)
        await self._client.start_io(
            *self.prefix,
            *python_command("hushcode", "serve", "--log-file", str(self.log_file.resolve()), "--log-level", "INFO"),
            env=self.env,
            cwd=folders[0],
        )
        process = self._client._server
        if process is not None and process.stderr is not None:
            # stderr is a pipe: read it, or a chatty server would block once it fills
            self._drain = asyncio.create_task(self._copy_stderr(process.stderr))
        caps = types.ClientCapabilities(
            general=types.GeneralClientCapabilities(position_encodings=["utf-8", "utf-16"]),
            text_document=types.TextDocumentClientCapabilities(
                synchronization=types.TextDocumentSyncClientCapabilities(),
                inline_completion=types.InlineCompletionClientCapabilities(dynamic_registration=False),
            ),
        )
        result = await asyncio.wait_for(
            self._client.initialize_async(
                types.InitializeParams(
                    capabilities=caps,
                    initialization_options=self.options,
                    root_uri=folders[0].as_uri(),
                    workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders],
                    client_info=types.ClientInfo(name=CLIENT_NAME, version=__version__),
                )
            ),
            60,
        )
        encoding = result.capabilities.position_encoding
        self.encoding = str(getattr(encoding, "value", encoding or "utf-16"))
        self._client.initialized(types.InitializedParams())
        return await self._wait_ready(ready_timeout)

    async def _copy_stderr(self, stream: asyncio.StreamReader) -> None:
        with self.log_file.with_suffix(".stderr").open("ab") as out:
            while chunk := await stream.read(65536):
                out.write(chunk)

    async def _wait_ready(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            current = await self.status()
            state = current.get("state")
            if state == "ready":
                return current
            # "error": no model to load; a failed or stopped engine says why in its message
            if state == "error" or (state in ("failed", "stopped") and current.get("message")):
                raise BenchError(f"the engine is {state}: {current.get('message') or self.messages}")
            if time.monotonic() > deadline:
                raise BenchError(
                    f"the engine was not ready after {timeout:.0f} s (state {state!r}; "
                    f"messages: {self.messages or 'none'})"
                )
            await asyncio.sleep(0.2)

    async def status(self, engine_stats: bool = False, timeout: float = 60) -> dict[str, Any]:
        """The server's hushcode/getStatus answer as plain data."""
        try:
            result = await asyncio.wait_for(
                self._client.protocol.send_request_async(GET_STATUS, {"engineStats": engine_stats}), timeout
            )
        except (TimeoutError, RuntimeError) as exc:  # pygls fails pending requests when the server exits
            raise BenchError(f"the server stopped answering hushcode/getStatus: {exc!r}") from exc
        return dict(plain(result))

    async def ranked_later(self, uri: str, offset: int, timeout: float) -> bool:
        """After an answer whose log line says `later=1` (a blank line's greedy line, answered while
        its ranking went on): wait until that ranking is over (its ``.ranked`` line in the log
        after `offset`); True when the server then told the editor to ask again in `uri`."""
        asked = self.ask_again(uri)
        deadline = time.perf_counter() + timeout
        while not asked.is_set() and time.perf_counter() < deadline:
            if server_log.ranked_later(self.log_since(offset)):
                await asyncio.sleep(0.05)  # the notification is sent before the line is written
                break
            await asyncio.sleep(0.05)
        return asked.is_set()

    async def wait_idle(self, timeout: float, quiet: float = 0.5) -> float:
        """Wait until the server has generated nothing for `quiet` seconds; return the ms waited.

        A quiet period rather than one look: the server starts its speculative prefetch a little
        after answering, so a single look right after an answer would find it idle.
        """
        started = last_busy = time.perf_counter()
        while time.perf_counter() - last_busy < quiet and time.perf_counter() - started < timeout:
            if (await self.status()).get("generating"):
                last_busy = time.perf_counter()
            await asyncio.sleep(0.05)
        return round((last_busy - started) * 1000, 1)

    async def wait_index(self, timeout: float) -> dict[str, Any]:
        """Poll until the workspace index's first pass is over; the status then."""
        started = time.monotonic()
        while True:
            current = await self.status()
            if current.get("indexReady"):
                return current
            # the index exists (indexedFiles: 0) as soon as `initialized` is handled
            if current.get("indexedFiles") is None and time.monotonic() - started > 10:
                raise BenchError("the server has no workspace index (no workspace folder, or contextTokens 0)")
            if time.monotonic() - started > timeout:
                raise BenchError(f"the workspace index was not ready after {timeout:.0f} s")
            await asyncio.sleep(0.1)

    def open(self, uri: str, text: str, language: str = "python") -> None:
        self._client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
            )
        )

    def close(self, uri: str) -> None:
        self._client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    def position(self, document: str, offset: int) -> types.Position:
        """The LSP position of code point `offset`, in the encoding the server chose."""
        line_start = document.rfind("\n", 0, offset) + 1
        return types.Position(
            line=document.count("\n", 0, offset), character=units(document[line_start:offset], self.encoding)
        )

    def insert(self, uri: str, version: int, at: types.Position, text: str) -> None:
        """An incremental didChange that types `text` at `at`."""
        self._client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=text)
                ],
            )
        )

    def replace(self, uri: str, version: int, start: types.Position, end: types.Position, text: str) -> None:
        """An incremental didChange that replaces the range [start, end) with `text` (an edit at once,
        as a paste or a multi-cursor change sends it)."""
        self._client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end), text=text)
                ],
            )
        )

    async def next_edit(self, uri: str, at: types.Position, timeout: float) -> list[dict[str, Any]]:
        """The edits of a hushcode/nextEdit request at `at`, as plain data (LSP ranges and newText)."""
        params = {"textDocument": {"uri": uri}, "position": {"line": at.line, "character": at.character}}
        try:
            answer = await asyncio.wait_for(self._client.protocol.send_request_async(NEXT_EDIT, params), timeout)
        except TimeoutError as exc:
            raise BenchError(f"no answer to hushcode/nextEdit within {timeout:.0f} s") from exc
        except RuntimeError as exc:  # pygls fails pending requests when the server exits
            raise BenchError(f"the server stopped answering hushcode/nextEdit: {exc!r}") from exc
        edits = plain(answer).get("edits") if isinstance(plain(answer), dict) else None
        return [dict(edit) for edit in edits or []]

    def request(self, uri: str, at: types.Position, msg_id: str | None = None,
                trigger: str = AUTOMATIC) -> Future[Any]:
        """An inlineCompletion request (automatic: typing; invoked: the manual trigger); its answer
        (or error) arrives in the future."""
        future: Future[Any] = self._client.protocol.send_request(
            types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(uri, at, trigger), msg_id=msg_id
        )
        return future

    def cancel(self, msg_id: str) -> None:
        self._client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))

    def log_size(self) -> int:
        """Where the server's log ends now: what it writes from here on is about what comes next."""
        try:
            return self.log_file.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset: int) -> str:
        try:
            with self.log_file.open("rb") as handle:
                handle.seek(offset)
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def request_fields(self, offset: int) -> dict[str, Any]:
        """The log fields of the inline request answered since `offset` (see server_log)."""
        return server_log.last_inline_fields(self.log_since(offset))

    def first_pass(self) -> dict[str, Any] | None:
        """The server's own figures for its first indexing pass, once its log says it is over."""
        return server_log.first_pass(self.log_since(0))

    async def stop(self) -> None:
        """Shut the server down politely; kill it if it does not exit."""
        process = self._client._server
        with contextlib.suppress(Exception):
            if process is not None and process.returncode is None:
                await asyncio.wait_for(self._client.shutdown_async(None), 30)
                self._client.exit(None)
                await asyncio.wait_for(process.wait(), 30)
        if process is not None and process.returncode is None:
            process.kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._client.stop(), 30)  # type: ignore[no-untyped-call]
        if self._drain is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._drain, 5)
