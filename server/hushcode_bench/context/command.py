"""``hushcode bench context [PATH]``: its arguments, their checks, and what it prints."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from hushcode_bench import arguments
from hushcode_bench.arguments import UsageError
from hushcode_bench.context.benchmark import DEFAULT_CONTEXT_TOKENS, ContextRequest, run_context
from hushcode_bench.context.summary import format_table

HELP = "cross-file line holes completed with and without workspace context; indexing figures"
DESCRIPTION = (
    "Cut whole-line holes that use a name imported from another file of the repository, "
    "complete them through `hushcode serve` with workspace context (completion.contextTokens) and "
    "without (0), and measure the workspace index: first pass, files/s, memory, one changed file, "
    "and completion latency while the first pass runs."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``hushcode bench context``."""
    p.add_argument("path", nargs="?", default=".", help="the repository (a folder); default: here")
    p.add_argument("--limit", type=int, default=20, help="tasks (default: %(default)s)")
    arguments.add_seed(p, "the tasks")
    p.add_argument("--context-tokens", type=int, default=DEFAULT_CONTEXT_TOKENS,
                   help="completion.contextTokens of the run with context (default: %(default)s)")
    p.add_argument("--options", default="{}", metavar="JSON",
                   help="other initializationOptions, the same for both runs (default: {})")
    arguments.add_model(p, "the GGUF (default: HUSHCODE_MODEL or the catalog's default)")
    p.add_argument("--index-path", action="append", default=[], type=Path, metavar="FOLDER",
                   help="another workspace folder for the first-pass latency run, also measured by the "
                   "index benchmark (e.g. the Python standard library: a pass long enough to complete in)")
    p.add_argument("--latency-requests", type=int, default=4, help="completions sent during the first indexing "
                   "pass, then again once idle; 0 skips (default: %(default)s)")
    p.add_argument("--changed", type=int, default=20,
                   help="files re-indexed one at a time for the one-changed-file figure (default: %(default)s)")
    arguments.add_out(p)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _request(args: argparse.Namespace) -> ContextRequest:
    root = Path(args.path).expanduser().resolve()
    if not root.is_dir():
        raise UsageError(f"not a folder: {root}")
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    if args.context_tokens < 1:
        raise UsageError("--context-tokens must be at least 1 (the other run has 0)")
    if args.latency_requests < 0 or args.changed < 1:
        raise UsageError("--latency-requests must be 0 or more and --changed at least 1")
    model = arguments.model_file(args.model)
    options = arguments.json_object(args.options, "--options")
    if "HUSHCODE_COMPLETION_CONTEXT_TOKENS" in os.environ:
        raise UsageError("HUSHCODE_COMPLETION_CONTEXT_TOKENS is set: it would give both runs the same budget")
    extra = [p.expanduser().resolve() for p in args.index_path]
    for folder in extra:
        if not folder.is_dir():
            raise UsageError(f"--index-path: not a folder: {folder}")
    out = arguments.out_folder(args.out, "context")
    if any(_inside(out, folder) for folder in [root, *extra]):
        raise UsageError(f"--out {out} is inside a benchmarked folder: nothing may be written there")
    return ContextRequest(
        root=root, out=out, extra=list(dict.fromkeys(f for f in extra if f != root)), options=options,
        model=model, limit=args.limit, seed=args.seed, context_tokens=args.context_tokens,
        latency_requests=args.latency_requests, changed=args.changed,
    )


def run(args: argparse.Namespace) -> int:
    """Run ``hushcode bench context``; the exit status."""
    request = _request(args)
    data = run_context(request)
    out = request.out
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
