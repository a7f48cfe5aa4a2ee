"""``hushcode bench stress``: a long typing storm against the real server; does it hold up?

Data flow: latency_script (functions of real files, the typist's keystrokes) -> stress_storm
(the quiet phase, then the storm, through ``hushcode serve`` with latency_client.Driver; RSS
and queue figures sampled) -> ``summarize`` -> results.json + a table on stdout.

The figures, with the targets of the reliability issue: crashes (server exits and engine
restarts: 0), the most generations the engine ever ran at once (1) and overlaps in its
timeline (0), the request queue (generations waiting for the engine; requests in flight),
RSS of server + engine after warm-up and at the end (growth < 20 MB), and p95 latency of the
answered requests in the storm against the quiet p95 (at most 2x). See docs/reliability.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import time
from pathlib import Path
from statistics import median
from typing import Any

from hushcode_bench.latency_client import Driver, ReplayError
from hushcode_bench.latency_script import choose_tasks, default_files
from hushcode_bench.latency_stats import ratio
from hushcode_bench.metrics import percentile
from hushcode_bench.shadowing import add_shadowing_files
from hushcode_bench.stress_storm import StormPlan, StormRecord, run_storm

GROWTH_LIMIT_MB = 20.0
P95_RATIO_LIMIT = 2.0


def add_parser(sub: Any) -> None:
    """Add the ``stress`` command to ``hushcode bench``'s sub-parsers."""
    p = sub.add_parser(
        "stress",
        help="a typing storm (30 keystrokes/s, requests and cancellations) against the real server",
        description="Time quiet requests, then re-type function bodies of real files at --cps keystrokes/s "
        "through `hushcode serve` (a request per keystroke, most earlier ones cancelled) and report "
        "crashes, concurrent generations, queue depth, memory growth and p95 latency against the quiet p95.",
    )
    p.add_argument("--duration-s", type=float, default=600.0, help="length of the storm (default: %(default)s)")
    p.add_argument("--cps", type=float, default=30.0, help="keystrokes per second (default: %(default)s)")
    p.add_argument("--cancel-fraction", type=float, default=0.8,
                   help="share of keystrokes that cancel the previous unanswered request (default: %(default)s)")
    p.add_argument("--settle-every", type=int, default=5,
                   help="wait for the answer at every Nth line start (default: %(default)s)")
    p.add_argument("--cap", type=float, default=10.0, help="longest wait for such an answer, s (default: %(default)s)")
    p.add_argument("--quiet-requests", type=int, default=12, help="requests timed before the storm (default: %(default)s)")
    p.add_argument("--warmup-s", type=float, default=15.0,
                   help="seconds of storm before the memory baseline is taken (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="chooses the functions and cancellations (default: %(default)s)")
    p.add_argument("--files", nargs="+", type=Path, help="source files to type functions from (default: stdlib files)")
    p.add_argument("--model", type=Path, help="the GGUF (default: HUSHCODE_MODEL or the catalog's default)")
    p.add_argument("--config", default="{}", help="initializationOptions for the server, as JSON")
    p.add_argument("--ready-timeout", type=float, default=180.0, help="seconds to wait for the model to load")
    p.add_argument("--out", type=Path, help="where to write results (default: a new folder under ~/.cache/hushcode/bench/)")


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
    width = max(len(a) for a, _, _ in rows)
    value_width = max(len(b) for _, b, _ in rows)
    return "\n".join(f"{a:<{width}}  {b:>{value_width}}  {t}" for a, b, t in rows)


async def _session(options: dict[str, Any], env: dict[str, str], tasks: list[Any], plan: StormPlan,
                   out: Path, ready_timeout: float, say: Any) -> StormRecord:
    root = out / "workspace"  # the documents' URIs point here; nothing is written into a repository
    root.mkdir(parents=True, exist_ok=True)
    add_shadowing_files(root)  # a server that imported from its workspace would fail here (shadowing.py)
    driver = Driver(options, env, out / "server.log")
    try:
        first = await driver.start(root, ready_timeout)
        say(f"server pid {driver.pid}, engine pid {first.get('enginePid')}, model {first.get('model')}")
        return await run_storm(driver, tasks, plan, root, say)
    finally:
        await driver.stop()


def _usage(message: str) -> int:
    print(f"hushcode bench stress: {message}", file=sys.stderr)
    return 2


def run_stress(args: argparse.Namespace) -> int:
    """Run ``hushcode bench stress``; 0 ok, 1 failure, 2 usage."""
    from hushcode.config.settings import load_settings
    from hushcode.models.choice import choose_model

    try:
        options = json.loads(args.config)
    except json.JSONDecodeError as exc:
        return _usage(f"--config is not JSON: {exc}")
    if not isinstance(options, dict):
        return _usage("--config must be a JSON object")
    if args.duration_s <= 0 or args.cps <= 0 or args.settle_every < 1 or not 0 <= args.cancel_fraction <= 1:
        return _usage("--duration-s and --cps must be positive, --settle-every at least 1, --cancel-fraction 0..1")
    env = dict(os.environ)
    if args.model:
        if not args.model.expanduser().is_file():
            return _usage(f"--model: no such file: {args.model}")
        env["HUSHCODE_MODEL"] = str(args.model.expanduser().resolve())
    choice = choose_model(load_settings(options, env)[0])
    if choice.path is None:
        print(f"hushcode bench stress: {choice.error}", file=sys.stderr)
        return 1
    files = args.files or default_files()
    tasks = choose_tasks(files, -1, args.seed) if all(f.is_file() for f in files) else []
    if not tasks:
        return _usage(f"no function to type in {', '.join(map(str, files)) or 'the standard library'}")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    out = (args.out or cache / "hushcode" / "bench" / time.strftime("stress-%Y%m%d-%H%M%S")).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    plan = StormPlan(duration_s=args.duration_s, cps=args.cps, cancel_fraction=args.cancel_fraction,
                     settle_every=args.settle_every, cap_s=args.cap, quiet_requests=max(args.quiet_requests, 1),
                     warmup_s=args.warmup_s, seed=args.seed)

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    load_start = os.getloadavg()
    try:
        rec = asyncio.run(_session(options, env, tasks, plan, out, args.ready_timeout, say))
    except (ReplayError, OSError) as exc:
        print(f"hushcode bench stress: {exc} (server log: {out / 'server.log'})", file=sys.stderr)
        return 1
    summary = summarize(rec, plan)
    data = {"version": 1, "argv": sys.argv[1:], "plan": vars(plan), "model": choice.path,
            "initialization_options": options,
            "machine": {"cpus": os.cpu_count(), "loadavg_start": load_start, "loadavg_end": os.getloadavg()},
            "summary": summary, "quiet": rec.quiet, "requests": rec.requests, "samples": rec.samples,
            "engine_timeline": rec.engine_end.get("timeline", [])}
    (out / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    print(format_table(summary))
    print(f"\nload average (1 min) before / after: {load_start[0]:.1f} / {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores\nresults: {out / 'results.json'}\nserver log: {out / 'server.log'}")
    return 0
