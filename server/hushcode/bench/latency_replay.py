"""Replay a typist through the real ``hushcode serve`` over stdio, driven like VS Code.

Per keystroke: ``$/cancelRequest`` for the previous request if it is still pending, an
incremental ``didChange``, then an automatic ``textDocument/inlineCompletion`` for the new cursor.
After an Enter that starts a line with something to type, the typist pauses: they wait for the
answer (up to a cap), then at least the pause, then type on. Requests are numbered 1, 2, ... in
the order sent; the server names the n-th one ``i<n>`` in its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from hushcode import __version__
from hushcode.bench.client import plain, units
from hushcode.bench.latency_script import Keystroke, TypingTask, keystrokes, would_accept
from hushcode.documents.positions import resolve_position

GET_STATUS = "hushcode/getStatus"
_CANCELLED = -32800  # RequestCancelled


class ReplayError(Exception):
    """The server could not be started or stopped answering; the message says why."""


@dataclass(frozen=True)
class Pace:
    """How the typist types."""

    cps: float = 8.0  # characters per second
    pause_s: float = 1.5  # the pause after an Enter
    cap_s: float = 20.0  # the longest wait for the answer at a pause
    open_idle_s: float = 1.0  # idle time between opening a document and the first keystroke


@dataclass
class Recording:
    """Everything the replay saw; records are plain dicts (see ``latency_stats``)."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    pauses: list[dict[str, Any]] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)  # document and cursor at each pause
    started: float = field(default_factory=time.perf_counter)


class Driver:
    """One ``hushcode serve`` process and the client side of its protocol."""

    def __init__(self, options: dict[str, Any], env: dict[str, str], log_file: Path) -> None:
        self.options, self.env, self.log_file = options, env, log_file
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
            sys.executable,
            "-m",
            "hushcode",
            "serve",
            "--log-file",
            str(self.log_file),
            "--log-level",
            "INFO",
            env=self.env,
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


def suggestion_text(answer: Any, document: str, cursor: int, encoding: str) -> str:
    """The text the first item adds at the cursor ("" for none)."""
    items = answer.items if isinstance(answer, types.InlineCompletionList) else (answer or [])
    if not items:
        return ""
    item = items[0]
    text = item.insert_text if isinstance(item.insert_text, str) else item.insert_text.value
    if item.range is not None:
        start = resolve_position(document, item.range.start.line, item.range.start.character, encoding)
        if start is not None and start.offset < cursor and text.startswith(document[start.offset : cursor]):
            text = text[cursor - start.offset :]  # the item re-inserts what was typed
    return text


def _settle(
    record: dict[str, Any],
    future: Future[Any],
    t0: float,
    document: str,
    cursor: int,
    stroke: Keystroke,
    encoding: str,
) -> None:
    """Done-callback of a request: when, and what came back."""
    record["done_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    exc = future.exception()
    if exc is not None:
        record["outcome"] = "cancelled" if getattr(exc, "code", None) == _CANCELLED else "error"
        record["error"] = str(exc)[:200]
        return
    text = suggestion_text(future.result(), document, cursor, encoding)
    record["outcome"] = "suggestion" if text.strip() else "empty"
    if text.strip():
        record["suggestion"] = text[:400]
        record["would_accept"] = would_accept(text, stroke.line_rest)


async def _wait(done: asyncio.Event, timeout: float) -> bool:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(done.wait(), max(timeout, 0))
    return done.is_set()


async def replay_task(
    driver: Driver,
    task: TypingTask,
    index: int,
    root: Path,
    pace: Pace,
    rec: Recording,
    deadline: float | None = None,
) -> bool:
    """Type one function's body; False when `deadline` (monotonic) stopped it early."""
    uri = (root / f"{index:03d}-{Path(task.path).name}").as_uri()
    document, version = task.document, 1
    driver.open(uri, document)
    await asyncio.sleep(pace.open_idle_s)
    pending: tuple[str, Future[Any], asyncio.Event] | None = None
    finished = True
    next_at = time.perf_counter()
    for stroke in keystrokes(task.body, task.body_start):
        if deadline is not None and time.monotonic() > deadline:
            finished = False
            break
        await asyncio.sleep(max(next_at - time.perf_counter(), 0))
        if pending is not None and not pending[1].done():
            driver.cancel(pending[0])
            rec.requests[-1]["cancelled_by_client"] = True
        t0 = time.perf_counter()
        version += 1
        driver.insert(uri, version, driver.position(document, stroke.offset), stroke.text)
        document = document[: stroke.offset] + stroke.text + document[stroke.offset :]
        cursor = stroke.offset + len(stroke.text)
        here = driver.position(document, cursor)
        n = len(rec.requests) + 1
        record: dict[str, Any] = {
            "n": n,
            "function": index,
            "kind": "enter" if stroke.enter else "char",
            "pause": stroke.pause,
            "line": here.line,
            "character": here.character,
            "sent_s": round(t0 - rec.started, 3),
            "done_ms": None,
            "outcome": "unanswered",
            "would_accept": None,
            "log": None,
        }
        rec.requests.append(record)
        future = driver.request(uri, here, f"latency-{n}")
        done = asyncio.Event()
        snapshot = document

        def settle(
            f: Future[Any],
            r: dict[str, Any] = record,
            t: float = t0,
            d: str = snapshot,
            c: int = cursor,
            s: Keystroke = stroke,
            e: asyncio.Event = done,
        ) -> None:
            try:
                _settle(r, f, t, d, c, s, driver.encoding)
            except Exception as exc:  # noqa: BLE001 -- never leave the typist waiting on a bad answer
                r["outcome"], r["error"] = "error", repr(exc)[:200]
            finally:
                e.set()

        future.add_done_callback(settle)
        pending = (f"latency-{n}", future, done)
        if stroke.pause:
            answered = await _wait(done, pace.cap_s)
            if not answered:
                record["outcome"] = "timeout"
            rec.pauses.append(
                {
                    "pause": len(rec.pauses),
                    "function": index,
                    "request": n,
                    "line": here.line,
                    "keystroke_s": record["sent_s"],
                    "outcome": record["outcome"],
                    "response_ms": record["done_ms"] if answered else None,
                    "tts_ms": record["done_ms"] if record["outcome"] == "suggestion" else None,
                    "suggestion": record.get("suggestion", ""),
                    "expected": stroke.line_rest,
                    "would_accept": bool(record.get("would_accept")),
                }
            )
            rec.states.append({"document": document, "cursor": cursor, "line_rest": stroke.line_rest})
            next_at = max(t0 + pace.pause_s, time.perf_counter())
        else:
            next_at = max(next_at + 1 / pace.cps, t0)
    if pending is not None:
        await _wait(pending[2], pace.cap_s)  # let the last answer (and its log line) land
    driver.close(uri)
    return finished
