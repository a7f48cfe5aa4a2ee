"""Completion latency while the server's first indexing pass runs, against the same requests after it.

The server is opened on the repository and the ``--index-path`` folders (a pass long enough to
complete in); a few tasks are completed while ``indexReady`` is false, then the same ones once
it is true. Then the idle server's CPU share: a busy watcher would slow the engine down.
"""

from __future__ import annotations

import time
from typing import Any

from hushcode_bench.client import BenchClient
from hushcode_bench.context.completions import Workload, complete_task
from hushcode_bench.processes import cpu_share, memory_mb
from hushcode_bench.provenance import loadavg
from hushcode_bench.suggestions import complete

IDLE_SAMPLE_S = 3.0
# a document that exists only in the editor: the warm-up request before the timed ones
SCRATCH = "def scratch(values):\n    total = 0\n    for value in values:\n        \n    return total\n"


async def _during_pass(client: BenchClient, work: Workload) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The tasks completed before the pass is over: (during it, those it ended during)."""
    during: list[dict[str, Any]] = []
    partial: list[dict[str, Any]] = []
    scratch = (work.out / "scratch" / "scratch.py").resolve().as_uri()  # never written: a buffer only
    await complete(client, scratch, "python", SCRATCH, SCRATCH.index("\n    return"), work.timeout)
    for task in work.tasks:
        if (await client.status()).get("indexReady"):
            break
        record = await complete_task(client, work.roots[0], task, work.texts[task.path], work.timeout)
        record["id"] = task.id
        (during if not record["server"]["indexReady"] else partial).append(record)
        work.progress(
            f"[first-pass] during the pass: {task.id} {record['latency_ms']:.0f} ms"
            + ("" if not record["server"]["indexReady"] else " (the pass ended meanwhile)")
        )
    return during, partial


async def run_first_pass(
    options: dict[str, Any], env: dict[str, str], work: Workload, ready_timeout: float = 300.0,
    index_timeout: float = 900.0,
) -> dict[str, Any]:
    """Completion latency while the first indexing pass runs, against the same requests after it.

    A request counts as "during" when the status says `indexReady: false` both before it is sent
    and right after its answer. One untimed request on a scratch buffer comes first, so that the
    engine's first-request costs are not counted against the pass.
    """
    client = BenchClient(options, env, work.out / "server-first-pass.log")
    load_start = loadavg()
    started = time.perf_counter()
    during: list[dict[str, Any]] = []
    partial: list[dict[str, Any]] = []
    idle: list[dict[str, Any]] = []
    try:
        status = await client.start(work.roots, ready_timeout)
        engine_ready_s = round(time.perf_counter() - started, 1)
        ready_at_engine = bool(status.get("indexReady"))
        work.progress(
            f"[first-pass] engine ready in {engine_ready_s} s; index "
            + ("already ready" if ready_at_engine else f"still running ({status.get('indexedFiles')})")
        )
        if not ready_at_engine and work.tasks:
            during, partial = await _during_pass(client, work)
        status = await client.wait_index(index_timeout)
        index_ready_s = round(time.perf_counter() - started, 1)
        memory = memory_mb(status.get("pid"))
        idle_cpu = await cpu_share(status.get("pid"), IDLE_SAMPLE_S)
        if idle_cpu is not None and idle_cpu > 0.2:
            work.progress(f"[first-pass] note: the idle server used {idle_cpu:.0%} of a core after its first pass")
        by_id = {t.id: t for t in work.tasks}
        for record in during:
            task = by_id[record["id"]]
            again = await complete_task(client, work.roots[0], task, work.texts[task.path], work.timeout)
            again["id"] = task.id
            idle.append(again)
            work.progress(f"[first-pass] idle: {task.id} {again['latency_ms']:.0f} ms")
        return {
            "roots": [str(r) for r in work.roots],
            "loadavg_start": load_start,
            "loadavg_end": loadavg(),
            "engine_ready_s": engine_ready_s,
            "index_ready_s": index_ready_s,
            "index_ready_at_engine_ready": ready_at_engine,
            "indexed_files": status.get("indexedFiles"),
            "first_pass": client.first_pass(),
            "server_memory_after_pass": memory,
            "server_cpu_idle_after_pass": idle_cpu,
            "during": during,
            "partial": partial,
            "idle": idle,
        }
    finally:
        await client.stop()
