"""``hushcode bench latency``: replay a person typing real code and measure time to suggestion.

Data flow:

    latency_script (functions chosen with a seed, their keystrokes)
      -> latency_session / latency_replay / latency_client (the real ``hushcode serve`` over stdio,
         driven like VS Code; RSS sampled)
      -> the server's log (``--log-level INFO``: one ``complete req=i<n> ...`` line per request)
      -> latency_baseline (a separate process: plain PSM prompt, llama-cpp-python's own cache,
         once per pause, after the server has exited)
      -> latency_stats (summary, table) -> results.json + a table on stdout

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
import time
from pathlib import Path
from typing import Any

from hushcode_bench.latency_client import ReplayError
from hushcode_bench.latency_replay import Pace, Recording
from hushcode_bench.latency_script import choose_tasks, default_files
from hushcode_bench.latency_session import rss_summary, run_baseline, run_session
from hushcode_bench.latency_stats import (
    attach_log,
    format_table,
    parse_log,
    ratio,
    summarize_baseline,
    summarize_pauses,
    summarize_requests,
)


def add_parser(sub: Any) -> None:
    """Add the ``latency`` command to ``hushcode bench``'s sub-parsers."""
    p = sub.add_parser(
        "latency",
        help="replay typing through the real server; time to suggestion against a plain baseline",
        description="Re-type function bodies of real files (by default from the Python standard library) "
        "through `hushcode serve`, like VS Code (didChange + inlineCompletion per keystroke, the "
        "previous request cancelled, a pause after each Enter), and compare with a plain PSM "
        "prompt on llama-cpp-python's own prefix cache.",
    )
    p.add_argument("--functions", type=int, default=3, help="functions to type (default: %(default)s)")
    p.add_argument(
        "--files",
        nargs="+",
        type=Path,
        help="source files to take functions from (default: "
        "textwrap, shlex, json/decoder, fnmatch of the stdlib)",
    )
    p.add_argument("--seed", type=int, default=0, help="chooses the functions (default: %(default)s)")
    p.add_argument(
        "--min-lines", type=int, default=3, help="shortest body, non-blank lines (default: %(default)s)"
    )
    p.add_argument(
        "--max-lines", type=int, default=12, help="longest body, non-blank lines (default: %(default)s)"
    )
    p.add_argument("--cps", type=float, default=8.0, help="typing speed, characters/s (default: %(default)s)")
    p.add_argument(
        "--pause", type=float, default=1.5, help="seconds paused after an Enter (default: %(default)s)"
    )
    p.add_argument(
        "--cap",
        type=float,
        default=20.0,
        help="longest wait for the answer at a pause, s (default: %(default)s)",
    )
    p.add_argument(
        "--open-idle",
        type=float,
        default=1.0,
        help="seconds between opening a file and the first keystroke (default: %(default)s)",
    )
    p.add_argument(
        "--model",
        type=Path,
        help="the GGUF (default: HUSHCODE_MODEL, model.path in --config, or the catalog's default)",
    )
    p.add_argument("--config", default="{}", help="initializationOptions for the server, as JSON")
    p.add_argument(
        "--duration-minutes",
        type=float,
        help="keep typing (cycling through the functions) for this long; reports RSS at 5 min and at the end",
    )
    p.add_argument("--no-baseline", action="store_true", help="skip the baseline")
    p.add_argument(
        "--baseline-prefix-tokens",
        type=int,
        default=1500,
        help="baseline prefix budget (default: %(default)s)",
    )
    p.add_argument(
        "--baseline-suffix-tokens",
        type=int,
        default=500,
        help="baseline suffix budget (default: %(default)s)",
    )
    p.add_argument(
        "--baseline-max-tokens", type=int, default=32, help="baseline max_tokens (default: %(default)s)"
    )
    p.add_argument("--ready-timeout", type=float, default=180.0, help="seconds to wait for the model to load")
    p.add_argument(
        "--out",
        type=Path,
        help="where to write results (default: a new folder under ~/.cache/hushcode/bench/)",
    )


def _default_out() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "hushcode" / "bench" / time.strftime("latency-%Y%m%d-%H%M%S")


def _baseline_spec(args: argparse.Namespace, model: str, settings: Any) -> dict[str, Any]:
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


def _git_state() -> dict[str, Any] | None:
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], check=False, cwd=here, capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "server"],
            check=False,
            cwd=here,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if head.returncode != 0:
        return None
    return {"commit": head.stdout.strip(), "modified_server_files": len(dirty.stdout.splitlines())}


def _usage(message: str) -> int:
    print(f"hushcode bench latency: {message}", file=sys.stderr)
    return 2


def run_latency(args: argparse.Namespace) -> int:
    """Run ``hushcode bench latency``; 0 ok, 1 failure, 2 usage."""
    from hushcode import __version__
    from hushcode.config.settings import load_settings
    from hushcode.models.choice import choose_model

    try:
        options = json.loads(args.config)
    except json.JSONDecodeError as exc:
        return _usage(f"--config is not JSON: {exc}")
    if not isinstance(options, dict):
        return _usage("--config must be a JSON object")
    if args.functions < 1 or args.cps <= 0 or args.pause < 0 or args.cap <= 0:
        return _usage("--functions, --cps and --cap must be positive, --pause at least 0")
    env = dict(os.environ)
    if args.model:
        if not args.model.expanduser().is_file():
            return _usage(f"--model: no such file: {args.model}")
        env["HUSHCODE_MODEL"] = str(args.model.expanduser().resolve())
    settings, warnings = load_settings(options, env)
    choice = choose_model(settings)
    if choice.path is None:
        print(f"hushcode bench latency: {choice.error}", file=sys.stderr)
        return 1
    files = args.files or default_files()
    missing = [str(f) for f in files if not f.is_file()]
    if missing or not files:
        return _usage(f"no such file: {', '.join(missing) or 'no standard-library files found'}")
    tasks = choose_tasks(
        files, -1 if args.duration_minutes else args.functions, args.seed, args.min_lines, args.max_lines
    )
    if not tasks:
        return _usage(f"no function with a body of {args.min_lines} to {args.max_lines} lines in the files")
    out = (args.out or _default_out()).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    for warning in warnings:
        say(f"warning: {warning}")
    started = time.perf_counter()
    load_start = os.getloadavg()
    if load_start[0] > 0.5 * (os.cpu_count() or 1):
        say(
            f"note: load average {load_start[0]:.1f} on {os.cpu_count()} cores before the run: other processes "
            f"are using the CPU, and every time measured here includes their share"
        )
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
            else run_baseline(_baseline_spec(args, choice.path, settings), rec.states, out, say)
        )
    except (ReplayError, OSError, subprocess.SubprocessError) as exc:
        print(f"hushcode bench latency: {exc} (server log: {out / 'server.log'})", file=sys.stderr)
        return 1
    model_bytes = Path(choice.path).stat().st_size
    summary: dict[str, Any] = {
        "pauses": summarize_pauses(rec.pauses),
        "requests": summarize_requests(rec.requests, log["background"]),
        "baseline": summarize_baseline(baseline["pauses"]) if baseline else None,
        "engine": got["engine"],
        "rss": rss_summary(got["samples"], model_bytes),
        "log_mapping": {"missing": len(log["missing"]), "unmatched": len(log["unmatched"])},
    }
    if baseline:
        summary["speedup_tts_p50"] = ratio(summary["baseline"]["tts_p50_ms"], summary["pauses"]["tts_p50_ms"])
        summary["speedup_answer_p50"] = ratio(
            summary["baseline"]["answer_p50_ms"], summary["pauses"]["answer_p50_ms"]
        )
    data = {
        "version": 1,
        "argv": sys.argv[1:],
        "options": json.loads(json.dumps(vars(args), default=str)),
        "initialization_options": options,
        "model": choice.path,
        "model_bytes": model_bytes,
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "loadavg_start": load_start,
            "loadavg_end": os.getloadavg(),
        },  # other work on the machine skews every figure
        "hushcode": {"version": __version__, "git": _git_state()},
        "functions": [
            {
                "index": i,
                "path": tasks[t].path,
                "name": tasks[t].name,
                "lines": tasks[t].lines,
                "chars": len(tasks[t].body),
            }
            for i, t in enumerate(got["typed"])
        ],
        "server": {
            "status_start": got["status_start"],
            "status_end": got["status_end"],
            "messages": got["messages"],
        },
        "summary": summary,
        "pauses": rec.pauses,
        "requests": rec.requests,
        "baseline": baseline,
        "rss_samples": got["samples"],
        "log_other": {
            "background": log["background"],
            "unmatched": log["unmatched"],
            "missing": log["missing"],
        },
        "wall_s": round(time.perf_counter() - started, 1),
    }
    (out / "results.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    print(format_table(summary))
    load_end = data["machine"]["loadavg_end"]
    print(
        f"\nload average (1 min) before / after: {load_start[0]:.1f} / {load_end[0]:.1f} on {os.cpu_count()} cores"
        f"\nresults: {out / 'results.json'}\nserver log: {out / 'server.log'}\nwall time: {data['wall_s']} s"
    )
    return 0
