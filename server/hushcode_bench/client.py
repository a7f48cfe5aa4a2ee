"""Drive the real ``hushcode serve`` over stdio with pygls's language client, as an editor would.

One ``BenchServer`` is one server process with one configuration (initializationOptions plus
environment). Tasks run one at a time: open the holed document, request inlineCompletion at the
cursor, time the answer, read the server's own figures from ``hushcode/getStatus``, close.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from hushcode import __version__
from hushcode.documents.positions import resolve_position
from hushcode.isolation import python_command

GET_STATUS = "hushcode/getStatus"


class BenchError(Exception):
    """The server could not be started or stopped answering; the message says why."""


@dataclass(frozen=True)
class Completion:
    """What the editor would show for one task."""

    text: str  # the hole's content in the completed document ("" for no suggestion)
    document: str  # the holed document with the suggestion applied
    latency_ms: float  # from sending the request to receiving the answer
    server: dict[str, Any] = field(default_factory=dict)  # hushcode/getStatus figures after it
    error: str | None = None
    idle_wait_ms: float = 0.0  # how long the server was still busy (e.g. prefetching) before the request


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


def apply_item(document: str, cursor: int, insert: str, start: int, end: int) -> tuple[str, str]:
    """Apply an item that replaces document[start:end]; return (completed document, hole content).

    The hole content is what stands between the text before the cursor and the text after it in
    the completed document (an item may re-insert a typed word, or replace an auto-closed bracket
    right of the cursor). When the item rewrites either side, the inserted text itself is used.
    """
    completed = document[:start] + insert + document[end:]
    prefix, suffix = document[:cursor], document[cursor:]
    if len(completed) >= len(document) and completed.startswith(prefix) and completed.endswith(suffix):
        return completed, completed[len(prefix) : len(completed) - len(suffix)]
    return completed, insert


class BenchServer:
    """One running ``hushcode serve`` with one configuration."""

    def __init__(self, options: dict[str, Any], env: dict[str, str], log_file: Path) -> None:
        self.options = options
        self.env = env
        self.log_file = log_file
        self.encoding = "utf-16"
        self.messages: list[str] = []
        self._client = LanguageClient("hushcode-bench", __version__)
        self._drain: asyncio.Task[None] | None = None
        self._register()

    def _register(self) -> None:
        # pygls's client decorator is unannotated; give it its real shape once
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

    async def start(self, root: Path, ready_timeout: float) -> dict[str, Any]:
        """Start and initialize the server; wait until its engine is ready; return its status."""
        # as an editor starts it: in the workspace (isolated, so its own folder's code is never imported)
        await self._client.start_io(
            *python_command("hushcode", "serve", "--log-file", str(self.log_file.resolve())), env=self.env,
            cwd=root,
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
                    root_uri=root.as_uri(),
                    workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
                    client_info=types.ClientInfo(name="hushcode-bench", version=__version__),
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

    async def status(self) -> dict[str, Any]:
        """The server's hushcode/getStatus answer as plain data."""
        result = await asyncio.wait_for(
            self._client.protocol.send_request_async(GET_STATUS, {"engineStats": False}), 30
        )
        return dict(plain(result))

    async def _wait_ready(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            current = await self.status()
            if current.get("state") == "ready":
                return current
            if current.get("state") == "error":
                raise BenchError(f"the server cannot complete: {current.get('message') or self.messages}")
            if time.monotonic() > deadline:
                raise BenchError(
                    f"the engine was not ready after {timeout:.0f} s (state {current.get('state')!r}; "
                    f"messages: {self.messages or 'none'})"
                )
            await asyncio.sleep(0.2)

    async def complete(
        self, uri: str, language: str, document: str, cursor: int, timeout: float
    ) -> Completion:
        """Open `document`, ask for an inline completion at `cursor` (a code point offset), close it.

        Each task is a user arriving at a new place after a pause: background work the server
        still does for the previous task (a speculative prefetch) is waited out first, so that it
        is not counted in this task's latency.
        """
        idle_wait_ms = await self._wait_idle(timeout)
        line = document.count("\n", 0, cursor)
        line_start = document.rfind("\n", 0, cursor) + 1
        here = types.Position(line=line, character=units(document[line_start:cursor], self.encoding))
        self._client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=document)
            )
        )
        started = time.perf_counter()
        error: str | None = None
        answer: types.InlineCompletionList | Sequence[types.InlineCompletionItem] | None = None
        try:
            answer = await asyncio.wait_for(
                self._client.text_document_inline_completion_async(
                    types.InlineCompletionParams(
                        text_document=types.TextDocumentIdentifier(uri=uri),
                        position=here,
                        context=types.InlineCompletionContext(
                            trigger_kind=types.InlineCompletionTriggerKind.Automatic
                        ),
                    )
                ),
                timeout,
            )
        except TimeoutError:
            error = f"no answer within {timeout:.0f} s"
        except RuntimeError as exc:  # pygls fails pending requests this way when the server exits
            raise BenchError(f"the server stopped: {exc}") from exc
        latency_ms = (time.perf_counter() - started) * 1000
        server = await self.status()
        self._client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        completed, text = self._apply(answer, document, cursor)
        return Completion(text, completed, latency_ms, server, error, idle_wait_ms)

    async def _wait_idle(self, timeout: float, quiet: float = 0.5) -> float:
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

    def _apply(self, answer: Any, document: str, cursor: int) -> tuple[str, str]:
        items = answer.items if isinstance(answer, types.InlineCompletionList) else (answer or [])
        if not items:
            return document, ""
        item = items[0]
        insert = item.insert_text if isinstance(item.insert_text, str) else item.insert_text.value
        start = end = cursor
        if item.range is not None:
            first = resolve_position(
                document, item.range.start.line, item.range.start.character, self.encoding
            )
            last = resolve_position(document, item.range.end.line, item.range.end.character, self.encoding)
            if first is not None and last is not None and first.offset <= cursor <= last.offset:
                start, end = first.offset, last.offset
        return apply_item(document, cursor, insert, start, end)

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
