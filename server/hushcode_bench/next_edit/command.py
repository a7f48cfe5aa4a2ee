"""``hushcode bench next-edit``: its arguments, their checks, and what it prints."""

from __future__ import annotations

import argparse
from pathlib import Path

from hushcode.paths import bench_dir
from hushcode_bench import arguments
from hushcode_bench.arguments import UsageError
from hushcode_bench.next_edit.benchmark import NextEditRequest, run_next_edit
from hushcode_bench.next_edit.releases import RELEASES, SPLITS
from hushcode_bench.next_edit.summary import format_curve, format_table

HELP = "next-edit suggestions on real release-to-release edits of PyPI packages, with baselines"
DESCRIPTION = (
    "Cut next-edit tasks from consecutive releases of pinned PyPI packages (one small edit made, "
    "the nearby next one to predict; places where nothing is due), ask `hushcode serve` for "
    "hushcode/nextEdit at each, and compare with the release and with two baselines (suggest "
    "nothing; repeat the last edit's substitution). The sdists are downloaded only with --fetch, "
    "into the cache folder; every run reads them from there."
)


def default_cache() -> Path:
    """Where the pinned sdists are kept: ``<hushcode cache>/bench/next-edit/sdists``."""
    return bench_dir() / "next-edit" / "sdists"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``hushcode bench next-edit``."""
    p.add_argument("--split", choices=[*SPLITS, "both"], default="dev", help="which packages (default: %(default)s)")
    p.add_argument("--limit", type=int, default=8, help="edit tasks per package (default: %(default)s)")
    p.add_argument("--no-edit", type=int, help="no-edit places per package (default: half of --limit, rounded up)")
    arguments.add_seed(p, "the tasks")
    p.add_argument("--fetch", action="store_true", help="download the pinned sdists missing from the cache first")
    p.add_argument("--cache", type=Path, help="the sdists' folder (default: ~/.cache/hushcode/bench/next-edit/sdists)")
    p.add_argument("--releases", type=Path, default=RELEASES,
                   help="the pinned packages and releases, TOML (default: the benchmark's own)")
    p.add_argument("--options", default="{}", metavar="JSON", help="initializationOptions for the server")
    arguments.add_model(p, "the GGUF (default: HUSHCODE_MODEL or the catalog's default)")
    arguments.add_ready_timeout(p)
    arguments.add_out(p)


def _request(args: argparse.Namespace) -> NextEditRequest:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    no_edit = (args.limit + 1) // 2 if args.no_edit is None else args.no_edit
    if no_edit < 0:
        raise UsageError("--no-edit must be 0 or more")
    releases = args.releases.expanduser().resolve()
    if not releases.is_file():
        raise UsageError(f"--releases: no such file: {args.releases}")
    return NextEditRequest(
        releases=releases, cache=(args.cache or default_cache()).expanduser().resolve(),
        out=arguments.out_folder(args.out, "next-edit"),
        splits=SPLITS if args.split == "both" else (args.split,), limit=args.limit, no_edit=no_edit,
        seed=args.seed, options=arguments.json_object(args.options, "--options"),
        model=arguments.model_file(args.model), fetch=args.fetch, ready_timeout=args.ready_timeout,
    )


def run(args: argparse.Namespace) -> int:
    """Run ``hushcode bench next-edit``; the exit status."""
    request = _request(args)
    data = run_next_edit(request)
    print(format_table(data["summary"]))
    print("\nhad completion.nextEditMinConfidence been (model-written edits under it counted as silence):")
    print(format_curve(data["confidence_curve"]))
    print("\nsplits: " + "; ".join(f"{s}: {', '.join(names)}" for s, names in data["splits"].items()))
    print(f"model: {data['server']['model']}\nresults: {request.out / 'results.json'}\nwall time: {data['wall_s']} s")
    return 0
