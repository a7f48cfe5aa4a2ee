"""Load: a typing storm of 30 keystrokes/s with requests and cancellations for 60 s against the
real server and the real model (the storm of `hushcode bench stress`, see hushcode_bench/stress/storm.py).

Asserted: no crash, every request answered (a result or a cancellation), never two generations
at once (the engine's own counter and timeline), a bounded request queue that is empty at the
end, and memory growth under 20 MB after warm-up. Latency figures are printed, not asserted
(speed is for benchmarks: `hushcode bench stress`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hushcode_bench.client import BenchClient
from hushcode_bench.stress.storm import StormPlan, run_storm
from hushcode_bench.stress.summary import GROWTH_LIMIT_MB, summarize
from hushcode_bench.typist import choose_tasks, default_files
from tests.reliability.conftest import report

PLAN = StormPlan(duration_s=60, cps=30, cancel_fraction=0.8, settle_every=5, cap_s=10, quiet_requests=3,
                 warmup_s=15)


@pytest.mark.model
@pytest.mark.timeout(360)
async def test_a_typing_storm_neither_crashes_nor_overlaps_nor_queues_nor_leaks(model_path: Path,
                                                                              tmp_path: Path) -> None:
    tasks = choose_tasks(default_files(), -1, PLAN.seed)
    assert tasks, "no standard-library functions to type"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUSHCODE_")}
    env["HUSHCODE_MODEL"] = str(model_path)
    root = tmp_path / "workspace"
    root.mkdir()
    driver = BenchClient({}, env, tmp_path / "server.log")
    try:
        await driver.start(root, 180)
        rec = await run_storm(driver, tasks, PLAN, root, lambda line: None)
    finally:
        await driver.stop()
    s = summarize(rec, PLAN)
    lat, q, m, g = s["latency"], s["queue"], s["rss"], s["generations"]
    report(f"storm ({model_path.name}, {s['storm_s']} s): {s['keystrokes']} keystrokes, requests {s['requests']}, "
           f"crashes {s['crashes']['total']}, generations {g['run']} (max concurrent {g['max_concurrent']}), "
           f"max queue {q['max_depth']}, max in flight {q['max_in_flight']}, RSS {m['warmup_mb']} -> {m['end_mb']} MB "
           f"(growth {m['growth_mb']} MB), p95 quiet {lat['quiet']['p95_ms']} ms / storm {lat['storm']['p95_ms']} ms")

    assert s["crashes"] == {"server_exit": None, "engine_restarts": 0, "total": 0}
    # it really stormed: 5 s of typing at 30 keys/s at least, however long the settle waits took (a
    # loaded machine answers slowly, and the storm then spends more of its minute settling)
    assert s["keystrokes"] >= 150
    requests = s["requests"]
    assert requests["unanswered"] == 0 and requests["errors"] == 0, [r for r in rec.requests if r["outcome"]
                                                                       in ("unanswered", "error")][:5]
    assert requests["answered"] + requests["cancelled"] == requests["sent"]
    assert requests["settle_points"] >= 3 and g["run"] >= 3  # generations really ran
    # never two generations at once: the engine's own counter, and its timeline of the storm
    assert g["max_concurrent"] == 1
    assert g["timeline_overlaps"] == 0 and g["timeline_spans"] >= 3
    # bounded: never more generations waiting than a second of keystrokes, and nothing left at the end
    assert q["max_depth"] <= PLAN.cps and q["max_in_flight"] <= 2 * PLAN.cps, q
    assert q["end_depth"] == 0 and q["end_in_flight"] == 0, q
    assert m["growth_mb"] is not None and m["growth_mb"] < GROWTH_LIMIT_MB, m
