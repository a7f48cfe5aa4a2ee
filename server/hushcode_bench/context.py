"""``hushcode bench context [PATH]``: does cross-file context from the workspace index help?

Steps (see docs/benchmarks.md, "hushcode bench context"):

1. tasks: whole-line holes inside function bodies whose line uses a name imported from another
   file of the repository (``context_tasks``), chosen with a seed;
2. indexing figures: ``python -m hushcode_bench.index`` on the repository (and on each
   ``--index-path``): first pass, files/s, memory, one changed file;
3. latency during the first pass: a server opened on the repository (and the ``--index-path``
   folders) completes a few tasks while its index is not ready, then the same ones after;
4. the tasks through the real server twice, with ``completion.contextTokens`` N and 0, same model
   and other settings; each request's context tokens from the server's log.

Nothing is written into the repository: documents are opened with the hole in the editor buffer
only, the servers' index caches go to a temporary folder, and the results go under
``~/.cache/hushcode/bench/context-<timestamp>/`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from hushcode import __version__
from hushcode_bench.client import BenchError
from hushcode_bench.context_recall import line_in_context
from hushcode_bench.context_report import WITH, WITHOUT, format_table, summarize, targets
from hushcode_bench.context_run import index_figures, run_config, run_first_pass
from hushcode_bench.context_tasks import build_index, cross_file_tasks
from hushcode_bench.holes import save_tasks
from hushcode_bench.quality import Config, server_env, source_revision
from hushcode_bench.sources import list_sources

DEFAULT_CONTEXT_TOKENS = 384
# The server's completion deadline here (unless HUSHCODE_COMPLETION_TIMEOUT_MS or timeoutMs is set): a prompt with
# context is longer, and on a loaded 2-core machine a 60 s deadline cut it short, which would
# measure the load rather than the context.
TIMEOUT_MS = 300_000


class ContextUsageError(Exception):
    """A bad argument: exit status 2."""


def add_parser(sub: Any) -> None:
    """Add the ``context`` command to ``hushcode bench``'s sub-parsers."""
    p = sub.add_parser(
        "context",
        help="cross-file line holes completed with and without workspace context; indexing figures",
        description="Cut whole-line holes that use a name imported from another file of the repository, "
        "complete them through `hushcode serve` with workspace context (completion.contextTokens) and "
        "without (0), and measure the workspace index: first pass, files/s, memory, one changed file, "
        "and completion latency while the first pass runs.",
    )
    p.add_argument("path", nargs="?", default=".", help="the repository (a folder); default: here")
    p.add_argument("--limit", type=int, default=20, help="tasks (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="chooses the tasks (default: %(default)s)")
    p.add_argument(
        "--context-tokens",
        type=int,
        default=DEFAULT_CONTEXT_TOKENS,
        help="completion.contextTokens of the run with context (default: %(default)s)",
    )
    p.add_argument(
        "--options",
        default="{}",
        metavar="JSON",
        help="other initializationOptions, the same for both runs (default: {})",
    )
    p.add_argument("--model", help="the GGUF (default: HUSHCODE_MODEL or the catalog's default)")
    p.add_argument(
        "--index-path",
        action="append",
        default=[],
        type=Path,
        metavar="FOLDER",
        help="another workspace folder for the first-pass latency run, also measured by the "
        "index benchmark (e.g. the Python standard library: a pass long enough to complete in)",
    )
    p.add_argument(
        "--latency-requests",
        type=int,
        default=4,
        help="completions sent during the first indexing pass, then again once idle; 0 skips "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--changed",
        type=int,
        default=20,
        help="files re-indexed one at a time for the one-changed-file figure (default: %(default)s)",
    )
    p.add_argument(
        "--out",
        type=Path,
        help="where to write results (default: a new folder under ~/.cache/hushcode/bench/)",
    )


def _default_out() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "hushcode" / "bench" / time.strftime("context-%Y%m%d-%H%M%S")


def _with_context_tokens(options: dict[str, Any], tokens: int) -> dict[str, Any]:
    completion = dict(options.get("completion") or {})
    completion["contextTokens"] = tokens
    return {**options, "completion": completion}


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _check(args: argparse.Namespace) -> tuple[Path, Path, list[Path], dict[str, Any]]:
    root = Path(args.path).expanduser().resolve()
    if not root.is_dir():
        raise ContextUsageError(f"not a folder: {root}")
    if args.limit < 1:
        raise ContextUsageError("--limit must be at least 1")
    if args.context_tokens < 1:
        raise ContextUsageError("--context-tokens must be at least 1 (the other run has 0)")
    if args.latency_requests < 0 or args.changed < 1:
        raise ContextUsageError("--latency-requests must be 0 or more and --changed at least 1")
    if args.model and not Path(args.model).expanduser().is_file():
        raise ContextUsageError(f"--model: no such file: {args.model}")
    try:
        options = json.loads(args.options)
    except json.JSONDecodeError as exc:
        raise ContextUsageError(f"--options: not JSON ({exc})") from exc
    if not isinstance(options, dict):
        raise ContextUsageError("--options must be a JSON object")
    if "HUSHCODE_COMPLETION_CONTEXT_TOKENS" in os.environ:
        raise ContextUsageError(
            "HUSHCODE_COMPLETION_CONTEXT_TOKENS is set: it would give both runs the same budget"
        )
    extra = [p.expanduser().resolve() for p in args.index_path]
    for folder in extra:
        if not folder.is_dir():
            raise ContextUsageError(f"--index-path: not a folder: {folder}")
    out = (args.out or _default_out()).expanduser().resolve()
    if any(_inside(out, folder) for folder in [root, *extra]):
        raise ContextUsageError(f"--out {out} is inside a benchmarked folder: nothing may be written there")
    return root, out, list(dict.fromkeys(f for f in extra if f != root)), options


def run_context(args: argparse.Namespace) -> int:
    """Run ``hushcode bench context``; the exit status."""
    try:
        root, out, extra, options = _check(args)
    except ContextUsageError as exc:
        print(f"hushcode bench context: {exc}", file=sys.stderr)
        return 2

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        data = _run(args, root, out, extra, options, say)
    except (BenchError, ValueError, OSError, subprocess.SubprocessError) as exc:
        print(f"hushcode bench context: {exc}", file=sys.stderr)
        return 1
    print(format_table(data["summary"], data["targets"]))
    recall = data["retrieval"]
    print(f"\nretrieval: the hole's own line is in the retrieved context for {recall['line_in_context']} of "
          f"{recall['tasks']} tasks ({recall['context_tokens']} context tokens; model-independent)")
    print(
        f"\nresults: {out / 'results.json'}\ntasks:   {out / 'tasks.json'}\n"
        f"load average before/after: {data['machine']['loadavg_before']} / {data['machine']['loadavg_after']}\n"
        f"wall time: {data['wall_s']} s"
    )
    return 0


def _run(
    args: argparse.Namespace, root: Path, out: Path, extra: list[Path], options: dict[str, Any], say: Any
) -> dict[str, Any]:
    started = time.perf_counter()
    load_before = os.getloadavg()
    if load_before[0] > 0.5 * (os.cpu_count() or 1):
        say(
            f"note: load average {load_before[0]:.1f} on {os.cpu_count()} cores: other processes share the CPU, "
            f"and every time measured here includes their share"
        )
    out.mkdir(parents=True, exist_ok=True)
    model = str(Path(args.model).expanduser().resolve()) if args.model else None

    sources = list_sources(root)
    repo_index = build_index(root)
    tasks, candidates = cross_file_tasks(root, args.limit, args.seed, sources, repo_index)
    say(f"{len(sources)} source files, {candidates} cross-file line candidates, {len(tasks)} tasks")
    if not tasks:
        raise BenchError(
            f"no tasks: no line in a function body of {root} uses a name imported from another file"
        )
    texts = {s.path: s.text for s in sources}
    plain_tasks = [t.task for t in tasks]
    save_tasks(out / "tasks.json", plain_tasks, texts, args.seed)
    in_context = line_in_context(repo_index, root, plain_tasks, texts, args.context_tokens)
    say(f"retrieval: the hole's own line is in the retrieved context for {sum(in_context)} of {len(in_context)} "
        f"tasks ({args.context_tokens} context tokens)")

    index = []
    for folder in [root, *extra]:
        say(f"indexing figures: python -m hushcode_bench.index {folder}")
        index.append(index_figures(folder, args.changed))
        say(
            f"  {index[-1]['files']} files in {index[-1]['first_pass_s']} s ({index[-1]['files_per_s']} files/s), "
            f"index {index[-1]['index_rss_mb']} MB, one changed file p50 {index[-1]['changed_file_p50_ms']} ms"
        )

    with_options = _with_context_tokens(options, args.context_tokens)
    without_options = _with_context_tokens(options, 0)
    base = dict(os.environ)
    deadline = (options.get("completion") or {}).get("timeoutMs")
    if "HUSHCODE_COMPLETION_TIMEOUT_MS" not in base and deadline is None:
        base["HUSHCODE_COMPLETION_TIMEOUT_MS"] = str(TIMEOUT_MS)
    timeout = int(base.get("HUSHCODE_COMPLETION_TIMEOUT_MS") or deadline) / 1000 + 30
    with tempfile.TemporaryDirectory(prefix="hushcode-bench-context-") as scratch:

        def env(name: str, opts: dict[str, Any]) -> dict[str, str]:
            # a fresh index cache per server: every first pass is a real one, and none is kept
            values = server_env(Config(name, opts, model), base)
            values["HUSHCODE_INDEX_DIR"] = str(Path(scratch) / name)
            return values

        first_pass = None
        if args.latency_requests:
            first_pass = asyncio.run(
                run_first_pass(
                    with_options,
                    env("first-pass", with_options),
                    [root, *extra],
                    plain_tasks[: args.latency_requests],
                    texts,
                    out,
                    say,
                    timeout,
                )
            )
            if not first_pass["during"]:
                say(
                    "note: no completion fell within the first indexing pass (it ended before the engine was "
                    "ready): give --index-path a larger folder to measure latency during the pass"
                )
        configs, results = [], {}
        for name, opts in ((WITH, with_options), (WITHOUT, without_options)):
            info, answers = asyncio.run(
                run_config(name, opts, env(name, opts), [root], plain_tasks, texts, out, say, timeout)
            )
            configs.append(info)
            results[name] = [
                {"id": t.id, "kind": "line", **a} for t, a in zip(plain_tasks, answers, strict=True)
            ]

    summary = summarize(results, first_pass)
    data = {
        "version": 1,
        "hushcode": __version__,
        "hushcode_revision": source_revision(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "argv": sys.argv[1:],
        "root": str(root),
        "index_paths": [str(p) for p in extra],
        "seed": args.seed,
        "limit": args.limit,
        "candidates": candidates,
        "context_tokens": args.context_tokens,
        "options": options,
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "configs": configs,
        "summary": summary,
        "retrieval": {"line_in_context": sum(in_context), "tasks": len(in_context),
                      "context_tokens": args.context_tokens},
        "targets": targets(summary, index),
        "index": index,
        "first_pass_latency": first_pass,
        "wall_s": round(time.perf_counter() - started, 1),
        "tasks": [
            {
                "id": t.task.id,
                "path": t.task.path,
                "language": t.task.language,
                "line": t.task.line + 1,
                "column": t.task.column + 1,
                "expected": t.task.expected,
                "uses": [dataclasses.asdict(u) for u in t.uses],
                "line_in_context": in_context[i],
                "results": {name: items[i] for name, items in results.items()},
            }
            for i, t in enumerate(tasks)
        ],
    }
    (out / "results.json").write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    return data
