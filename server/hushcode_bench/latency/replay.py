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
        here = client.position(document, cursor)
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
        future = client.request(uri, here, f"latency-{n}")
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
                _settle(r, f, t, d, c, s, client.encoding)
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
    client.close(uri)
    return finished
