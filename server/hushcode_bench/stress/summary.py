"""The figures of a typing storm, with the targets of the reliability issue (docs/reliability.md).

Crashes (server exits and engine restarts: 0), the most generations the engine ever ran at once
(1) and overlaps in its timeline (0), the request queue (generations waiting for the engine;
requests in flight), RSS of server + engine after warm-up and at the end (growth < 20 MB), and
p95 latency of the answered requests in the storm against the quiet p95 (at most 2x).
"""

from __future__ import annotations

import itertools
from statistics import median
from typing import Any

from hushcode_bench.metrics import percentile, ratio
from hushcode_bench.report import columns
from hushcode_bench.stress.storm import StormPlan, StormRecord

GROWTH_LIMIT_MB = 20.0
P95_RATIO_LIMIT = 2.0


def _overlaps(timeline: list[Any]) -> int:
    spans = sorted((float(start), float(end)) for _, start, end in timeline)
    return sum(1 for (_, prev_end), (start, _) in itertools.pairwise(spans) if start < prev_end)


def _rss_mb(samples: list[dict[str, Any]], start: float, end: float) -> float | None:
    totals = [(s["server_kb"] + s["engine_kb"]) / 1024 for s in samples
              if start <= s["t_s"] < end and isinstance(s.get("server_kb"), int) and isinstance(s.get("engine_kb"), int)]
    return round(median(totals), 1) if totals else None


def _dist(values: list[float]) -> dict[str, Any]:
    p50, p95 = percentile(values, 50), percentile(values, 95)
    return {"n": len(values), "p50_ms": None if p50 is None else round(p50, 1),
            "p95_ms": None if p95 is None else round(p95, 1)}


def summarize(rec: StormRecord, plan: StormPlan) -> dict[str, Any]:
    """The storm's figures (see the module docstring)."""
    outcomes = [r["outcome"] for r in rec.requests]
    answered = [r for r in rec.requests if r["outcome"] == "answered"]
    quiet = _dist([q["latency_ms"] for q in rec.quiet if q["outcome"] == "answered"])
    storm = _dist([r["latency_ms"] for r in answered])
    settle = _dist([r["latency_ms"] for r in answered if r["settle"]])
    s0, s1, e0, e1 = rec.status_start, rec.status_end, rec.engine_start, rec.engine_end
    restarts = (s1.get("restarts", 0) - s0.get("restarts", 0)) if s1 else None
    window = min(10.0, rec.storm_s / 3)
    warm_at = min(plan.warmup_s, rec.storm_s / 3)
    last_t = rec.samples[-1]["t_s"] if rec.samples else 0.0
    rss_warm = _rss_mb(rec.samples, warm_at, warm_at + window)
    rss_end = _rss_mb(rec.samples, last_t - window, last_t + 1)
    queues = [s["queue"] for s in rec.samples if isinstance(s.get("queue"), int)]
    flights = [s["in_flight"] for s in rec.samples if isinstance(s.get("in_flight"), int)]
    return {
        "storm_s": round(rec.storm_s, 1),
        "keystrokes": rec.keystrokes,
        "keystrokes_per_s_typing": round(rec.keystrokes / rec.typing_s, 1) if rec.typing_s > 0 else None,
        "requests": {"sent": len(outcomes), "answered": outcomes.count("answered"),
                     "with_suggestion": sum(1 for r in answered if r.get("items")),
                     "cancelled": outcomes.count("cancelled"), "errors": outcomes.count("error"),
                     "unanswered": outcomes.count("unanswered"), "settle_points": sum(r["settle"] for r in rec.requests)},
        "crashes": {"server_exit": rec.server_exit, "engine_restarts": restarts,
                    "total": (rec.server_exit is not None) + (restarts or 0)},
        "generations": {"run": e1.get("generations", 0) - e0.get("generations", 0) if e1 else None,
                        "cancelled": e1.get("cancelled", 0) - e0.get("cancelled", 0) if e1 else None,
                        "max_concurrent": e1.get("max_concurrent") if e1 else None,
                        "timeline_overlaps": _overlaps(e1.get("timeline", [])) if e1 else None,
                        "timeline_spans": len(e1.get("timeline", [])) if e1 else None},
        "queue": {"max_depth": max([s1.get("maxQueueDepth", 0) if s1 else 0, *queues]),
                  "max_sampled_depth": max(queues, default=None), "max_in_flight": max(flights, default=None),
                  "end_depth": s1.get("queueDepth") if s1 else None, "end_in_flight": s1.get("inFlight") if s1 else None},
        "rss": {"warmup_mb": rss_warm, "end_mb": rss_end,
                "growth_mb": round(rss_end - rss_warm, 1) if rss_warm is not None and rss_end is not None else None,
                "max_mb": max((m for s in rec.samples if (m := _rss_mb([s], -1, 1e12)) is not None), default=None)},
        "latency": {"quiet": quiet, "storm": storm, "storm_settle": settle,
                    "p95_ratio": ratio(storm["p95_ms"], quiet["p95_ms"]),
                    "settle_p95_ratio": ratio(settle["p95_ms"], quiet["p95_ms"])},
    }


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    return f"{value:,.1f}{unit}" if isinstance(value, float) else f"{value:,}{unit}"


def format_table(summary: dict[str, Any]) -> str:
    """A short text table of the summary, with the targets."""
    r, c, g, q, m, lat = (summary[k] for k in ("requests", "crashes", "generations", "queue", "rss", "latency"))
    rows = [
        ("figure", "value", "target"),
        ("storm length", _fmt(summary["storm_s"], " s"), ""),
        ("keystrokes (rate while typing)", f"{_fmt(summary['keystrokes'])} ({_fmt(summary['keystrokes_per_s_typing'])}/s)", ""),
        ("requests sent / answered / cancelled", f"{r['sent']:,} / {r['answered']:,} / {r['cancelled']:,}", ""),
        ("  errors / unanswered", f"{r['errors']} / {r['unanswered']}", "0 / 0"),
        ("crashes (server exit, engine restarts)", f"{c['total']} ({_fmt(c['server_exit'])}, {_fmt(c['engine_restarts'])})", "0"),
        ("generations run (cancelled)", f"{_fmt(g['run'])} ({_fmt(g['cancelled'])})", ""),
        ("max concurrent generations", _fmt(g["max_concurrent"]), "1"),
        ("overlaps in the engine timeline", f"{_fmt(g['timeline_overlaps'])} of {_fmt(g['timeline_spans'])} spans", "0"),
        ("max queue depth / requests in flight", f"{_fmt(q['max_depth'])} / {_fmt(q['max_in_flight'])}", "bounded"),
        ("RSS after warm-up -> end", f"{_fmt(m['warmup_mb'], ' MB')} -> {_fmt(m['end_mb'], ' MB')}", ""),
        ("memory growth", _fmt(m["growth_mb"], " MB"), f"< {GROWTH_LIMIT_MB:.0f} MB"),
        ("p95 quiet / storm (answered)", f"{_fmt(lat['quiet']['p95_ms'], ' ms')} / {_fmt(lat['storm']['p95_ms'], ' ms')}", ""),
        ("p95 storm / quiet", _fmt(lat["p95_ratio"] and round(lat["p95_ratio"], 2), "x"), f"<= {P95_RATIO_LIMIT:.0f}x"),
        ("p95 at settle points / quiet", _fmt(lat["settle_p95_ratio"] and round(lat["settle_p95_ratio"], 2), "x"), ""),
    ]
    return "\n".join(columns(rows, "lr-", strip=False))
