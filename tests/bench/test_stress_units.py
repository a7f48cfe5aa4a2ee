"""`hushcode bench stress`: the summary's figures from a synthetic storm record."""

from __future__ import annotations

from hushcode_bench.stress.storm import StormPlan, StormRecord
from hushcode_bench.stress.summary import format_table, summarize

PLAN = StormPlan(duration_s=60, warmup_s=15)


def record(**changes: object) -> StormRecord:
    rec = StormRecord(
        quiet=[{"outcome": "answered", "latency_ms": ms} for ms in (100.0, 200.0, 300.0)],
        requests=[{"outcome": "answered", "latency_ms": 250.0, "settle": True, "items": 1},
                  {"outcome": "answered", "latency_ms": 50.0, "settle": False, "items": 0},
                  {"outcome": "cancelled", "latency_ms": 10.0, "settle": False}],
        samples=[{"t_s": float(t), "server_kb": 100 * 1024, "engine_kb": (600 + t // 10) * 1024,
                  "queue": t % 3, "in_flight": t % 5} for t in range(61)],
        keystrokes=1500, typing_s=50.0, storm_s=60.0,
        status_start={"restarts": 0, "enginePid": 7},
        status_end={"restarts": 0, "enginePid": 7, "maxQueueDepth": 4, "queueDepth": 0, "inFlight": 0},
        engine_start={"generations": 5, "cancelled": 1},
        engine_end={"generations": 45, "cancelled": 21, "max_concurrent": 1,
                    "timeline": [[1, 0.0, 1.0], [2, 1.0, 2.5], [3, 2.6, 3.0]]},
    )
    for key, value in changes.items():
        setattr(rec, key, value)
    return rec


def test_summary_counts_and_figures() -> None:
    s = summarize(record(), PLAN)
    assert s["requests"] == {"sent": 3, "answered": 2, "with_suggestion": 1, "cancelled": 1, "errors": 0,
                             "unanswered": 0, "settle_points": 1}
    assert s["keystrokes_per_s_typing"] == 30.0
    assert s["crashes"] == {"server_exit": None, "engine_restarts": 0, "total": 0}
    assert s["generations"] == {"run": 40, "cancelled": 20, "max_concurrent": 1, "timeline_overlaps": 0,
                                "timeline_spans": 3}
    assert s["queue"]["max_depth"] == 4 and s["queue"]["max_in_flight"] == 4
    # RSS: medians of [15, 25) and of the last 10 s; the engine grows 1 MB every 10 s
    assert s["rss"]["warmup_mb"] == 701.5 and s["rss"]["end_mb"] == 705.0 and s["rss"]["growth_mb"] == 3.5
    assert s["latency"]["quiet"]["p95_ms"] == 290.0
    assert s["latency"]["storm"]["n"] == 2 and s["latency"]["storm_settle"]["n"] == 1
    assert abs(s["latency"]["p95_ratio"] - 240.0 / 290.0) < 1e-9
    table = format_table(s)
    assert "< 20 MB" in table and "<= 2x" in table and "0 of 3 spans" in table


def test_overlaps_restarts_and_exits_are_counted() -> None:
    rec = record(engine_end={"generations": 9, "cancelled": 0, "max_concurrent": 2,
                             "timeline": [[1, 0.0, 2.0], [2, 1.0, 3.0], [3, 3.0, 4.0]]},
                 status_end={"restarts": 2, "enginePid": 9}, server_exit=None)
    s = summarize(rec, PLAN)
    assert s["generations"]["timeline_overlaps"] == 1 and s["generations"]["max_concurrent"] == 2
    assert s["crashes"]["total"] == 2
    gone = summarize(record(server_exit=-9, status_end={}, engine_end={}), PLAN)
    assert gone["crashes"]["total"] == 1 and gone["generations"]["run"] is None
