"""``hushcode bench stress``: its arguments, the storm's session, the results file and the table."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

from hushcode_bench import arguments
from hushcode_bench.arguments import UsageError, say
from hushcode_bench.client import BenchClient, BenchError
from hushcode_bench.provenance import RunStart, loadavg
from hushcode_bench.report import write_results
from hushcode_bench.shadowing import typing_workspace
from hushcode_bench.stress.storm import StormPlan, StormRecord, run_storm
from hushcode_bench.stress.summary import format_table, summarize
from hushcode_bench.typist import TypingTask, choose_tasks, default_files

HELP = "a typing storm (30 keystrokes/s, requests and cancellations) against the real server"
DESCRIPTION = (
    "Time quiet requests, then re-type function bodies of real files at --cps keystrokes/s "
    "through `hushcode serve` (a request per keystroke, most earlier ones cancelled) and report "
    "crashes, concurrent generations, queue depth, memory growth and p95 latency against the quiet p95."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``hushcode bench stress``."""
    p.add_argument("--duration-s", type=float, default=600.0, help="length of the storm (default: %(default)s)")
    arguments.add_cps(p, 30.0, "keystrokes per second")
    p.add_argument("--cancel-fraction", type=float, default=0.8,
                   help="share of keystrokes that cancel the previous unanswered request (default: %(default)s)")
    p.add_argument("--settle-every", type=int, default=5,
                   help="wait for the answer at every Nth line start (default: %(default)s)")
    arguments.add_cap(p, 10.0, "longest wait for such an answer, s")
    p.add_argument("--quiet-requests", type=int, default=12, help="requests timed before the storm (default: %(default)s)")
    p.add_argument("--warmup-s", type=float, default=15.0,
                   help="seconds of storm before the memory baseline is taken (default: %(default)s)")
    arguments.add_seed(p, "the functions and cancellations")
    arguments.add_files(p, "source files to type functions from (default: stdlib files)")
    arguments.add_model(p, "the GGUF (default: HUSHCODE_MODEL or the catalog's default)")
    arguments.add_config(p)
    arguments.add_ready_timeout(p)
    arguments.add_out(p)


async def _session(options: dict[str, Any], env: dict[str, str], tasks: list[TypingTask], plan: StormPlan,
                   out: Path, ready_timeout: float) -> StormRecord:
    root = typing_workspace(out)
    client = BenchClient(options, env, out / "server.log")
    try:
        first = await client.start(root, ready_timeout)
        say(f"server pid {client.pid}, engine pid {first.get('enginePid')}, model {first.get('model')}")
        return await run_storm(client, tasks, plan, root, say)
    finally:
        await client.stop()


def _plan(args: argparse.Namespace) -> StormPlan:
    if args.duration_s <= 0 or args.cps <= 0 or args.settle_every < 1 or not 0 <= args.cancel_fraction <= 1:
        raise UsageError("--duration-s and --cps must be positive, --settle-every at least 1, --cancel-fraction 0..1")
    return StormPlan(duration_s=args.duration_s, cps=args.cps, cancel_fraction=args.cancel_fraction,
                     settle_every=args.settle_every, cap_s=args.cap, quiet_requests=max(args.quiet_requests, 1),
                     warmup_s=args.warmup_s, seed=args.seed)


def run(args: argparse.Namespace) -> int:
    """Run ``hushcode bench stress``; 0 ok, 1 failure, 2 usage."""
    options = arguments.json_object(args.config, "--config")
    plan = _plan(args)
    env = dict(os.environ)
    if model := arguments.model_file(args.model):
        env["HUSHCODE_MODEL"] = model
    model, _, _ = arguments.server_model(options, env)
    files = args.files or default_files()
    tasks = choose_tasks(files, -1, args.seed) if all(f.is_file() for f in files) else []
    if not tasks:
        raise UsageError(f"no function to type in {', '.join(map(str, files)) or 'the standard library'}")
    out = arguments.out_folder(args.out, "stress")
    out.mkdir(parents=True, exist_ok=True)
    start = RunStart()
    try:
        rec = asyncio.run(_session(options, env, tasks, plan, out, args.ready_timeout))
    except (BenchError, OSError) as exc:
        raise BenchError(f"{exc} (server log: {out / 'server.log'})") from exc
    summary = summarize(rec, plan)
    data = {"version": 1, "argv": sys.argv[1:], "plan": dataclasses.asdict(plan), "model": model,
            "initialization_options": options,
            "machine": {"cpus": os.cpu_count(), "loadavg_start": start.load, "loadavg_end": loadavg()},
            "summary": summary, "quiet": rec.quiet, "requests": rec.requests, "samples": rec.samples,
            "engine_timeline": rec.engine_end.get("timeline", [])}
    results = write_results(out, data)
    print(format_table(summary))
    print(f"\nload average (1 min) before / after: {start.load[0]:.1f} / {loadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores\nresults: {results}\nserver log: {out / 'server.log'}")
    return 0
