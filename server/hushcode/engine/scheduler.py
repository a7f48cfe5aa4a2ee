"""Newest request wins: one ticket table, and the one-at-a-time generation slot of every engine.

Each key (a document's URI) has a counter. A new request takes the next ticket; anything holding an
older ticket for that key learns it is obsolete and gives up (a debounce sleep, a generation that
waits for the engine, a running one that is told to stop).

`Scheduler` is how an engine runs generations, written once for the local and the remote engines:
an engine says only how to run one generation and how to stop a running one (a cancel message on
the pipe, closing an HTTP stream).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

_WAITS_POLL_S = 0.05  # how often waiting background work looks at the slot


class Tickets:
    """The newest ticket per key."""

    def __init__(self) -> None:
        self._newest: dict[str, int] = {}
        self._counter = 0

    def take(self, key: str) -> int:
        """A new ticket for `key`: every older one is obsolete from now on."""
        self._counter += 1
        self._newest[key] = self._counter
        return self._counter

    def newest(self, key: str, ticket: int) -> bool:
        """Is `ticket` still the newest for `key`?"""
        return self._newest.get(key) == ticket

    def holds(self, key: str) -> bool:
        """Has `key` a ticket that is not yet released?"""
        return key in self._newest

    def release(self, key: str, ticket: int) -> None:
        """The request with `ticket` is done: forget it, unless a newer one came."""
        if self._newest.get(key) == ticket:
            del self._newest[key]

    def forget(self, key: str) -> None:
        """The key is gone (a closed document)."""
        self._newest.pop(key, None)


@dataclass
class Job:
    """One generation in the slot: the id the engine knows it by, whose it is, and its task."""

    id: int
    document: str
    speculative: bool
    task: asyncio.Task[Any] = field(init=False, repr=False)


class Scheduler:
    """One generation at a time. A request of a document stops the running generation of that
    document, or any speculative one, and waits for the slot; a request superseded while it waits
    is dropped without running. Speculative work never waits: it yields to any real request."""

    def __init__(self, stop: Callable[[Job], object], ids: Iterator[int] | None = None, grace_s: float = 5.0) -> None:
        """`stop` asks a running job to end soon and returns at once; `ids` numbers the jobs (an
        engine whose other requests share the numbering passes its own); `grace_s` is how long a
        cancelled request holds the slot while its job stops."""
        self._stop = stop
        self._ids = ids if ids is not None else itertools.count(1)
        self._grace_s = grace_s
        self._slot = asyncio.Lock()
        self.tickets = Tickets()
        self.running: Job | None = None
        self.waiting = 0  # requests waiting for the slot now (the queue)...
        self.max_waiting = 0  # ...and the most that ever waited
        self.superseded = 0  # running jobs stopped because a newer request came
        self.cancelled = 0  # running jobs stopped because their request was cancelled ($/cancelRequest)

    def preempt(self) -> None:
        """Real work is coming (its prompt is being tokenized): stop speculative work now."""
        if self.running is not None and self.running.speculative:
            self._stop(self.running)

    def stop_running(self) -> None:
        """The engine stops: end the running job."""
        if self.running is not None:
            self._stop(self.running)

    async def run(self, document: str, speculative: bool,
                  work: Callable[[Job], Coroutine[Any, Any, T | None]], waits: bool = False) -> T | None:
        """`work(job)` in the slot, when its turn comes; None when it yields or is superseded.
        Cancelling this call stops the job, and the slot is held until the job has stopped (or
        `grace_s` passed), so that two generations never overlap in the engine. Speculative work
        that `waits` (a next edit the user asked for) waits until no real request runs or waits,
        stopping other speculative work, instead of yielding at once."""
        if speculative and waits:
            await self._real_work_done()
        if speculative and self._slot.locked():
            return None  # real work is running or waiting: speculation yields
        job = Job(next(self._ids), document, speculative)
        ticket = None if speculative else self.tickets.take(document)
        if ticket is not None:
            self._supersede(document)
        try:
            await self._acquire()
            try:
                if ticket is not None and not self.tickets.newest(document, ticket):
                    return None  # superseded while waiting
                return await self._run(job, work)
            finally:
                self._slot.release()
        finally:
            if ticket is not None:
                self.tickets.release(document, ticket)

    async def _real_work_done(self) -> None:
        """Until the slot is free of real work (none running, none waiting): speculative work that
        holds it is stopped. Polled: a real request that comes meanwhile keeps it waiting."""
        while self._slot.locked():
            running = self.running
            if running is not None and running.speculative:
                self._stop(running)
            await asyncio.sleep(_WAITS_POLL_S)

    def _supersede(self, document: str) -> None:
        running = self.running
        if running is not None and (running.document == document or running.speculative):
            self.superseded += 1
            self._stop(running)

    async def _acquire(self) -> None:
        self.waiting += 1
        self.max_waiting = max(self.max_waiting, self.waiting)
        try:
            await self._slot.acquire()
        finally:
            self.waiting -= 1

    async def _run(self, job: Job, work: Callable[[Job], Coroutine[Any, Any, T | None]]) -> T | None:
        job.task = task = asyncio.get_running_loop().create_task(work(job), name=f"generate-{job.id}")
        self.running = job
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            self.cancelled += 1
            self._stop(job)
            with contextlib.suppress(BaseException):
                await asyncio.wait({task}, timeout=self._grace_s)
            task.cancel()
            raise
        finally:
            self.running = None
        return None if task.cancelled() else task.result()


class Queued:
    """The queue figures of an engine that runs its generations through `self.scheduler`."""

    scheduler: Scheduler

    @property
    def waiting(self) -> int:
        """Generations waiting for the engine now."""
        return self.scheduler.waiting

    @property
    def max_waiting(self) -> int:
        """The most generations that ever waited at once."""
        return self.scheduler.max_waiting
