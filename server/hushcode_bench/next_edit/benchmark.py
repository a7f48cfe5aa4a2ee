"""The steps of ``hushcode bench next-edit`` in order, and the results file they make.

1. The pinned packages of the chosen split(s); with --fetch, download the sdists missing from the
   cache (the only step that uses the network, and only when asked).
2. Cut the tasks from the cached sdists and sample them (selection.py).
3. Run them through one real server (run.py); score its answers and both baselines' (scoring.py,
   baselines.py) on the same tasks.
4. Sum up per split (summary.py); write results.json.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hushcode_bench.arguments import say, server_model
from hushcode_bench.client import BenchError
from hushcode_bench.configs import Config, request_timeout, server_env
from hushcode_bench.next_edit.baselines import substitute
from hushcode_bench.next_edit.releases import fetch, load_packages, missing
from hushcode_bench.next_edit.run import run_tasks
from hushcode_bench.next_edit.scoring import SIMILARITY, predicted_region, score
from hushcode_bench.next_edit.selection import Selected, select
from hushcode_bench.next_edit.summary import NOTHING, SERVER, SUBSTITUTION, confidence_curve, summarize
from hushcode_bench.provenance import RunStart, header
from hushcode_bench.report import write_results

# The server's deadline here (unless HUSHCODE_COMPLETION_TIMEOUT_MS or completion.timeoutMs is set):
# a next-edit prompt is a full window (about 2,000 tokens) on a cold cache, and on a loaded 2-core
# machine its evaluation alone took over a minute; a shorter deadline would measure the load.
TIMEOUT_MS = 240_000


def base_env(options: dict[str, Any]) -> dict[str, str]:
    """Our environment, with this benchmark's deadline unless one is set (see TIMEOUT_MS)."""
    env = dict(os.environ)
    if "HUSHCODE_COMPLETION_TIMEOUT_MS" not in env and (options.get("completion") or {}).get("timeoutMs") is None:
        env["HUSHCODE_COMPLETION_TIMEOUT_MS"] = str(TIMEOUT_MS)
    return env


@dataclass(frozen=True)
class NextEditRequest:
    """Everything ``hushcode bench next-edit`` was asked to do, checked."""

    releases: Path
    cache: Path
    out: Path
    splits: tuple[str, ...]
    limit: int
    no_edit: int
    seed: int
    options: dict[str, Any]
    model: str | None
    fetch: bool
    ready_timeout: float


def _record(s: Selected, answer: dict[str, Any]) -> dict[str, Any]:
    """One task's record: where it comes from, what was asked, and each method's answer and scores."""
    t = s.task
    results = {
        SERVER: {**score(t, answer["predicted"]), "edits": answer["edits"],
                 "predicted_region": predicted_region(t, answer["predicted"]), "latency_ms": answer["latency_ms"],
                 "server_result": answer["server_result"], "server_ms": answer["server_ms"],
                 "server_confidence": answer.get("server_confidence")},
        NOTHING: score(t, t.before),
    }
    substituted = substitute(t)
    results[SUBSTITUTION] = {**score(t, substituted), "predicted_region": predicted_region(t, substituted)}
    return {"id": s.id, "package": s.package, "split": s.split, "old_version": s.old_version,
            "new_version": s.new_version, "path": t.path, "kind": t.kind,
            "recent": {"old_lines": [t.recent_start + 1, t.recent_end], "new_text": t.recent_text},
            "cursor": {"line": t.cursor_line, "character": t.cursor_character},
            "region_lines": [t.region_start + 1, t.region_end], "region": t.region, "expected": t.expected,
            "results": results}


def run_next_edit(req: NextEditRequest) -> dict[str, Any]:
    """Run every step; write results.json under `req.out`; return the results."""
    start = RunStart()
    packages = [p for p in load_packages(req.releases) if p.split in req.splits]
    if not packages:
        raise BenchError(f"{req.releases} has no package in split {'/'.join(req.splits)}")
    absent = missing(packages, req.cache)
    if absent and req.fetch:
        fetch(absent, req.cache, say)
    elif absent:
        raise BenchError(f"{len(absent)} pinned sdists are not in {req.cache} (e.g. {absent[0].sdist}): "
                         "run once with --fetch to download them")
    start.note_load(say)
    req.out.mkdir(parents=True, exist_ok=True)
    tasks, candidates = select(packages, req.cache, req.limit, req.no_edit, req.seed)
    say(f"{len(tasks)} tasks from {len(packages)} packages ({candidates})")
    if not tasks:
        raise BenchError("no tasks: the pinned releases have no small nearby edits")
    env = server_env(Config("next-edit", req.options, req.model), base_env(req.options))
    model_path, _, warnings = server_model(req.options, env)
    for warning in warnings:
        say(f"warning: {warning}")
    with tempfile.TemporaryDirectory(prefix="hushcode-bench-next-edit-") as scratch:
        info, answers = asyncio.run(run_tasks(tasks, req.options, env, Path(scratch), req.out / "server.log",
                                              request_timeout(env, req.options), req.ready_timeout, say))
    records = [_record(s, a) for s, a in zip(tasks, answers, strict=True)]
    data = {
        **header(),
        "argv": sys.argv[1:],
        "releases": str(req.releases),
        "splits": {split: [p.name for p in packages if p.split == split] for split in req.splits},
        "packages": [{"name": p.name, "split": p.split, "versions": [r.version for r in p.releases],
                      "candidates": candidates[p.name]} for p in packages],
        "seed": req.seed, "limit": req.limit, "no_edit": req.no_edit, "options": req.options,
        "model_file": model_path, "server": info, "similarity": SIMILARITY,
        "machine": start.machine(),
        "summary": summarize(records, req.splits),
        "confidence_curve": {split: confidence_curve([r for r in records if r["split"] == split])
                             for split in req.splits},
        "wall_s": start.wall_s(),
        "tasks": records,
    }
    write_results(req.out, data)
    return data
