"""The next-edit tasks through one real ``hushcode serve``, one at a time, as an editor sends them.

For each task: open the old file (didOpen), make the user's recent edit as one didChange over the
first hunk's lines (so that the server's edit history holds it, as after a paste or a replaced
selection), ask ``hushcode/nextEdit`` at the cursor, apply the answer's edits to the file, close
the file (its history goes with it). The files are buffers only: the workspace folder is an
empty scratch folder and nothing is written anywhere but the results.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types

from hushcode_bench.client import BenchClient, BenchError
from hushcode_bench.next_edit.scoring import apply_edits
from hushcode_bench.next_edit.selection import Selected
from hushcode_bench.next_edit.tasks import EditTask

# the server's own line for each request (nextedit/service.py): why it answered what it did
_RESULT = re.compile(r"next_edit req=\S+ doc=.*? result=(\S+) edits=(\d+) total_ms=([\d.]+)(?:.* confidence=([\d.]+))?")


def bench_options(options: dict[str, Any]) -> dict[str, Any]:
    """The server's options: the user's, with the warm-up of opened files off unless they set it.

    An editor opens a file long before the user edits it, so its warm-up (a prompt evaluation
    at the lowest priority) is over by then; here the edit follows the open at once, and a
    warm-up still in the engine would make the next-edit generation yield (it never waits).
    """
    completion = dict(options.get("completion") or {})
    completion.setdefault("warmUp", False)
    return {**options, "completion": completion}


def _position(client: BenchClient, text: str, line: int, character: int) -> types.Position:
    """An LSP position from a line and a code-point column, in the encoding the server chose."""
    lines = text.split("\n")
    start = sum(len(x) + 1 for x in lines[:line])
    return client.position(text, start + min(character, len(lines[line]) if line < len(lines) else 0))


def server_fields(log: str) -> dict[str, Any]:
    """The server's result reason, its own time, and the model's confidence in the edit it wrote
    (percent per token; None where no model wrote one) for the last next-edit request of `log`."""
    found = _RESULT.findall(log)
    if not found:
        return {"server_result": None, "server_ms": None, "server_confidence": None}
    result, _, total, sure = found[-1]
    return {"server_result": result, "server_ms": float(total), "server_confidence": float(sure) if sure else None}


async def ask(client: BenchClient, uri: str, task: EditTask, timeout: float) -> dict[str, Any]:
    """One task through the server: its edits, the file they make, the latency, the server's reason."""
    client.open(uri, task.old)
    start = _position(client, task.old, task.recent_start, 0)
    end = _position(client, task.old, task.recent_end, 0)
    client.replace(uri, 2, start, end, task.recent_text)
    offset = client.log_size()
    at = _position(client, task.before, task.cursor_line, task.cursor_character)
    began = time.perf_counter()
    try:
        edits = await client.next_edit(uri, at, timeout)
    finally:
        latency_ms = round((time.perf_counter() - began) * 1000, 1)
        client.close(uri)
    return {"edits": edits, "predicted": apply_edits(task.before, edits, client.encoding),
            "latency_ms": latency_ms, **server_fields(client.log_since(offset))}


async def run_tasks(tasks: Sequence[Selected], options: dict[str, Any], env: dict[str, str],
                    root: Path, log_file: Path, timeout: float, ready_timeout: float,
                    progress: Callable[[str], None]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Every task through one server; (what the server said about itself, one answer per task)."""
    client = BenchClient(bench_options(options), env, log_file)
    try:
        started = time.perf_counter()
        status = await client.start(root, ready_timeout)
        info = {"model": status.get("model"), "model_path": status.get("modelPath") or env.get("HUSHCODE_MODEL"),
                "template": status.get("template"), "ready_s": round(time.perf_counter() - started, 1),
                "position_encoding": client.encoding}
        progress(f"server ready in {info['ready_s']} s: model {info['model']}")
        answers = []
        for number, selected in enumerate(tasks, 1):
            task_id = selected.id
            uri = (root / selected.folder / selected.task.path).as_uri()
            answer = await ask(client, uri, selected.task, timeout)
            answers.append(answer)
            progress(f"{number}/{len(tasks)} {task_id} {answer['latency_ms']:.0f} ms {len(answer['edits'])} edit(s) "
                     f"({answer['server_result']})")
        if client.exit_code is not None:
            raise BenchError(f"the server exited with status {client.exit_code}")
        return info, answers
    finally:
        await client.stop()
