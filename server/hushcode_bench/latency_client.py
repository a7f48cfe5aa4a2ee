"""The client side of one ``hushcode serve`` process, for the latency benchmark.

Thin wrappers over pygls's language client: start and initialize the server (asking for UTF-8
positions), wait for its engine, and send the few messages an editor sends while typing:
``didOpen``, incremental ``didChange``, ``inlineCompletion`` with a known id, ``$/cancelRequest``,
``didClose``, plus ``hushcode/getStatus``. The server's stderr is copied next to its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, cast

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from hushcode import __version__
from hushcode.isolation import python_command
from hushcode_bench.client import plain, units

GET_STATUS = "hushcode/getStatus"


class ReplayError(Exception):
    """The server could not be started or stopped answering; the message says why."""


class Driver:
    """One ``hushcode serve`` process and the client side of its protocol."""

    def __init__(self, options: dict[str, Any], env: dict[str, str], log_file: Path,
                 prefix: list[str] | None = None) -> None:
        self.options, self.env, self.log_file = options, env, log_file
        self.prefix = prefix or []  # e.g. nsenter into a test's network namespace
        self.encoding = "utf-16"
        self.messages: list[str] = []
        self.client = LanguageClient("hushcode-bench-latency", __version__)
        self._drain: asyncio.Task[None] | None = None

        # pygls's client decorator is unannotated; give it its real shape once
        feature = cast(Callable[[str], Callable[[Callable[..., None]], Any]], self.client.feature)

        @feature(types.WINDOW_SHOW_MESSAGE)
        def on_message(params: types.ShowMessageParams) -> None:
            self.messages.append(params.message)

        @feature(types.WINDOW_LOG_MESSAGE)
        def on_log(params: types.LogMessageParams) -> None:
            pass

        @feature("hushcode/status")
        def on_status(params: Any) -> None:
            pass

    @property
    def pid(self) -> int | None:
        process = self.client._server
        return process.pid if process is not None else None

    async def start(self, root: Path, ready_timeout: float) -> dict[str, Any]:
        """Start the server, initialize it, and wait until its engine is ready."""
        await self.client.start_io(
            *self.prefix,
            *python_command("hushcode", "serve", "--log-file", str(self.log_file.resolve()), "--log-level", "INFO"),
            env=self.env,
            cwd=root,  # as an editor starts it; isolated, so the workspace's own code is never imported
        )
        process = self.client._server
        if process is not None and process.stderr is not None:
            self._drain = asyncio.create_task(self._copy_stderr(process.stderr))
        caps = types.ClientCapabilities(
            general=types.GeneralClientCapabilities(position_encodings=["utf-8", "utf-16"]),
            text_document=types.TextDocumentClientCapabilities(
                synchronization=types.TextDocumentSyncClientCapabilities(),
                inline_completion=types.InlineCompletionClientCapabilities(dynamic_registration=False),
            ),
        )
        result = await asyncio.wait_for(
            self.client.initialize_async(
                types.InitializeParams(
                    capabilities=caps,
                    initialization_options=self.options,
                    root_uri=root.as_uri(),
                    workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
                    client_info=types.ClientInfo(name="hushcode-bench-latency", version=__version__),
                )
            ),
            60,
        )
        encoding = result.capabilities.position_encoding
        self.encoding = str(getattr(encoding, "value", encoding or "utf-16"))
        self.client.initialized(types.InitializedParams())
        deadline = time.monotonic() + ready_timeout
        while True:
            current = await self.status()
            if current.get("state") == "ready":
                return current
            if current.get("state") in ("error", "failed", "stopped") and current.get("message"):
                raise ReplayError(f"the engine is {current['state']}: {current['message']}")
            if time.monotonic() > deadline:
                raise ReplayError(
                    f"the engine was not ready after {ready_timeout:.0f} s "
                    f"(state {current.get('state')!r}; messages: {self.messages or 'none'})"
                )
            await asyncio.sleep(0.2)

    async def _copy_stderr(self, stream: asyncio.StreamReader) -> None:
        with self.log_file.with_suffix(".stderr").open("ab") as out:
            while chunk := await stream.read(65536):
                out.write(chunk)

    async def status(self, engine_stats: bool = False, timeout: float = 60) -> dict[str, Any]:
        """The server's hushcode/getStatus answer as plain data."""
        try:
            result = await asyncio.wait_for(
                self.client.protocol.send_request_async(GET_STATUS, {"engineStats": engine_stats}), timeout
            )
        except (TimeoutError, RuntimeError) as exc:
            raise ReplayError(f"the server stopped answering hushcode/getStatus: {exc!r}") from exc
        return dict(plain(result))

    def open(self, uri: str, text: str) -> None:
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
            )
        )

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    def position(self, document: str, offset: int) -> types.Position:
        line_start = document.rfind("\n", 0, offset) + 1
        return types.Position(
            line=document.count("\n", 0, offset), character=units(document[line_start:offset], self.encoding)
        )

    def insert(self, uri: str, version: int, at: types.Position, text: str) -> None:
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text=text)
                ],
            )
        )

    def request(self, uri: str, at: types.Position, msg_id: str) -> Future[Any]:
        future: Future[Any] = self.client.protocol.send_request(
            types.TEXT_DOCUMENT_INLINE_COMPLETION,
            types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=at,
                context=types.InlineCompletionContext(
                    trigger_kind=types.InlineCompletionTriggerKind.Automatic
                ),
            ),
            msg_id=msg_id,
        )
        return future

    def cancel(self, msg_id: str) -> None:
        self.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))

    async def stop(self) -> None:
        """Shut the server down politely; kill it if it does not exit."""
        process = self.client._server
        with contextlib.suppress(Exception):
            if process is not None and process.returncode is None:
                await asyncio.wait_for(self.client.shutdown_async(None), 30)
                self.client.exit(None)
                await asyncio.wait_for(process.wait(), 30)
        if process is not None and process.returncode is None:
            process.kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.stop(), 30)  # type: ignore[no-untyped-call]
        if self._drain is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._drain, 5)
