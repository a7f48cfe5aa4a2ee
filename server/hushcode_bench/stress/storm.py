"""The typing storm of ``hushcode bench stress`` (and of tests/reliability/test_storm.py).

One ``hushcode serve`` (driven like an editor by the benchmarks' client) is measured twice:

1. **quiet**: the same typist re-types function bodies without the storm: keystrokes without
   requests and, at each line start, a second of idle time and one inlineCompletion request
   whose answer is awaited (up to QUIET_CAP_S), `quiet_requests` times;
2. **storm**: function bodies of real files are re-typed (the typist of ``typist``) at `cps`
   keystrokes per second, each keystroke a didChange plus an inlineCompletion request. At a
   keystroke the previous request, if still unanswered, is cancelled with $/cancelRequest
   (as VS Code does) with probability `cancel_fraction`; the rest are left to the server's
   own "newest request wins". At every `settle_every`-th line start the typist waits (at most
   `cap_s`, never past the end of the storm) for the answer before typing on, as a person
   glancing at the suggestion.

Meanwhile, every `sample_s`: the RSS of the server and of its engine, and the server's
queue figures (hushcode/getStatus: generations waiting for the engine, requests in flight).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import count, cycle
from pathlib import Path
from typing import Any

from hushcode_bench.client import REQUEST_CANCELLED, BenchClient
from hushcode_bench.processes import status_kb
from hushcode_bench.typist import TypingTask, keystrokes

QUIET_CAP_S = 120.0


@dataclass(frozen=True)
class StormPlan:
    """How the storm types and how it is watched: the flags of ``hushcode bench stress``."""

    duration_s: float = 600.0
    cps: float = 30.0  # keystrokes per second
    cancel_fraction: float = 0.8  # keystrokes that cancel the previous request while it is unanswered
    settle_every: int = 5  # the typist waits for the answer at every n-th line start...
    cap_s: float = 10.0  # ...for at most this long
    quiet_requests: int = 12  # timed one at a time before the storm
    warmup_s: float = 15.0  # storm time before the memory baseline is taken
    sample_s: float = 1.0  # how often RSS and the queue are sampled
    seed: int = 0  # chooses the cancellations


@dataclass
class StormRecord:
    quiet: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    keystrokes: int = 0
    typing_s: float = 0.0  # storm time spent typing (not waiting at a settle point)
    storm_s: float = 0.0
    status_start: dict[str, Any] = field(default_factory=dict)
    status_end: dict[str, Any] = field(default_factory=dict)
    engine_start: dict[str, Any] = field(default_factory=dict)
    engine_end: dict[str, Any] = field(default_factory=dict)
    server_exit: int | None = None
    error: str | None = None


def _track(future: Future[Any], entry: dict[str, Any], sent: float) -> None:
    """Record how and when a request was answered (runs in the client's loop as it arrives)."""

    def done(f: Future[Any]) -> None:
        entry["latency_ms"] = round((time.perf_counter() - sent) * 1000, 1)
        exc = None if f.cancelled() else f.exception()
        if f.cancelled():
            entry["outcome"] = "unanswered"
        elif exc is not None:
            code = getattr(exc, "code", None) or getattr(exc, "CODE", None)
            entry["outcome"] = "cancelled" if code == REQUEST_CANCELLED else "error"
            entry["error"] = f"{type(exc).__name__}: {exc}"[:200]
        else:
            entry["outcome"] = "answered"
            entry["items"] = len(getattr(f.result(), "items", None) or [])

    future.add_done_callback(done)


def _waitable(future: Future[Any]) -> asyncio.Future[Any]:
    """An asyncio view of a request's future whose error (a cancellation) counts as seen."""
    view = asyncio.wrap_future(future)
    view.add_done_callback(lambda f: f.cancelled() or f.exception())
    return view


async def _settle(future: Future[Any], cap_s: float) -> None:
    await asyncio.wait({_waitable(future)}, timeout=cap_s)


async def _quiet(client: BenchClient, tasks: list[TypingTask], plan: StormPlan, root: Path,
                 rec: StormRecord, say: Callable[[str], None]) -> None:
    """The same typist without the storm: keystrokes without requests, and at each line start a
    second of idle time, then one request whose answer is awaited (the storm's settle points,
    alone on the machine)."""
    for n, task in enumerate(cycle(tasks[::-1])):  # from the other end: the storm starts on fresh files
        uri = (root / f"quiet_{n}.py").as_uri()
        document, version = task.document, 1
        client.open(uri, document)
        for stroke in keystrokes(task.body, task.body_start):
            version += 1
            client.insert(uri, version, client.position(document, stroke.offset), stroke.text)
            document = document[: stroke.offset] + stroke.text + document[stroke.offset :]
            if not stroke.pause:
                continue
            await asyncio.sleep(1.0)  # idle: nothing else queued
            entry: dict[str, Any] = {"id": f"q{len(rec.quiet) + 1}"}
            sent = time.perf_counter()
            future = client.request(uri, client.position(document, stroke.offset + len(stroke.text)), entry["id"])
            _track(future, entry, sent)
            await _settle(future, QUIET_CAP_S)  # quiet means one request at a time: wait for it
            entry.setdefault("outcome", "unanswered")
            rec.quiet.append(entry)
            if len(rec.quiet) >= plan.quiet_requests:
                break
        client.close(uri)
        if len(rec.quiet) >= plan.quiet_requests:
            break
    answered = [q["latency_ms"] for q in rec.quiet if q["outcome"] == "answered"]
    say(f"quiet: {len(answered)}/{len(rec.quiet)} answered, times {answered} ms")


async def _sample(client: BenchClient, rec: StormRecord, started: float, plan: StormPlan) -> None:
    pids = {"server": client.pid, "engine": rec.status_start.get("enginePid")}
    while True:
        status: dict[str, Any] = {}
        with contextlib.suppress(Exception):
            status = await client.status(timeout=30)
        pids["engine"] = status.get("enginePid") or pids["engine"]
        rec.samples.append({
            "t_s": round(time.perf_counter() - started, 2), "server_kb": status_kb(pids["server"]),
            "engine_kb": status_kb(pids["engine"]), "engine_pid": pids["engine"],
            "queue": status.get("queueDepth"), "in_flight": status.get("inFlight"),
        })
        await asyncio.sleep(plan.sample_s)


async def _type(client: BenchClient, tasks: list[TypingTask], plan: StormPlan, root: Path,
                rec: StormRecord, started: float, flights: list[Future[Any]]) -> None:
    rng = random.Random(plan.seed)
    ids = count(1)
    pause_count = 0
    last: tuple[Future[Any], dict[str, Any]] | None = None
    deadline = started + plan.duration_s
    for n, task in enumerate(cycle(tasks)):
        uri = (root / f"storm_{n}.py").as_uri()
        document, version = task.document, 1
        client.open(uri, document)
        tick = time.perf_counter()
        for stroke in keystrokes(task.body, task.body_start):
            tick += 1 / plan.cps
            now = time.perf_counter()
            if now >= deadline:
                client.close(uri)
                return
            await asyncio.sleep(max(0.0, tick - now))
            tick = max(tick, time.perf_counter() - 0.5)  # a late tick is not made up in a burst
            at = client.position(document, stroke.offset)
            version += 1
            client.insert(uri, version, at, stroke.text)
            document = document[: stroke.offset] + stroke.text + document[stroke.offset :]
            rec.keystrokes += 1
            if last is not None and not last[0].done() and rng.random() < plan.cancel_fraction:
                client.cancel(last[1]["id"])
            entry: dict[str, Any] = {"id": f"s{next(ids)}", "t_s": round(time.perf_counter() - started, 3),
                                     "settle": False}
            sent = time.perf_counter()
            future = client.request(uri, client.position(document, stroke.offset + len(stroke.text)), entry["id"])
            _track(future, entry, sent)
            rec.requests.append(entry)
            flights.append(future)
            last = (future, entry)
            if stroke.pause:
                pause_count += 1
                if pause_count % plan.settle_every == 0:
                    entry["settle"] = True
                    waited = time.perf_counter()
                    await _settle(future, max(0.0, min(plan.cap_s, deadline - waited)))
                    rec.typing_s -= time.perf_counter() - waited
                    tick = time.perf_counter()
        client.close(uri)


async def run_storm(client: BenchClient, tasks: list[TypingTask], plan: StormPlan, root: Path,
                    say: Callable[[str], None]) -> StormRecord:
    """The quiet phase, then the storm, on a started `client`; the client is left running."""
    rec = StormRecord()
    rec.status_start = await client.status()
    await _quiet(client, tasks, plan, root, rec, say)
    rec.engine_start = (await client.status(engine_stats=True)).get("engine") or {}
    started = time.perf_counter()
    sampler = asyncio.create_task(_sample(client, rec, started, plan))
    flights: list[Future[Any]] = []
    try:
        await _type(client, tasks, plan, root, rec, started, flights)
        rec.storm_s = time.perf_counter() - started
        rec.typing_s += rec.storm_s
        say(f"storm: {rec.keystrokes} keystrokes in {rec.storm_s:.0f} s; waiting for the last answers")
        pending = [_waitable(f) for f in flights if not f.done()]
        if pending:
            await asyncio.wait(pending, timeout=plan.cap_s + 30)
    finally:
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
    for entry in rec.requests + rec.quiet:
        entry.setdefault("outcome", "unanswered")
    rec.server_exit = client.exit_code
    if rec.server_exit is None:
        last = await client.status(engine_stats=True)
        rec.engine_end = last.pop("engine", None) or {}
        rec.status_end = last
    return rec
