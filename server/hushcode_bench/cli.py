"""``hushcode bench quality [PATH]``: the command line of the benchmarks.

The table and the paths of the written files go to stdout; progress and errors go to stderr.
Every failure is one clear message and exit status 1 (2 for a usage error), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from hushcode_bench.holes import KINDS


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    # argparse prints usage and calls sys.exit(2) itself; raise instead so run() returns a code.
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{message} (see: {self.prog} --help)")


def _json_object(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def parse_config(spec: str, default_model: str | None) -> tuple[str, dict[str, object], str | None]:
    """NAME[=JSON][@MODEL] -> (name, initializationOptions, absolute model path or None).

    `fast={"completion":{"maxTokens":32}}`, `big={}@/models/1.5b.gguf` and `big@/models/1.5b.gguf`
    are all accepted; a configuration without @MODEL uses `default_model`.
    """
    name, _, rest = spec.partition("=")
    model = default_model
    if "@" in name:
        name, _, model = name.partition("@")
    options = _json_object(rest or "{}")
    if options is None and "@" in rest:
        rest, _, model = rest.rpartition("@")
        options = _json_object(rest or "{}")
    if not name or not all(c.isalnum() or c in "-_." for c in name):
        raise _UsageError(f"--config {spec!r}: a name is letters, digits, '-', '_' or '.'")
    if not isinstance(options, dict):
        raise _UsageError(f"--config {name}: the options must be a JSON object, got: {rest}")
    if model and not Path(model).expanduser().is_file():
        raise _UsageError(f"--config {name}: no such model file: {model}")
    return name, options, str(Path(model).expanduser().resolve()) if model else None


def _default_out() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "hushcode" / "bench" / time.strftime("quality-%Y%m%d-%H%M%S")


def _build_parser() -> _Parser:
    parser = _Parser(prog="hushcode bench", description="Measure hushcode on your own code.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    q = sub.add_parser(
        "quality",
        help="cut holes in a repository and complete them through the real server",
        description="Cut holes (a line, the rest of a line, a function body) in your repository with "
        "tree-sitter, complete them through `hushcode serve`, and report exact match, edit "
        "similarity, identifier match, latency and, with --test-command, pass@1.",
    )
    q.add_argument("path", nargs="?", default=".", help="the repository (or one file); default: here")
    q.add_argument(
        "--config",
        action="append",
        metavar="NAME=JSON[@MODEL]",
        help="a configuration: its initializationOptions as JSON, optionally @ another GGUF; "
        "repeat to compare (default: default={})",
    )
    q.add_argument(
        "--model",
        help="the GGUF for configurations without @MODEL (default: HUSHCODE_MODEL or the catalog's default)",
    )
    q.add_argument(
        "--first-line",
        action="append",
        default=[],
        metavar="NAME",
        help="keep only the first line of configuration NAME's suggestions (a plain baseline)",
    )
    q.add_argument(
        "--kinds", default=",".join(KINDS), help="task kinds, comma-separated (default: %(default)s)"
    )
    q.add_argument("--limit", type=int, default=10, help="tasks per kind (default: %(default)s)")
    q.add_argument("--seed", type=int, default=0, help="chooses the tasks (default: %(default)s)")
    q.add_argument(
        "--max-block-lines", type=int, default=12, help="longest function body cut (default: %(default)s)"
    )
    q.add_argument("--tasks", type=Path, help="re-use the tasks.json of an earlier run (a reference set)")
    q.add_argument(
        "--test-command",
        help="run this (through the shell) in a copy of the repository with each "
        "completed file, e.g. 'pytest -x -q'; reports pass@1",
    )
    q.add_argument(
        "--test-timeout", type=float, default=300, help="seconds per test run (default: %(default)s)"
    )
    q.add_argument(
        "--out",
        type=Path,
        help="where to write results (default: a new folder under ~/.cache/hushcode/bench/)",
    )
    from hushcode_bench.latency import add_parser as add_latency_parser

    add_latency_parser(sub)
    from hushcode_bench.context import add_parser as add_context_parser

    add_context_parser(sub)
    from hushcode_bench.stress import add_parser as add_stress_parser

    add_stress_parser(sub)
    from hushcode_bench.team import add_parser as add_team_parser

    add_team_parser(sub)
    return parser


def _quality(args: argparse.Namespace) -> int:
    from hushcode_bench.client import BenchError
    from hushcode_bench.quality import Config, QualityOptions, run_quality
    from hushcode_bench.report import format_table

    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    if not kinds or any(k not in KINDS for k in kinds):
        raise _UsageError(f"--kinds: choose from {', '.join(KINDS)}")
    if args.limit < 1:
        raise _UsageError("--limit must be at least 1")
    root = Path(args.path).expanduser()
    if not root.exists():
        raise _UsageError(f"no such file or directory: {root}")
    if args.model and not Path(args.model).expanduser().is_file():
        raise _UsageError(f"--model: no such file: {args.model}")
    configs = [parse_config(spec, args.model) for spec in (args.config or ["default"])]
    names = [name for name, _, _ in configs]
    if len(set(names)) != len(names):
        raise _UsageError("--config: every configuration needs its own name")
    if set(args.first_line) - set(names):
        raise _UsageError(
            f"--first-line: no configuration named {', '.join(sorted(set(args.first_line) - set(names)))}"
        )
    overriding = sorted(k for k in os.environ if k.startswith(("HUSHCODE_COMPLETION_", "HUSHCODE_MODEL_")))
    if overriding:
        print(
            f"hushcode bench: note: {', '.join(overriding)} in the environment win over every "
            f"configuration's options",
            file=sys.stderr,
        )
    opts = QualityOptions(
        root=root,
        out=(args.out or _default_out()).expanduser(),
        kinds=kinds,
        limit=args.limit,
        seed=args.seed,
        configs=tuple(
            Config(name, options, model, name in args.first_line) for name, options, model in configs
        ),
        max_block_lines=args.max_block_lines,
        test_command=args.test_command,
        test_timeout=args.test_timeout,
        tasks_file=args.tasks,
    )
    try:
        data = run_quality(opts, lambda line: print(line, file=sys.stderr, flush=True))
    except (BenchError, ValueError, OSError) as exc:
        print(f"hushcode bench: {exc}", file=sys.stderr)
        return 1
    print(format_table(data["summary"]))
    plot = data["plot"] or "none (matplotlib is not installed: pip install 'hushcode[bench]')"
    print(
        f"\nresults: {opts.out / 'results.json'}\nplot:    {plot}\n"
        f"tasks:   {opts.out / 'tasks.json'} (re-use with --tasks)\nwall time: {data['wall_s']} s"
    )
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(argv: list[str]) -> int:
    """Run ``hushcode bench <argv>``; return the exit status (0 ok, 1 error, 2 usage)."""
    # SIGTERM unwinds like Ctrl-C: servers are shut down and temporary copies removed.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        args = _build_parser().parse_args(argv)
        if args.command == "latency":
            from hushcode_bench.latency import run_latency

            return run_latency(args)
        if args.command == "team":
            from hushcode_bench.team import run_team

            return run_team(args)
        if args.command == "context":
            from hushcode_bench.context import run_context

            return run_context(args)
        if args.command == "stress":
            from hushcode_bench.stress import run_stress

            return run_stress(args)
        return _quality(args)
    except _UsageError as exc:
        print(f"hushcode bench: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hushcode bench: interrupted", file=sys.stderr)
        return 130
