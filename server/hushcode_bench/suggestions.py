"""One suggestion asked for and read as the editor would show it.

``complete`` is a user arriving at a hole: open the document, ask for an inline completion at the
cursor, time the answer, read the server's own figures, close it. ``ask_task`` does that for a
task cut from a file. ``apply_item`` and ``added_text`` read the first item of an answer, which
may replace text around the cursor (a re-inserted typed word, an auto-closed bracket).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types

from hushcode.documents.positions import resolve_position
from hushcode_bench.client import AUTOMATIC, BenchClient, BenchError
from hushcode_bench.holes import Task
from hushcode_bench.placement import base_kind


@dataclass(frozen=True)
class Completion:
    """What the editor would show for one task."""

    text: str  # the hole's content in the completed document ("" for no suggestion)
    document: str  # the holed document with the suggestion applied
    latency_ms: float  # from sending the request to receiving the answer
    server: dict[str, Any] = field(default_factory=dict)  # hushcode/getStatus figures after it
    error: str | None = None
    idle_wait_ms: float = 0.0  # how long the server was still busy (e.g. prefetching) before the request
    # a blank line's greedy line answered first, and its ranked line shown after (completion/later.py):
    # when the editor, told to ask again, had it, from sending the first request; None otherwise
    replaced_ms: float | None = None


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


def first_item(answer: Any, document: str, encoding: str) -> tuple[str, int | None, int | None] | None:
    """The first item of an inlineCompletion answer: its text and the code point offsets of the
    range it replaces (None where it gives none, or a position outside the document)."""
    items = answer.items if isinstance(answer, types.InlineCompletionList) else (answer or [])
    if not items:
        return None
    item = items[0]
    text = item.insert_text if isinstance(item.insert_text, str) else item.insert_text.value
    if item.range is None:
        return text, None, None
    first = resolve_position(document, item.range.start.line, item.range.start.character, encoding)
    last = resolve_position(document, item.range.end.line, item.range.end.character, encoding)
    return text, None if first is None else first.offset, None if last is None else last.offset


def applied(answer: Any, document: str, cursor: int, encoding: str) -> tuple[str, str]:
    """(completed document, hole content) with the answer's first item applied at `cursor`."""
    item = first_item(answer, document, encoding)
    if item is None:
        return document, ""
    insert, start, end = item
    if start is None or end is None or not start <= cursor <= end:
        start = end = cursor
    return apply_item(document, cursor, insert, start, end)


def added_text(answer: Any, document: str, cursor: int, encoding: str) -> str:
    """The text the first item adds at the cursor ("" for none)."""
    item = first_item(answer, document, encoding)
    if item is None:
        return ""
    text, start, _ = item
    if start is not None and start < cursor and text.startswith(document[start:cursor]):
        text = text[cursor - start :]  # the item re-inserts what was typed
    return text


async def complete(
    client: BenchClient, uri: str, language: str, document: str, cursor: int, timeout: float,
    trigger: str = AUTOMATIC,
) -> Completion:
    """Open `document`, ask for an inline completion at `cursor` (a code point offset), close it.

    `trigger` says how the request is triggered (client.TRIGGERS); the first item is the answer,
    as the editor shows it first (a manual trigger may answer several to cycle through).

    Each task is a user arriving at a new place after a pause: background work the server
    still does for the previous task (a speculative prefetch) is waited out first, so that it
    is not counted in this task's latency.

    Where the server answered a blank line's greedy line first and its ranking chose another
    line, it tells the editor to ask again (hushcode/askAgain); the user, still at the hole, sees
    that line: the answer is the one asked again (`replaced_ms` says when it came).
    """
    idle_wait_ms = await client.wait_idle(timeout)
    here = client.position(document, cursor)
    client.open(uri, document, language)
    client.ask_again(uri).clear()
    offset = client.log_size()
    started = time.perf_counter()
    answer, error = await _answer(client, uri, here, trigger, timeout)
    latency_ms = (time.perf_counter() - started) * 1000
    replaced_ms = None
    if error is None and client.request_fields(offset).get("later") \
            and await client.ranked_later(uri, offset, timeout):
        again, error_again = await _answer(client, uri, here, AUTOMATIC, timeout)
        if error_again is None and again is not None:
            answer, replaced_ms = again, round((time.perf_counter() - started) * 1000, 1)
    server = await client.status()
    client.close(uri)
    completed, text = applied(answer, document, cursor, client.encoding)
    return Completion(text, completed, latency_ms, server, error, idle_wait_ms, replaced_ms)


async def _answer(client: BenchClient, uri: str, here: Any, trigger: str, timeout: float) -> tuple[Any, str | None]:
    """One inline request's answer, or the error that stands for it."""
    try:
        return await asyncio.wait_for(asyncio.wrap_future(client.request(uri, here, trigger=trigger)), timeout), None
    except TimeoutError:
        return None, f"no answer within {timeout:.0f} s"
    except RuntimeError as exc:  # pygls fails pending requests this way when the server exits
        raise BenchError(f"the server stopped: {exc}") from exc


@dataclass(frozen=True)
class TaskAnswer:
    """A task's suggestion as scored: `got` fills the hole in `completed`."""

    done: Completion
    got: str
    completed: str

    def record(self, server_keys: tuple[str, ...], **extra: Any) -> dict[str, Any]:
        """The answer as the results store it, with `extra` fields and the server's figures."""
        return {
            "got": self.got,
            "suggestion": self.done.text,
            "latency_ms": round(self.done.latency_ms, 1),
            "idle_wait_ms": self.done.idle_wait_ms,
            "replaced_ms": self.done.replaced_ms,
            "error": self.done.error,
            **extra,
            "server": {k: self.done.server.get(k) for k in server_keys},
        }


async def ask_task(
    client: BenchClient, base: Path, task: Task, text: str, timeout: float, first_line: bool = False,
    trigger: str = AUTOMATIC,
) -> TaskAnswer:
    """The suggestion at a task's hole in `text` (the file's original text; `base` its root).

    A line task (at either placement, or any task with `first_line`) counts the suggestion's first
    line only.
    """
    document = task.document(text)
    done = await complete(client, (base / task.path).resolve().as_uri(), task.language, document, task.start,
                          timeout, trigger)
    got, completed = done.text, done.document
    if first_line or base_kind(task.kind) == "line":
        got = got.split("\n", 1)[0]
        completed = document[: task.start] + got + document[task.start :]
    return TaskAnswer(done, got, completed)
