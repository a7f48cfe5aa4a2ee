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
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hushcode_bench.client import REQUEST_CANCELLED, BenchClient
from hushcode_bench.suggestions import added_text
from hushcode_bench.typist import Keystroke, TypingTask, keystrokes, would_accept


@dataclass(frozen=True)
class Pace:
    """How the typist types."""

    cps: float = 8.0  # characters per second
    pause_s: float = 1.5  # the pause after an Enter
    cap_s: float = 20.0  # the longest wait for the answer at a pause
    open_idle_s: float = 1.0  # idle time between opening a document and the first keystroke


@dataclass
class Recording:
    """Everything the replay saw; records are plain dicts (see ``latency.summary``)."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    pauses: list[dict[str, Any]] = field(default_factory=list)
    states: list[dict[str, Any]] = field(default_factory=list)  # document and cursor at each pause
    started: float = field(default_factory=time.perf_counter)


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
        record["outcome"] = "cancelled" if getattr(exc, "code", None) == REQUEST_CANCELLED else "error"
        record["error"] = str(exc)[:200]
        return
    text = added_text(future.result(), document, cursor, encoding)
    record["outcome"] = "suggestion" if text.strip() else "empty"
    if text.strip():
        record["suggestion"] = text[:400]
        record["would_accept"] = would_accept(text, stroke.line_rest)


async def _wait(done: asyncio.Event, timeout: float) -> bool:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(done.wait(), max(timeout, 0))
    return done.is_set()


def _ask(client: BenchClient, uri: str, rec: Recording, index: int, stroke: Keystroke, document: str, cursor: int,
         t0: float, kind: str) -> tuple[dict[str, Any], Future[Any], asyncio.Event]:
    """Send the automatic request for `cursor` (numbered in sending order, as the server numbers
    them); its record, its future and the event set once it is settled."""
    here = client.position(document, cursor)
    n = len(rec.requests) + 1
    record: dict[str, Any] = {
        "n": n,
        "function": index,
        "kind": kind,
        "pause": stroke.pause and kind != "again",
        "line": here.line,
        "character": here.character,
        "sent_s": round(t0 - rec.started, 3),
        "done_ms": None,
        "outcome": "unanswered",
        "would_accept": None,
        "log": None,
    }
    rec.requests.append(record)
    future = client.request(uri, here, f"latency-{n}")
    done = asyncio.Event()

    def settle(f: Future[Any]) -> None:
        try:
            _settle(record, f, t0, document, cursor, stroke, client.encoding)
        except Exception as exc:  # noqa: BLE001 -- never leave the typist waiting on a bad answer
            record["outcome"], record["error"] = "error", repr(exc)[:200]
        finally:
            done.set()

    future.add_done_callback(settle)
    return record, future, done


async def _while_paused(client: BenchClient, uri: str, rec: Recording, index: int, stroke: Keystroke, document: str,
                        cursor: int, t0: float, until: float, pause: dict[str, Any]) \
        -> tuple[str, Future[Any], asyncio.Event] | None:
    """Until the typist resumes (`until`, perf_counter): when the server says to ask again (a blank
    line's ranked line replaces the one shown: hushcode/askAgain), ask at the same cursor as the
    editors do; an answer that lands before the typist resumes is what they see (`replaced`)."""
    asked = client.ask_again(uri)
    if not await _wait(asked, until - time.perf_counter()):
        return None
    asked.clear()
    record, future, done = _ask(client, uri, rec, index, stroke, document, cursor, time.perf_counter(), "again")
    pause["asked_again_ms"] = round((record["sent_s"] + rec.started - t0) * 1000, 1)
    if await _wait(done, until - time.perf_counter()) and record["outcome"] == "suggestion":
        pause["first_suggestion"], pause["first_would_accept"] = pause["suggestion"], pause["would_accept"]
        pause["suggestion"], pause["would_accept"] = record["suggestion"], bool(record.get("would_accept"))
        pause["replaced_ms"] = round((record["sent_s"] + rec.started - t0) * 1000 + record["done_ms"], 1)
    return f"latency-{record['n']}", future, done


async def replay_task(
    client: BenchClient,
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
    client.open(uri, document)
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
            client.cancel(pending[0])
            rec.requests[-1]["cancelled_by_client"] = True
        t0 = time.perf_counter()
        version += 1
        client.insert(uri, version, client.position(document, stroke.offset), stroke.text)
        document = document[: stroke.offset] + stroke.text + document[stroke.offset :]
        cursor = stroke.offset + len(stroke.text)
        client.ask_again(uri).clear()  # a keystroke: an older "ask again" is moot
        record, future, done = _ask(client, uri, rec, index, stroke, document, cursor, t0, "enter" if stroke.enter
                                    else "char")
        pending = (f"latency-{len(rec.requests)}", future, done)
        if stroke.pause:
            answered = await _wait(done, pace.cap_s)
            if not answered:
                record["outcome"] = "timeout"
            here = client.position(document, cursor)
            pause = {
                "pause": len(rec.pauses),
                "function": index,
                "request": record["n"],
                "line": here.line,
                "keystroke_s": record["sent_s"],
                "outcome": record["outcome"],
                "response_ms": record["done_ms"] if answered else None,
                "tts_ms": record["done_ms"] if record["outcome"] == "suggestion" else None,
                "suggestion": record.get("suggestion", ""),
                "expected": stroke.line_rest,
                "would_accept": bool(record.get("would_accept")),
            }
            rec.pauses.append(pause)
            rec.states.append({"document": document, "cursor": cursor, "line_rest": stroke.line_rest})
            next_at = max(t0 + pace.pause_s, time.perf_counter())
            pending = await _while_paused(client, uri, rec, index, stroke, document, cursor, t0, next_at, pause) \
                or pending
            next_at = max(next_at, time.perf_counter())
        else:
            next_at = max(next_at + 1 / pace.cps, t0)
    if pending is not None:
        await _wait(pending[2], pace.cap_s)  # let the last answer (and its log line) land
    client.close(uri)
    return finished
