"""Measure the workspace index on a folder: `python -m hushcode_bench.index PATH`.

Prints the files indexed, the first pass's time and files/s, the resident memory the index added
(RSS after minus before, and the peak), a restart from the persisted cache, and the time to
re-index one changed file (p50 over 20 files). The issue's targets on the Python standard
library: >= 50 files/s, <= 300 MB, one file <= 100 ms. Nothing in PATH is modified; the cache goes
to a temporary folder unless --cache-dir is given. The load average is printed too: these
machines are shared, and a loaded machine gives slower figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from hushcode.workspace.index import WorkspaceIndex
from hushcode_bench.processes import own_mb


def measure(root: Path, cache_dir: Path, changed: int) -> dict[str, float | int | str]:
    load_before = os.getloadavg()
    rss_before = own_mb()
    index = WorkspaceIndex([root], cache_dir=cache_dir)
    stats = index.build()
    rss_after = own_mb()
    peak_first_pass = own_mb("VmHWM")
    definitions = sum(len(o.definitions) for p in index.files() if (o := index.outline_of(p)) is not None)

    # One changed file: drop the entry, then time the re-index (stat, read, parse, swap).
    files = index.files()
    sample = files[:: max(1, len(files) // changed)][:changed]
    timings = []
    for path in sample:
        index.remove_file(path)
        started = time.perf_counter()
        index.update_file(path)
        timings.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    index.save()
    save_s = time.perf_counter() - started
    again = WorkspaceIndex([root], cache_dir=cache_dir)
    restart = again.build()
    return {
        "path": str(root),
        "files": stats.files,
        "definitions": definitions,
        "first_pass_s": round(stats.seconds, 2),
        "files_per_s": round(stats.files / stats.seconds, 1) if stats.seconds else 0.0,
        "rss_before_mb": round(rss_before, 1),
        "rss_after_mb": round(rss_after, 1),
        "index_rss_mb": round(rss_after - rss_before, 1),
        "peak_rss_first_pass_mb": round(peak_first_pass, 1),
        "peak_rss_mb": round(own_mb("VmHWM"), 1),  # includes the save and a second index (restart)
        "changed_file_p50_ms": round(statistics.median(timings), 1) if timings else 0.0,
        "changed_file_max_ms": round(max(timings), 1) if timings else 0.0,
        "save_s": round(save_s, 2),
        "restart_s": round(restart.seconds, 2),
        "restart_reused": restart.reused,
        "restart_parsed": restart.parsed,
        "load_average_before": " ".join(f"{x:.2f}" for x in load_before),
        "load_average_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hushcode_bench.index", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--cache-dir", type=Path, help="where the index is persisted (default: a temporary folder)")
    parser.add_argument("--changed", type=int, default=20, help="files re-indexed one at a time (default 20)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hushcode-bench-index-") as tmp:
        result = measure(args.path.resolve(), args.cache_dir or Path(tmp), args.changed)
    if args.json:
        print(json.dumps(result))
    else:
        width = max(map(len, result))
        for key, value in result.items():
            print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
