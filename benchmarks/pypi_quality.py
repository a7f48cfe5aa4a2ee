"""pass@1 on the PyPI libraries of `pypi_repos.toml`, by split: hushcode's defaults against the plain prompt.

Issue 25's out-of-sample benchmark. For each library made by `benchmarks/pypi_repo.py` under ROOT,
runs `hushcode bench quality` (line holes, the plain PSM baseline beside the defaults, both cursor
placements unless told otherwise) into OUT/NAME, then sums the holes of each split:

    .venv/bin/python benchmarks/pypi_quality.py /work/data/pypi --out /tmp/pypi-q --limit 10
    .venv/bin/python benchmarks/pypi_quality.py /work/data/pypi --out /tmp/pypi-q --report-only

The table gives, per split, configuration and placement: holes tested (those whose tests fail
with the line replaced by `pass`), pass@1, the ratio to the plain prompt, multi-line answers, and
suggestions that put module-level text inside a body. Failures may be read on the dev split only
(see pypi_repos.toml). Nothing here is imported by hushcode.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from pypi_repo import MANIFEST, PLAIN


def run_library(root: Path, out: Path, lib: dict[str, object], args: argparse.Namespace) -> None:
    folder = root / str(lib["name"])
    target = out / str(lib["name"])
    if (target / "results.json").exists():
        print(f"{lib['name']}: done before, {target}/results.json", flush=True)
        return
    timeout = int(lib.get("timeout", 60)) + 10  # type: ignore[call-overload]
    command = [sys.executable, "-m", "hushcode", "bench", "quality", str(folder), "--kinds", "line",
               "--limit", str(args.limit), "--seed", str(args.seed), "--placement", args.placement,
               "--trigger", args.trigger, "--test-timeout", str(timeout), "--test-command", "sh .checks/run.sh",
               "--config", "default={}", "--config", f"plain={PLAIN}", "--first-line", "plain", "--out", str(target)]
    print("$ " + " ".join(shlex.quote(c) for c in command), flush=True)
    env = {**os.environ, "HUSHCODE_COMPLETION_TIMEOUT_MS": "300000"}
    with open(out / f"{lib['name']}.log", "w", encoding="utf-8") as log:
        subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)


def tally(out: Path, libraries: list[dict[str, object]]) -> dict[tuple[str, str, str], dict[str, int]]:
    """(split, config, kind) -> tested, passed, multi-line, module-level text, answered."""
    counts: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for lib in libraries:
        path = out / str(lib["name"]) / "results.json"
        if not path.exists():
            print(f"{lib['name']}: no results ({path})")
            continue
        for task in json.loads(path.read_text(encoding="utf-8"))["tasks"]:
            for config, result in task.get("results", {}).items():
                c = counts[(str(lib["split"]), config, task["kind"])]
                if result.get("passed") is not None:
                    c["tested"] += 1
                    c["passed"] += bool(result["passed"])
                shown = result.get("got") or ""
                c["answered"] += bool(shown.strip())
                c["multiline"] += "\n" in shown.strip()
                c["column0"] += bool(result.get("column0_text"))
    return counts


def report(counts: dict[tuple[str, str, str], dict[str, int]]) -> None:
    print(f"{'split':5}  {'config':16}  {'kind':8}  {'tested':>6}  {'pass@1':>7}  {'x plain':>7}  "
          f"{'multi':>5}  {'mod-level':>9}")
    for split in ("dev", "test"):
        for (s, config, kind), c in sorted(counts.items()):
            if s != split:
                continue
            rate = c["passed"] / c["tested"] if c["tested"] else 0.0
            plain = counts.get((split, "plain" + config.removeprefix("default").removeprefix("plain"), kind))
            base = plain["passed"] / plain["tested"] if plain and plain["tested"] else 0.0
            ratio = f"{rate / base:.2f}" if base and not config.startswith("plain") else "-"
            print(f"{split:5}  {config:16}  {kind:8}  {c['tested']:>6}  {rate:>7.1%}  {ratio:>7}  "
                  f"{c['multiline']:>5}  {c['column0']:>9}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="the folder pypi_repo.py --all wrote")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--placement", default="both", choices=("indent", "column0", "both"))
    parser.add_argument("--trigger", default="automatic", choices=("automatic", "invoked", "both"))
    parser.add_argument("--split", choices=("dev", "test"), help="only this split")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    libraries = [lib for lib in tomllib.loads(MANIFEST.read_text(encoding="utf-8"))["library"]
                 if args.split in (None, lib["split"])]
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        for lib in sorted(libraries, key=lambda lib: (lib["split"], lib["name"])):
            run_library(args.root, args.out, lib, args)
    report(tally(args.out, libraries))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
