"""``hushcode bench latency``: its arguments, the run, the results file and the printed table.

Results go under ``~/.cache/hushcode/bench/latency-<timestamp>/`` unless ``--out`` says otherwise;
nothing is written into the user's repository. See docs/latency.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from hushcode import __version__
from hushcode.config.settings import Settings
from hushcode_bench import arguments
from hushcode_bench.arguments import UsageError, say
from hushcode_bench.client import BenchError
from hushcode_bench.latency import confidence
from hushcode_bench.latency.replay import Pace, Recording
from hushcode_bench.latency.session import rss_summary, run_baseline, run_session
from hushcode_bench.latency.summary import (
    attach_log,
    format_table,
    summarize_baseline,
    summarize_pauses,
    summarize_requests,
)
from hushcode_bench.metrics import ratio
from hushcode_bench.provenance import RunStart, git_state, loadavg
from hushcode_bench.report import write_results
from hushcode_bench.server_log import parse_log
from hushcode_bench.typist import choose_tasks, default_files

HELP = "replay typing through the real server; time to suggestion against a plain baseline"
DESCRIPTION = (
    "Re-type function bodies of real files (by default from the Python standard library) "
    "through `hushcode serve`, like VS Code (didChange + inlineCompletion per keystroke, the "
    "previous request cancelled, a pause after each Enter), and compare with a plain PSM "
    "prompt on llama-cpp-python's own prefix cache."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``hushcode bench latency``."""
    p.add_argument("--functions", type=int, default=3, help="functions to type (default: %(default)s)")
    arguments.add_files(p, "source files to take functions from (default: textwrap, shlex, json/decoder, fnmatch "
                        "of the stdlib)")
    arguments.add_seed(p, "the functions")
    p.add_argument("--min-lines", type=int, default=3, help="shortest body, non-blank lines (default: %(default)s)")
    p.add_argument("--max-lines", type=int, default=12, help="longest body, non-blank lines (default: %(default)s)")
    arguments.add_cps(p, 8.0, "typing speed, characters/s")
    p.add_argument("--pause", type=float, default=1.5, help="seconds paused after an Enter (default: %(default)s)")
    arguments.add_cap(p, 20.0, "longest wait for the answer at a pause, s")
    p.add_argument("--open-idle", type=float, default=1.0,
                   help="seconds between opening a file and the first keystroke (default: %(default)s)")
    arguments.add_model(p, "the GGUF (default: HUSHCODE_MODEL, model.path in --config, or the catalog's default)")
    arguments.add_config(p)
    p.add_argument("--duration-minutes", type=float, help="keep typing (cycling through the functions) for this "
                   "long; reports RSS at 5 min and at the end")
    p.add_argument("--no-baseline", action="store_true", help="skip the baseline")
    p.add_argument("--baseline-prefix-tokens", type=int, default=1500,
                   help="baseline prefix budget (default: %(default)s)")
    p.add_argument("--baseline-suffix-tokens", type=int, default=500,
                   help="baseline suffix budget (default: %(default)s)")
    p.add_argument("--baseline-max-tokens", type=int, default=32, help="baseline max_tokens (default: %(default)s)")
    arguments.add_ready_timeout(p)
    arguments.add_out(p)


def _baseline_spec(args: argparse.Namespace, model: str, settings: Settings) -> dict[str, Any]:
    """The baseline's model and settings: the engine's own context, batch and thread settings."""
    return {
        "model": model,
        "threads": settings.model.threads,
        "n_ctx": settings.model.context_tokens,
        "n_batch": 512,
        "prefix_tokens": args.baseline_prefix_tokens,
        "suffix_tokens": args.baseline_suffix_tokens,
        "max_tokens": args.baseline_max_tokens,
    }


def _summary(got: dict[str, Any], log: dict[str, Any], baseline: dict[str, Any] | None,
             model_bytes: int) -> dict[str, Any]:
    rec: Recording = got["rec"]
    summary: dict[str, Any] = {
        "pauses": summarize_pauses(rec.pauses),
        "requests": summarize_requests(rec.requests, log["background"]),
        "baseline": summarize_baseline(baseline["pauses"]) if baseline else None,
        "engine": got["engine"],
        "rss": rss_summary(got["samples"], model_bytes),
        "log_mapping": {"missing": len(log["missing"]), "unmatched": len(log["unmatched"])},
        "confidence": confidence.summarize_confidence(rec.pauses),
    }
    if baseline:
        for name, key in (("speedup_tts_p50", "tts_p50_ms"), ("speedup_answer_p50", "answer_p50_ms")):
            summary[name] = ratio(summary["baseline"][key], summary["pauses"][key])
    return summary


def run(args: argparse.Namespace) -> int:
    """Run ``hushcode bench latency``; 0 ok, 1 failure, 2 usage."""
    options = arguments.json_object(args.config, "--config")
    if args.functions < 1 or args.cps <= 0 or args.pause < 0 or args.cap <= 0:
        raise UsageError("--functions, --cps and --cap must be positive, --pause at least 0")
    env = dict(os.environ)
    if model := arguments.model_file(args.model):
        env["HUSHCODE_MODEL"] = model
    model, settings, warnings = arguments.server_model(options, env)
    files = args.files or default_files()
    missing = [str(f) for f in files if not f.is_file()]
    if missing or not files:
        raise UsageError(f"no such file: {', '.join(missing) or 'no standard-library files found'}")
    tasks = choose_tasks(
        files, -1 if args.duration_minutes else args.functions, args.seed, args.min_lines, args.max_lines
    )
    if not tasks:
        raise UsageError(f"no function with a body of {args.min_lines} to {args.max_lines} lines in the files")
    out = arguments.out_folder(args.out, "latency")
    out.mkdir(parents=True, exist_ok=True)
    for warning in warnings:
        say(f"warning: {warning}")
    start = RunStart()
    start.note_load(say)
    try:
        pace = Pace(cps=args.cps, pause_s=args.pause, cap_s=args.cap, open_idle_s=args.open_idle)
        got = asyncio.run(
            run_session(options, env, tasks, pace, out, say, args.ready_timeout, args.duration_minutes)
        )
        rec: Recording = got["rec"]
        log = attach_log(rec.requests, parse_log((out / "server.log").read_text(encoding="utf-8")))
        for pause in rec.pauses:
            pause["log"] = rec.requests[pause["request"] - 1]["log"]
        baseline = (
            None
            if args.no_baseline or not rec.states
            else run_baseline(_baseline_spec(args, model, settings), rec.states, out, say)
        )
    except (BenchError, OSError, subprocess.SubprocessError) as exc:
        raise BenchError(f"{exc} (server log: {out / 'server.log'})") from exc
    model_bytes = Path(model).stat().st_size
    summary = _summary(got, log, baseline, model_bytes)
    data = {
        "version": 1,
        "argv": sys.argv[1:],
        "options": json.loads(json.dumps(vars(args), default=str)),
        "initialization_options": options,
        "model": model,
        "model_bytes": model_bytes,
        # other work on the machine skews every figure
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "loadavg_start": start.load,
                    "loadavg_end": loadavg()},
        "hushcode": {"version": __version__, "git": git_state()},
        "functions": [
            {"index": i, "path": tasks[t].path, "name": tasks[t].name, "lines": tasks[t].lines,
             "chars": len(tasks[t].body)}
            for i, t in enumerate(got["typed"])
        ],
        "server": {"status_start": got["status_start"], "status_end": got["status_end"],
                   "messages": got["messages"]},
        "summary": summary,
        "pauses": rec.pauses,
        "requests": rec.requests,
        "baseline": baseline,
        "rss_samples": got["samples"],
        "log_other": {"background": log["background"], "unmatched": log["unmatched"], "missing": log["missing"]},
        "wall_s": start.wall_s(),
    }
    plotted = confidence.plot(summary["confidence"], out / "confidence.png", "hushcode bench latency: "
                              "precision and recall at the pauses over confidence thresholds")
    data["plot"] = str(out / "confidence.png") if plotted else None
    results = write_results(out, data)
    print(format_table(summary))
    print(f"\n{confidence.format_confidence(summary['confidence'])}")
    print(
        f"\nload average (1 min) before / after: {start.load[0]:.1f} / {data['machine']['loadavg_end'][0]:.1f} "
        f"on {os.cpu_count()} cores\nresults: {results}\n" + (f"plot: {data['plot']}\n" if plotted else "")
        + f"server log: {out / 'server.log'}\nwall time: {data['wall_s']} s"
    )
    return 0
