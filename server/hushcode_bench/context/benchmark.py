"""The steps of ``hushcode bench context`` in order, and the results file they make (see __init__)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hushcode.isolation import child_cwd, python_command
from hushcode_bench.arguments import say
from hushcode_bench.client import BenchError
from hushcode_bench.configs import Config, request_timeout, server_env
from hushcode_bench.context.completions import Workload, run_config
from hushcode_bench.context.first_pass import run_first_pass
from hushcode_bench.context.recall import line_in_context
from hushcode_bench.context.summary import WITH, WITHOUT, summarize, targets
from hushcode_bench.context.tasks import ContextTask, build_index, cross_file_tasks
from hushcode_bench.holes import save_tasks
from hushcode_bench.provenance import RunStart, header
from hushcode_bench.report import write_results
from hushcode_bench.sources import list_sources

DEFAULT_CONTEXT_TOKENS = 384
# The server's completion deadline here (unless HUSHCODE_COMPLETION_TIMEOUT_MS or timeoutMs is set): a prompt with
# context is longer, and on a loaded 2-core machine a 60 s deadline cut it short, which would
# measure the load rather than the context.
TIMEOUT_MS = 300_000


@dataclass(frozen=True)
class ContextRequest:
    """Everything ``hushcode bench context`` was asked to do, checked."""

    root: Path
    out: Path
    extra: list[Path]  # the --index-path folders
    options: dict[str, Any]
    model: str | None
    limit: int = 20
    seed: int = 0
    context_tokens: int = DEFAULT_CONTEXT_TOKENS
    latency_requests: int = 4
    changed: int = 20


def index_figures(folder: Path, changed: int, timeout: float = 900.0) -> dict[str, Any]:
    """`python -m hushcode_bench.index FOLDER --json` in a process of its own, so that its peak
    memory is the index's and not the benchmark's (its cache in a temporary folder)."""
    done = subprocess.run(
        python_command("hushcode_bench.index", str(folder.resolve()), "--json", "--changed", str(changed)),
        cwd=child_cwd(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"bench_index failed on {folder}: {done.stderr.strip()[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _with_context_tokens(options: dict[str, Any], tokens: int) -> dict[str, Any]:
    completion = dict(options.get("completion") or {})
    completion["contextTokens"] = tokens
    return {**options, "completion": completion}


def _index(req: ContextRequest) -> list[dict[str, Any]]:
    index = []
    for folder in [req.root, *req.extra]:
        say(f"indexing figures: python -m hushcode_bench.index {folder}")
        index.append(index_figures(folder, req.changed))
        say(
            f"  {index[-1]['files']} files in {index[-1]['first_pass_s']} s ({index[-1]['files_per_s']} files/s), "
            f"index {index[-1]['index_rss_mb']} MB, one changed file p50 {index[-1]['changed_file_p50_ms']} ms"
        )
    return index


def _base_env(options: dict[str, Any]) -> dict[str, str]:
    """Our environment, with this benchmark's deadline unless one is set (see TIMEOUT_MS)."""
    base = dict(os.environ)
    if "HUSHCODE_COMPLETION_TIMEOUT_MS" not in base and (options.get("completion") or {}).get("timeoutMs") is None:
        base["HUSHCODE_COMPLETION_TIMEOUT_MS"] = str(TIMEOUT_MS)
    return base


def _servers(req: ContextRequest, work: Workload, base: dict[str, str],
             scratch: Path) -> tuple[Any, list[Any], dict[str, Any]]:
    """The first-pass run, then the runs with and without context: (first pass, configs, results)."""

    def env(name: str, opts: dict[str, Any]) -> dict[str, str]:
        # a fresh index cache per server: every first pass is a real one, and none is kept
        return {**server_env(Config(name, opts, req.model), base), "HUSHCODE_INDEX_DIR": str(scratch / name)}

    with_options = _with_context_tokens(req.options, req.context_tokens)
    first_pass = None
    if req.latency_requests:
        first_pass = asyncio.run(run_first_pass(
            with_options, env("first-pass", with_options),
            dataclasses.replace(work, roots=[req.root, *req.extra], tasks=work.tasks[: req.latency_requests])))
        if not first_pass["during"]:
            say(
                "note: no completion fell within the first indexing pass (it ended before the engine was "
                "ready): give --index-path a larger folder to measure latency during the pass"
            )
    configs, results = [], {}
    for name, opts in ((WITH, with_options), (WITHOUT, _with_context_tokens(req.options, 0))):
        info, answers = asyncio.run(run_config(name, opts, env(name, opts), work))
        configs.append(info)
        results[name] = [{"id": t.id, "kind": "line", **a} for t, a in zip(work.tasks, answers, strict=True)]
    return first_pass, configs, results


def run_context(req: ContextRequest) -> dict[str, Any]:
    """Run every step; write tasks.json and results.json under `req.out`; return the results."""
    start = RunStart()
    start.note_load(say)
    req.out.mkdir(parents=True, exist_ok=True)
    sources = list_sources(req.root)
    repo_index = build_index(req.root)
    tasks, candidates = cross_file_tasks(req.root, req.limit, req.seed, sources, repo_index)
    say(f"{len(sources)} source files, {candidates} cross-file line candidates, {len(tasks)} tasks")
    if not tasks:
        raise BenchError(f"no tasks: no line in a function body of {req.root} uses a name imported from another file")
    texts = {s.path: s.text for s in sources}
    plain_tasks = [t.task for t in tasks]
    save_tasks(req.out / "tasks.json", plain_tasks, texts, req.seed)
    in_context = line_in_context(repo_index, req.root, plain_tasks, texts, req.context_tokens)
    say(f"retrieval: the hole's own line is in the retrieved context for {sum(in_context)} of {len(in_context)} "
        f"tasks ({req.context_tokens} context tokens)")
    index = _index(req)
    base = _base_env(req.options)
    work = Workload([req.root], plain_tasks, texts, req.out, say, request_timeout(base, req.options))
    with tempfile.TemporaryDirectory(prefix="hushcode-bench-context-") as scratch:
        first_pass, configs, results = _servers(req, work, base, Path(scratch))
    summary = summarize(results, first_pass)
    data = {
        **header(),
        "argv": sys.argv[1:],
        "root": str(req.root),
        "index_paths": [str(p) for p in req.extra],
        "seed": req.seed,
        "limit": req.limit,
        "candidates": candidates,
        "context_tokens": req.context_tokens,
        "options": req.options,
        "machine": start.machine(),
        "configs": configs,
        "summary": summary,
        "retrieval": {"line_in_context": sum(in_context), "tasks": len(in_context),
                      "context_tokens": req.context_tokens},
        "targets": targets(summary, index),
        "index": index,
        "first_pass_latency": first_pass,
        "wall_s": start.wall_s(),
        "tasks": [_task_record(t, in_context[i], {name: items[i] for name, items in results.items()})
                  for i, t in enumerate(tasks)],
    }
    write_results(req.out, data)
    return data


def _task_record(t: ContextTask, in_context: bool, results: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": t.task.id,
        "path": t.task.path,
        "language": t.task.language,
        "line": t.task.line + 1,
        "column": t.task.column + 1,
        "expected": t.task.expected,
        "uses": [dataclasses.asdict(u) for u in t.uses],
        "line_in_context": in_context,
        "results": results,
    }
