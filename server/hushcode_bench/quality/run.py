"""``hushcode bench quality``: holes from the user's repository, completed by the real server.

Steps: list the sources, cut (or load) the tasks, optionally check which tasks the repository's
tests notice, then for each configuration start one server, complete every task in order, score
it, and finally write results.json, tasks.json and quality.png and print a table.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hushcode_bench.client import BenchClient, BenchError
from hushcode_bench.configs import Config, request_timeout, server_env
from hushcode_bench.holes import Task, cut_tasks, load_tasks, save_tasks
from hushcode_bench.placement import INDENT, indented, placed, row_kinds, writes_column0
from hushcode_bench.provenance import RunStart, code_fingerprint, header
from hushcode_bench.quality import summary
from hushcode_bench.quality.testrun import SuiteOutcome, SuiteRunner, check_tests
from hushcode_bench.report import write_results
from hushcode_bench.scoring import parsed_before, score_task
from hushcode_bench.server_log import deadline_stops
from hushcode_bench.sources import list_sources
from hushcode_bench.suggestions import ask_task

Progress = Callable[[str], None]
SERVER_KEYS = ("lastResult", "lastLatencyMs", "reusedTokens", "evaluatedTokens", "generatedTokens")


@dataclass(frozen=True)
class QualityOptions:
    """Everything `hushcode bench quality` was asked to do."""

    root: Path
    out: Path
    configs: tuple[Config, ...] = (Config("default"),)
    kinds: tuple[str, ...] = ("line", "rest", "block")
    placements: tuple[str, ...] = (INDENT,)  # where the cursor stands at a line or block hole (placement.py)
    limit: int = 10
    seed: int = 0
    max_block_lines: int = 12
    test_command: str | None = None
    test_timeout: float = 300.0
    tasks_file: Path | None = None
    ready_timeout: float = 300.0

    @property
    def row_kinds(self) -> tuple[str, ...]:
        """The kinds of the tasks and rows: each kind at each placement (`line`, `line@0`, ...)."""
        return row_kinds(self.kinds, self.placements)

    @property
    def base(self) -> Path:
        """The folder the tasks' paths are relative to (the root, or the one file's folder)."""
        return self.root if self.root.is_dir() else self.root.parent


async def _run_config(
    config: Config, opts: QualityOptions, tasks: list[Task], texts: dict[str, str], progress: Progress
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    env = server_env(config, os.environ)
    name = config.label
    client = BenchClient(config.options, env, opts.out / log_name(config))
    timeout = request_timeout(env, config.options)
    started = time.perf_counter()
    fingerprint = code_fingerprint()
    try:
        status = await client.start(opts.base.resolve(), opts.ready_timeout)
        info = {
            "name": name,
            "config": config.name,
            "trigger": config.trigger,
            "options": config.options,
            "first_line": config.first_line,
            "model": status.get("model"),
            "model_path": config.model or env.get("HUSHCODE_MODEL"),
            "template": status.get("template"),
            "ready_s": round(time.perf_counter() - started, 1),
            "position_encoding": client.encoding,
            "code": fingerprint,
        }
        progress(f"[{name}] ready in {info['ready_s']} s: model {info['model']} ({info['template']})")
        answers = []
        for i, task in enumerate(tasks, 1):
            # a line task is scored, parsed and tested with the suggestion's first line only
            answer = await ask_task(
                client, opts.base, task, texts[task.path], timeout, config.first_line, config.trigger
            )
            answers.append(answer.record(SERVER_KEYS, completed=answer.completed))
            progress(
                f"[{name}] {i}/{len(tasks)} {task.id} {answer.done.latency_ms:.0f} ms"
                + (f" ({answer.done.error})" if answer.done.error else "")
            )
    finally:
        await client.stop()
    info["deadline_stops"] = deadline_stops(client.log_file)
    if info["deadline_stops"]:
        progress(
            f"WARNING: [{name}] {info['deadline_stops']} completions stopped at the server's deadline, "
            "which cut or emptied them; on a busy machine raise HUSHCODE_COMPLETION_TIMEOUT_MS"
        )
    return info, answers


def log_name(config: Config) -> str:
    """The file name of a configuration's server log (`server-NAME.log`, `server-NAME-invoked.log`)."""
    return f"server-{config.label.replace('/', '-')}.log"


def column0_text(task: Task, text: str, shown: str) -> bool | None:
    """Did a suggestion write code at column 0 where the hole's line is indented (module-level text
    in a function body)? None when the line is not indented or nothing was shown."""
    if not shown.strip() or not indented(task, text):
        return None
    return writes_column0(shown, task.column)


def _evaluate(
    tasks: list[Task],
    texts: dict[str, str],
    answers: list[dict[str, Any]],
    runner: SuiteRunner | None,
    tested: dict[str, bool],
    first_line: bool,
) -> list[dict[str, Any]]:
    parsed = parsed_before(tasks, texts)
    results = []
    for task, answer in zip(tasks, answers, strict=True):
        completed = answer.pop("completed")
        # what the editor shows: the whole suggestion, unless the configuration keeps its first line
        shown = answer["got"] if first_line else answer["suggestion"]
        result = {
            "kind": task.kind,
            **answer,
            **score_task(task, answer["got"], completed, parsed[task.path]),
            "column0_text": column0_text(task, texts[task.path], shown),
            "tested": tested.get(task.id),
            "passed": None,
        }
        if runner is not None and tested.get(task.id):
            result["passed"] = runner.run_with(task.path, completed).passed
        results.append(result)
    return results


def run_quality(opts: QualityOptions, progress: Progress) -> dict[str, Any]:
    """Run the whole benchmark; write its files under `opts.out`; return the report."""
    start = RunStart()
    opts.out.mkdir(parents=True, exist_ok=True)
    if opts.tasks_file is not None:
        tasks, texts = load_tasks(opts.tasks_file)
    else:
        sources = list_sources(opts.root)
        texts = {s.path: s.text for s in sources}
        tasks = cut_tasks(sources, opts.kinds, opts.limit, opts.seed, opts.max_block_lines)
        progress(f"{len(sources)} source files")
    # the same holes at each placement (a task file of either placement gives both)
    tasks = placed(tasks, texts, opts.kinds, opts.placements)
    progress(f"{len(tasks)} tasks " + ", ".join(f"{k}={sum(t.kind == k for t in tasks)}" for k in opts.row_kinds))
    if not tasks:
        raise BenchError(f"no tasks: no function bodies to cut in supported files under {opts.root}")
    save_tasks(opts.out / "tasks.json", tasks, texts, opts.seed)
    runner = SuiteRunner(opts.base, opts.test_command, opts.test_timeout) if opts.test_command else None
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
                    f"WARNING: the hushcode code changed during the run: {info['name']} does not measure "
                    f"the same code as {configs[0]['name']}"
                )
            configs.append(info)
            results[info["name"]] = _evaluate(
                tasks, texts, answers, runner if tested else None, tested, config.first_line
            )
    finally:
        if runner is not None:
            runner.close()
    return _write(opts, tasks, configs, results, baseline, start)


def _write(
    opts: QualityOptions,
    tasks: list[Task],
    configs: list[dict[str, Any]],
    results: dict[str, list[dict[str, Any]]],
    baseline: SuiteOutcome | None,
    start: RunStart,
) -> dict[str, Any]:
    figures = summary.summarize(results, opts.row_kinds)
    data = {
        **header(),
        "root": str(opts.root.resolve()),
        "seed": opts.seed,
        "limit": opts.limit,
        "kinds": list(opts.kinds),
        "placements": list(opts.placements),
        "triggers": list(dict.fromkeys(c.trigger for c in opts.configs)),
        "tasks_file": str(opts.tasks_file) if opts.tasks_file else None,
        "machine": start.machine(),
        "test_command": opts.test_command,
        "test_baseline": None
        if baseline is None
        else {"passed": baseline.passed, "seconds": baseline.seconds},
        "configs": configs,
        "summary": figures,
        "wall_s": start.wall_s(),
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
        str(opts.out / "quality.png") if summary.plot(figures, opts.out / "quality.png", title) else None
    )
    write_results(opts.out, data)
    return data
