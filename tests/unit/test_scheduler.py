"""Newest request wins, as every engine runs its generations (engine/scheduler.py)."""

from __future__ import annotations

import asyncio

from hushcode.engine.scheduler import Job, Scheduler


class Work:
    """Jobs that run until told to stop (or released), like a generation in an engine."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.stopped: list[int] = []
        self.overlap = 0
        self._running = 0
        self._release: dict[int, asyncio.Event] = {}
        self.scheduler = Scheduler(self.stop, grace_s=1.0)

    def stop(self, job: Job) -> None:
        self.stopped.append(job.id)
        self._release.setdefault(job.id, asyncio.Event()).set()

    def release(self, job_id: int) -> None:
        self._release.setdefault(job_id, asyncio.Event()).set()

    async def job(self, job: Job) -> str:
        self.started.append(job.id)
        self._running += 1
        self.overlap = max(self.overlap, self._running)
        try:
            await self._release.setdefault(job.id, asyncio.Event()).wait()
        finally:
            self._running -= 1
        return f"{job.document}#{job.id}" + (" (stopped)" if job.id in self.stopped else "")

    def run(self, document: str, speculative: bool = False, waits: bool = False) -> asyncio.Task[str | None]:
        return asyncio.create_task(self.scheduler.run(document, speculative, self.job, waits))


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_newer_request_stops_the_running_one_of_its_document() -> None:
    work = Work()
    first = work.run("a.py")
    await settle()
    second = work.run("a.py")
    await settle()
    assert await first == "a.py#1 (stopped)"  # the engine's partial answer still comes back
    await settle()
    work.release(2)
    assert await second == "a.py#2"
    assert work.stopped == [1] and work.scheduler.superseded == 1 and work.overlap == 1


async def test_a_waiting_request_superseded_before_its_turn_never_runs() -> None:
    work = Work()
    other = work.run("b.py")  # runs; a.py's requests wait for the slot (another document is not stopped)
    await settle()
    older, newer = work.run("a.py"), None
    await settle()
    assert work.scheduler.waiting == 1
    newer = work.run("a.py")
    await settle()
    assert work.scheduler.waiting == 2 and work.scheduler.max_waiting == 2
    work.release(1)
    assert await other == "b.py#1"
    assert await older is None  # dropped without running
    await settle()
    work.release(3)
    assert await newer == "a.py#3"
    assert work.started == [1, 3] and work.stopped == [] and work.scheduler.waiting == 0
    assert not work.scheduler.tickets.holds("a.py")


async def test_speculative_work_yields_and_never_waits() -> None:
    work = Work()
    real = work.run("a.py")
    await settle()
    assert await work.run("b.py", speculative=True) is None  # the slot is busy: no waiting
    work.release(1)
    await real
    speculative = work.run("b.py", speculative=True)
    await settle()
    work.scheduler.preempt()  # a real request is tokenizing its prompt
    assert await speculative == "b.py#2 (stopped)"
    speculative = work.run("c.py", speculative=True)
    await settle()
    real = work.run("d.py")  # a real request of another document stops speculation too
    assert await speculative == "c.py#3 (stopped)"
    await settle()
    work.release(4)
    assert await real == "d.py#4"


async def test_background_work_that_waits_runs_after_real_work_stops_speculation_and_yields_to_real_work() -> None:
    work = Work()
    real = work.run("a.py")
    await settle()
    edit = work.run("a.py#nextEdit", speculative=True, waits=True)  # a next edit: waits instead of yielding
    await asyncio.sleep(0.12)
    assert not edit.done() and work.started == [1]
    work.release(1)
    assert await real == "a.py#1"
    await asyncio.sleep(0.12)
    assert work.started == [1, 2]  # its turn came
    later = work.run("b.py")  # a real request stops it, as any speculative work
    assert await edit == "a.py#nextEdit#2 (stopped)"
    await settle()
    work.release(3)
    assert await later == "b.py#3"
    guess = work.run("c.py", speculative=True)  # speculation ("as if accepted") holds the slot...
    await settle()
    edit = work.run("a.py#nextEdit", speculative=True, waits=True)  # ...and is stopped for a next edit
    assert await guess == "c.py#4 (stopped)"
    await asyncio.sleep(0.12)
    work.release(5)
    assert await edit == "a.py#nextEdit#5"
    assert work.overlap == 1


async def test_a_cancelled_request_stops_its_job_and_holds_the_slot_until_it_ended() -> None:
    work = Work()
    slow_stop: list[int] = []

    def stop(job: Job) -> None:  # the engine takes a moment to stop
        work.stopped.append(job.id)
        slow_stop.append(job.id)
        asyncio.get_running_loop().call_later(0.05, work.release, job.id)

    work.scheduler = Scheduler(stop, grace_s=1.0)
    first = work.run("a.py")
    await settle()
    later = work.run("b.py")
    await settle()
    first.cancel()
    await asyncio.sleep(0.01)
    assert work.started == [1]  # still stopping: the slot is held
    await asyncio.gather(first, return_exceptions=True)
    assert first.cancelled() and slow_stop == [1] and work.scheduler.cancelled == 1
    await settle()
    assert work.started == [1, 2]
    work.release(2)
    assert await later == "b.py#2" and work.overlap == 1


async def test_jobs_take_their_ids_from_the_engine() -> None:
    ids = iter([41, 42])
    scheduler = Scheduler(lambda job: None, ids=ids)

    async def echo(job: Job) -> int:
        return job.id

    assert await scheduler.run("a.py", False, echo) == 41
    assert await scheduler.run("a.py", True, echo) == 42
