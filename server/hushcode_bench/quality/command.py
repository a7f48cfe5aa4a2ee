"""``hushcode bench quality [PATH]``: its arguments, their checks, and what it prints.

The table and the paths of the written files go to stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from hushcode_bench import arguments
from hushcode_bench.arguments import UsageError, say
from hushcode_bench.client import AUTOMATIC, INVOKED
from hushcode_bench.configs import Config
from hushcode_bench.holes import KINDS
from hushcode_bench.placement import CHOICES, INDENT
from hushcode_bench.quality.run import QualityOptions, log_name, run_quality
from hushcode_bench.quality.summary import format_table

HELP = "cut holes in a repository and complete them through the real server"
DESCRIPTION = (
    "Cut holes (a line, the rest of a line, a function body) in your repository with "
    "tree-sitter, complete them through `hushcode serve`, and report exact match, edit "
    "similarity, identifier match, latency and, with --test-command, pass@1."
)


def add_arguments(q: argparse.ArgumentParser) -> None:
    """The arguments of ``hushcode bench quality``."""
    q.add_argument("path", nargs="?", default=".", help="the repository (or one file); default: here")
    q.add_argument(
        "--config",
        action="append",
        metavar="NAME=JSON[@MODEL]",
        help="a configuration: its initializationOptions as JSON, optionally @ another GGUF; "
        "repeat to compare (default: default={})",
    )
    arguments.add_model(
        q, "the GGUF for configurations without @MODEL (default: HUSHCODE_MODEL or the catalog's default)"
    )
    q.add_argument(
        "--first-line",
        action="append",
        default=[],
        metavar="NAME",
        help="keep only the first line of configuration NAME's suggestions (a plain baseline)",
    )
    q.add_argument("--kinds", default=",".join(KINDS), help="task kinds, comma-separated (default: %(default)s)")
    q.add_argument(
        "--placement",
        choices=tuple(CHOICES),
        default=INDENT,
        help="where the cursor stands on a line or block hole's empty line: after the indentation, at "
        "column 0 (rows line@0, block@0), or both on the same holes (default: %(default)s)",
    )
    q.add_argument(
        "--trigger",
        choices=tuple(TRIGGER_CHOICES),
        default=AUTOMATIC,
        help="how requests are triggered: automatic (typing), invoked (the manual trigger, Alt+\\ in "
        "VS Code: its first item counts; rows NAME/invoked), or both (default: %(default)s)",
    )
    q.add_argument("--limit", type=int, default=10, help="tasks per kind (default: %(default)s)")
    arguments.add_seed(q, "the tasks")
    q.add_argument("--max-block-lines", type=int, default=12, help="longest function body cut (default: %(default)s)")
    q.add_argument("--tasks", type=Path, help="re-use the tasks.json of an earlier run (a reference set)")
    q.add_argument(
        "--test-command",
        help="run this (through the shell) in a copy of the repository with each "
        "completed file, e.g. 'pytest -x -q'; reports pass@1",
    )
    q.add_argument("--test-timeout", type=float, default=300, help="seconds per test run (default: %(default)s)")
    arguments.add_out(q)


TRIGGER_CHOICES = {AUTOMATIC: (AUTOMATIC,), INVOKED: (INVOKED,), "both": (AUTOMATIC, INVOKED)}


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
        raise UsageError(f"--config {spec!r}: a name is letters, digits, '-', '_' or '.'")
    if not isinstance(options, dict):
        raise UsageError(f"--config {name}: the options must be a JSON object, got: {rest}")
    if model and not Path(model).expanduser().is_file():
        raise UsageError(f"--config {name}: no such model file: {model}")
    return name, options, str(Path(model).expanduser().resolve()) if model else None


def _configs(args: argparse.Namespace) -> tuple[Config, ...]:
    default_model = arguments.model_file(args.model)
    configs = [parse_config(spec, default_model) for spec in (args.config or ["default"])]
    names = [name for name, _, _ in configs]
    if len(set(names)) != len(names):
        raise UsageError("--config: every configuration needs its own name")
    if unknown := sorted(set(args.first_line) - set(names)):
        raise UsageError(f"--first-line: no configuration named {', '.join(unknown)}")
    # each configuration once per trigger, with its own server: one request never warms the other's
    runs = tuple(
        Config(name, options, model, name in args.first_line, trigger)
        for name, options, model in configs
        for trigger in TRIGGER_CHOICES[args.trigger]
    )
    if len({log_name(c) for c in runs}) != len(runs):
        raise UsageError("--config: a name ending in -invoked would share its log with NAME/invoked")
    return runs


def run(args: argparse.Namespace) -> int:
    """Run ``hushcode bench quality``; the exit status."""
    kinds = tuple(k.strip() for k in args.kinds.split(",") if k.strip())
    if not kinds or any(k not in KINDS for k in kinds):
        raise UsageError(f"--kinds: choose from {', '.join(KINDS)}")
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    root = Path(args.path).expanduser()
    if not root.exists():
        raise UsageError(f"no such file or directory: {root}")
    configs = _configs(args)
    overriding = sorted(k for k in os.environ if k.startswith(("HUSHCODE_COMPLETION_", "HUSHCODE_MODEL_")))
    if overriding:
        say(f"hushcode bench: note: {', '.join(overriding)} in the environment win over every "
            "configuration's options")
    opts = QualityOptions(
        root=root,
        out=arguments.out_folder(args.out, "quality"),
        kinds=kinds,
        placements=CHOICES[args.placement],
        limit=args.limit,
        seed=args.seed,
        configs=configs,
        max_block_lines=args.max_block_lines,
        test_command=args.test_command,
        test_timeout=args.test_timeout,
        tasks_file=args.tasks,
    )
    data = run_quality(opts, say)
    print(format_table(data["summary"]))
    plot = data["plot"] or "none (matplotlib is not installed: pip install 'hushcode[bench]')"
    print(
        f"\nresults: {opts.out / 'results.json'}\nplot:    {plot}\n"
        f"tasks:   {opts.out / 'tasks.json'} (re-use with --tasks)\nwall time: {data['wall_s']} s"
    )
    return 0
