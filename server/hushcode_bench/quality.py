"""``hushcode bench quality``: holes from the user's repository, completed by the real server.

Steps: list the sources, cut (or load) the tasks, optionally check which tasks the repository's
tests notice, then for each configuration start one server, complete every task in order, score
it, and finally write results.json, tasks.json and quality.png and print a table.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hushcode import __version__
from hushcode_bench import report
from hushcode_bench.client import BenchError, BenchServer
from hushcode_bench.holes import Task, cut_tasks, load_tasks, save_tasks
from hushcode_bench.languages import language_named, parses_cleanly
from hushcode_bench.metrics import score
from hushcode_bench.provenance import code_fingerprint, deadline_stops, source_revision
from hushcode_bench.sources import list_sources
from hushcode_bench.testrun import SuiteOutcome, SuiteRunner, check_tests

DEFAULT_TIMEOUT_MS = 60000
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Config:
    """One configuration to measure: initializationOptions, and optionally another model."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    first_line: bool = False  # keep only the first line of each suggestion (a plain baseline)


@dataclass(frozen=True)
class QualityOptions:
    """Everything `hushcode bench quality` was asked to do."""

    root: Path
    out: Path
    configs: tuple[Config, ...] = (Config("default"),)
    kinds: tuple[str, ...] = ("line", "rest", "block")
    limit: int = 10
    seed: int = 0
    max_block_lines: int = 12
    test_command: str | None = None
    test_timeout: float = 300.0
    tasks_file: Path | None = None
    ready_timeout: float = 300.0


def server_env(config: Config, environ: dict[str, str]) -> dict[str, str]:
    """The server's environment: ours, the configuration's model, a generous default deadline, and
    the full prompt even on a cold cache (every task is a jump; docs/completion.md).

    Slow machines must not turn quality into timeouts, so the completion deadline is 60 s unless
    the user's environment or the configuration's options set one.
    """
    env = dict(environ)
    if config.model:
        env["HUSHCODE_MODEL"] = config.model
    completion = config.options.get("completion")
    if "HUSHCODE_COMPLETION_TIMEOUT_MS" not in env and not (
        isinstance(completion, dict) and "timeoutMs" in completion
    ):
        env["HUSHCODE_COMPLETION_TIMEOUT_MS"] = str(DEFAULT_TIMEOUT_MS)
    if "HUSHCODE_COMPLETION_COLD_PROMPT_TOKENS" not in env and not (
        isinstance(completion, dict) and ("coldPromptTokens" in completion or "cold_prompt_tokens" in completion)
    ):
        env["HUSHCODE_COMPLETION_COLD_PROMPT_TOKENS"] = "0"  # each task is a jump: measure the full prompt
    return env


def _score_task(task: Task, got: str, completed: str, parsed_before: bool) -> dict[str, Any]:
    spec = language_named(task.language)
    s = score(task.kind, task.expected, got, spec.keywords, spec.line_comment)
    return {
        "exact": s.exact,
        "edit_similarity": round(s.edit_similarity, 4),
        "identifier_exact": s.identifier_exact,
        "identifier_f1": round(s.identifier_f1, 4),
        "empty": s.empty,
        "parses": parses_cleanly(spec, completed) if parsed_before and not s.empty else None,
    }


async def _run_config(
    config: Config, opts: QualityOptions, tasks: list[Task], texts: dict[str, str], progress: Progress
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    base = opts.root if opts.root.is_dir() else opts.root.parent
    env = server_env(config, dict(os.environ))
    server = BenchServer(config.options, env, opts.out / f"server-{config.name}.log")
    timeout = int(env.get("HUSHCODE_COMPLETION_TIMEOUT_MS", DEFAULT_TIMEOUT_MS)) / 1000 + 30
    started = time.perf_counter()
    fingerprint = code_fingerprint()
    try:
        status = await server.start(base.resolve(), opts.ready_timeout)
        info = {
            "name": config.name,
            "options": config.options,
            "first_line": config.first_line,
            "model": status.get("model"),
            "model_path": config.model or env.get("HUSHCODE_MODEL"),
            "template": status.get("template"),
            "ready_s": round(time.perf_counter() - started, 1),
            "position_encoding": server.encoding,
            "code": fingerprint,
        }
        progress(f"[{config.name}] ready in {info['ready_s']} s: model {info['model']} ({info['template']})")
        answers = []
        for i, task in enumerate(tasks, 1):
            document = task.document(texts[task.path])
            done = await server.complete(
                (base / task.path).resolve().as_uri(), task.language, document, task.start, timeout
            )
            got, completed = done.text, done.document
            if config.first_line or task.kind == "line":
                # a line task is scored, parsed and tested with the suggestion's first line only
                got = got.split("\n", 1)[0]
                completed = document[: task.start] + got + document[task.start :]
            keep = ("lastResult", "lastLatencyMs", "reusedTokens", "evaluatedTokens", "generatedTokens")
            answers.append(
                {
                    "got": got,
                    "suggestion": done.text,
                    "completed": completed,
                    "latency_ms": round(done.latency_ms, 1),
                    "idle_wait_ms": done.idle_wait_ms,
                    "error": done.error,
                    "server": {k: done.server.get(k) for k in keep},
                }
            )
            progress(
                f"[{config.name}] {i}/{len(tasks)} {task.id} {done.latency_ms:.0f} ms"
                + (f" ({done.error})" if done.error else "")
            )
    finally:
        await server.stop()
    info["deadline_stops"] = deadline_stops(server.log_file)
    if info["deadline_stops"]:
        progress(
            f"WARNING: [{config.name}] {info['deadline_stops']} completions stopped at the server's deadline, "
            "which cut or emptied them; on a busy machine raise HUSHCODE_COMPLETION_TIMEOUT_MS"
        )
    return info, answers


def _evaluate(
    tasks: list[Task],
    texts: dict[str, str],
    answers: list[dict[str, Any]],
    runner: SuiteRunner | None,
    tested: dict[str, bool],
) -> list[dict[str, Any]]:
    parsed_before = {t.path: parses_cleanly(language_named(t.language), texts[t.path]) for t in tasks}
    results = []
    for task, answer in zip(tasks, answers, strict=True):
        completed = answer.pop("completed")
        result = {
            "kind": task.kind,
            **answer,
            **_score_task(task, answer["got"], completed, parsed_before[task.path]),
            "tested": tested.get(task.id),
            "passed": None,
        }
        if runner is not None and tested.get(task.id):
            result["passed"] = runner.run_with(task.path, completed).passed
        results.append(result)
    return results


def run_quality(opts: QualityOptions, progress: Progress) -> dict[str, Any]:
    """Run the whole benchmark; write its files under `opts.out`; return the report."""
    started = time.perf_counter()
    load_before = os.getloadavg()
    opts.out.mkdir(parents=True, exist_ok=True)
    if opts.tasks_file is not None:
        tasks, texts = load_tasks(opts.tasks_file)
        tasks = [t for t in tasks if t.kind in opts.kinds]
    else:
        sources = list_sources(opts.root)
        texts = {s.path: s.text for s in sources}
        tasks = cut_tasks(sources, opts.kinds, opts.limit, opts.seed, opts.max_block_lines)
        progress(
            f"{len(sources)} source files, {len(tasks)} tasks "
            + ", ".join(f"{k}={sum(t.kind == k for t in tasks)}" for k in opts.kinds)
        )
    if not tasks:
        raise BenchError(f"no tasks: no function bodies to cut in supported files under {opts.root}")
    save_tasks(opts.out / "tasks.json", tasks, texts, opts.seed)
    runner = (
        SuiteRunner(
            opts.root if opts.root.is_dir() else opts.root.parent, opts.test_command, opts.test_timeout
        )
        if opts.test_command
        else None
    )
    baseline: SuiteOutcome | None = None
    tested: dict[str, bool] = {}
    try:
        if runner is not None:
            baseline, tested = check_tests(runner, tasks, texts, progress)
        configs: list[dict[str, Any]] = []
        results: dict[str, list[dict[str, Any]]] = {}
        for config in opts.configs:
            info, answers = asyncio.run(_run_config(config, opts, tasks, texts, progress))
            if configs and info["code"] != configs[0]["code"]:
                progress(
                    f"WARNING: the hushcode code changed during the run: {config.name} does not measure "
                    f"the same code as {configs[0]['name']}"
                )
            configs.append(info)
            results[config.name] = _evaluate(tasks, texts, answers, runner if tested else None, tested)
    finally:
        if runner is not None:
            runner.close()
    machine = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        # other processes on the machine slow llama.cpp down badly: keep the evidence
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    return _write(opts, tasks, configs, results, baseline, machine, time.perf_counter() - started)


def _write(
    opts: QualityOptions,
    tasks: list[Task],
    configs: list[dict[str, Any]],
    results: dict[str, list[dict[str, Any]]],
    baseline: SuiteOutcome | None,
    machine: dict[str, Any],
    wall_s: float,
) -> dict[str, Any]:
    summary = report.summarize(results, opts.kinds)
    data = {
        "version": 1,
        "hushcode": __version__,
        "hushcode_revision": source_revision(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "root": str(opts.root.resolve()),
        "seed": opts.seed,
        "limit": opts.limit,
        "kinds": list(opts.kinds),
        "tasks_file": str(opts.tasks_file) if opts.tasks_file else None,
        "machine": machine,
        "test_command": opts.test_command,
        "test_baseline": None
        if baseline is None
        else {"passed": baseline.passed, "seconds": baseline.seconds},
        "configs": configs,
        "summary": summary,
        "wall_s": round(wall_s, 1),
        "tasks": [
            {
                "id": t.id,
                "kind": t.kind,
                "path": t.path,
                "language": t.language,
                "line": t.line + 1,
                "column": t.column + 1,
                "expected": t.expected,
                "results": {name: items[i] for name, items in results.items()},
            }
            for i, t in enumerate(tasks)
        ],
    }
    title = f"hushcode bench quality: {opts.root.resolve().name}"
    data["plot"] = (
        str(opts.out / "quality.png") if report.plot(summary, opts.out / "quality.png", title) else None
    )
    (opts.out / "results.json").write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    return data
