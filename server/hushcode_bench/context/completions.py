"""The cross-file tasks through the real ``hushcode serve``, with workspace folders.

``run_config``: one server with one ``completion.contextTokens``; it waits until the workspace
index is ready (``hushcode/getStatus``: ``indexReady``), then completes every task, one at a time,
with the holed text in the editor buffer only (didOpen; the file on disk is never touched), and
reads each request's ``context_tokens`` / ``context_snippets`` from the server's log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hushcode_bench.client import BenchClient
from hushcode_bench.holes import Task
from hushcode_bench.processes import memory_mb
from hushcode_bench.provenance import loadavg
from hushcode_bench.scoring import parsed_before, score_task
from hushcode_bench.suggestions import ask_task

Progress = Callable[[str], None]
SERVER_KEYS = (
    "lastResult",
    "lastLatencyMs",
    "reusedTokens",
    "evaluatedTokens",
    "generatedTokens",
    "indexReady",
    "indexedFiles",
)



@dataclass(frozen=True)
class Workload:
    """What one server of the context benchmark works on."""

    roots: Sequence[Path]  # the workspace folders; the tasks' paths are relative to the first
    tasks: Sequence[Task]
    texts: dict[str, str]  # the original text of every task's file
    out: Path  # where its log goes
    progress: Progress
    timeout: float  # the longest wait for one answer


async def complete_task(
    client: BenchClient, base: Path, task: Task, text: str, timeout: float, parsed: bool | None = None
) -> dict[str, Any]:
    """One task through the server: the answer, its latency and context figures, and its scores
    (`parsed`: did the file parse before the hole; None leaves the scores out)."""
    offset = client.log_size()
    answer = await ask_task(client, base, task, text, timeout)  # a line task: the suggestion's first line
    fields = client.request_fields(offset)
    record = answer.record(
        SERVER_KEYS,
        context_tokens=int(fields.get("context_tokens", 0) or 0),
        context_snippets=int(fields.get("context_snippets", 0) or 0),
        prompt_tokens=fields.get("prompt"),
        server_result=fields.get("result"),
    )
    if parsed is not None:
        record.update(score_task(task, answer.got, answer.completed, parsed))
    return record


async def run_config(
    name: str, options: dict[str, Any], env: dict[str, str], work: Workload, ready_timeout: float = 300.0,
    index_timeout: float = 600.0,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Complete every task through one server with these options; (configuration info, answers)."""
    roots, tasks, texts, progress = work.roots, work.tasks, work.texts, work.progress
    client = BenchClient(options, env, work.out / f"server-{name}.log")
    started = time.perf_counter()
    try:
        status = await client.start(roots, ready_timeout)
        ready_s = time.perf_counter() - started
        uses_context = (options.get("completion") or {}).get("contextTokens", 384) > 0
        if uses_context:
            status = await client.wait_index(index_timeout)
        info = {
            "name": name,
            "loadavg_start": loadavg(),
            "options": options,
            "model": status.get("model"),
            "model_path": status.get("modelPath") or env.get("HUSHCODE_MODEL"),
            "template": status.get("template"),
            "ready_s": round(ready_s, 1),
            "index_ready_s": round(time.perf_counter() - started, 1) if uses_context else None,
            "indexed_files": status.get("indexedFiles"),
            "first_pass": client.first_pass() if uses_context else None,
            "server_memory_ready": memory_mb(status.get("pid")),
            "position_encoding": client.encoding,
        }
        progress(
            f"[{name}] ready in {info['ready_s']} s: model {info['model']}"
            + (f"; {info['indexed_files']} files indexed" if uses_context else "; no workspace index")
        )
        parsed = parsed_before(tasks, texts)
        answers = []
        for i, task in enumerate(tasks, 1):
            record = await complete_task(client, roots[0], task, texts[task.path], work.timeout, parsed[task.path])
            answers.append(record)
            progress(
                f"[{name}] {i}/{len(tasks)} {task.id} {record['latency_ms']:.0f} ms "
                f"context_tokens={record['context_tokens']} {'exact' if record['exact'] else ''}"
                + (f" ({record['error']})" if record["error"] else "")
            )
        info["loadavg_end"] = loadavg()
        info["server_memory_end"] = memory_mb((await client.status()).get("pid"))
        return info, answers
    finally:
        await client.stop()
