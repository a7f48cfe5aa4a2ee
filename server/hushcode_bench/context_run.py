"""The server side of ``hushcode bench context``: the real ``hushcode serve`` with workspace folders.

- ``run_config``: one server with one ``completion.contextTokens``; waits until the workspace
  index is ready (``hushcode/getStatus``: ``indexReady``), then completes every task, one at a
  time, with the holed text in the editor buffer only (didOpen; the file on disk is never
  touched), and reads each request's ``context_tokens`` / ``context_snippets`` from the server's
  log (``--log-file``).
- ``run_first_pass``: a server whose first indexing pass is still running when its engine is
  ready: a few completions while ``indexReady`` is false, then the same ones once it is true.
- ``index_figures``: ``python -m hushcode_bench.index`` in a process of its own, so
  that its peak memory is the index's and not the benchmark's.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types

from hushcode import __version__
from hushcode.isolation import child_cwd, python_command
from hushcode_bench.client import BenchError, BenchServer
from hushcode_bench.holes import Task
from hushcode_bench.languages import language_named, parses_cleanly
from hushcode_bench.latency_stats import parse_log_line
from hushcode_bench.metrics import score

Progress = Callable[[str], None]
_INDEXED = re.compile(r"indexed (\d+) files \((\d+) parsed, (\d+) from cache\) in ([\d.]+) s")
# a document that exists only in the editor: the warm-up request before the timed ones
IDLE_SAMPLE_S = 3.0
SCRATCH = "def scratch(values):\n    total = 0\n    for value in values:\n        \n    return total\n"


def process_memory_mb(pid: int | None) -> dict[str, float | None]:
    """Resident memory (now and peak) of a process, from Linux /proc; None elsewhere."""
    found: dict[str, float | None] = {"rss_mb": None, "peak_rss_mb": None}
    if not pid:
        return found
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                found["rss_mb"] = round(int(line.split()[1]) / 1024, 1)
            elif line.startswith("VmHWM:"):
                found["peak_rss_mb"] = round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return found


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


async def cpu_share(pid: int | None, seconds: float) -> float | None:
    """The share of one core that a process used over the next `seconds`."""
    before, started = cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(seconds)
    after = cpu_seconds(pid)
    if before is None or after is None:
        return None
    return round((after - before) / (time.perf_counter() - started), 3)


class ContextServer(BenchServer):
    """A BenchServer opened on several workspace folders, that reads its own log per request."""

    async def start_folders(self, roots: Sequence[Path], ready_timeout: float) -> dict[str, Any]:
        """Start, initialize with `roots` as the workspace folders, wait for the engine."""
        if len(roots) == 1:
            return await self.start(roots[0], ready_timeout)
        await self._client.start_io(
            *python_command("hushcode", "serve", "--log-file", str(self.log_file.resolve())), env=self.env,
            cwd=roots[0],
        )
        process = self._client._server
        if process is not None and process.stderr is not None:
            self._drain = asyncio.create_task(self._copy_stderr(process.stderr))
        caps = types.ClientCapabilities(
            general=types.GeneralClientCapabilities(position_encodings=["utf-8", "utf-16"]),
            text_document=types.TextDocumentClientCapabilities(
                synchronization=types.TextDocumentSyncClientCapabilities(),
                inline_completion=types.InlineCompletionClientCapabilities(dynamic_registration=False),
            ),
        )
        result = await asyncio.wait_for(
            self._client.initialize_async(
                types.InitializeParams(
                    capabilities=caps,
                    initialization_options=self.options,
                    root_uri=roots[0].as_uri(),
                    workspace_folders=[types.WorkspaceFolder(uri=r.as_uri(), name=r.name) for r in roots],
                    client_info=types.ClientInfo(name="hushcode-bench", version=__version__),
                )
            ),
            60,
        )
        encoding = result.capabilities.position_encoding
        self.encoding = str(getattr(encoding, "value", encoding or "utf-16"))
        self._client.initialized(types.InitializedParams())
        return await self._wait_ready(ready_timeout)

    async def wait_index(self, timeout: float) -> dict[str, Any]:
        """Poll until the first indexing pass is over; the status then."""
        started = time.monotonic()
        while True:
            current = await self.status()
            if current.get("indexReady"):
                return current
            # the index exists (indexedFiles: 0) as soon as `initialized` is handled
            if current.get("indexedFiles") is None and time.monotonic() - started > 10:
                raise BenchError(
                    "the server has no workspace index (no workspace folder, or contextTokens 0)"
                )
            if time.monotonic() - started > timeout:
                raise BenchError(f"the workspace index was not ready after {timeout:.0f} s")
            await asyncio.sleep(0.1)

    def log_size(self) -> int:
        try:
            return self.log_file.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset: int) -> str:
        try:
            with self.log_file.open("rb") as handle:
                handle.seek(offset)
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def request_fields(self, offset: int) -> dict[str, Any]:
        """The ``complete req=i<n> ...`` log fields of the inline request answered since `offset`
        (warm-up and speculative lines are left out)."""
        lines = [parse_log_line(line) for line in self.log_since(offset).splitlines()]
        inline = [f for f in lines if f is not None and str(f.get("req", "")).startswith("i")]
        return dict(inline[-1]) if inline else {}

    def first_pass(self) -> dict[str, Any] | None:
        """The server's own figures for its first indexing pass (its log line), if over."""
        found = _INDEXED.search(self.log_since(0))
        if found is None:
            return None
        files, parsed, cached, seconds = found.groups()
        return {
            "files": int(files),
            "parsed": int(parsed),
            "from_cache": int(cached),
            "seconds": float(seconds),
            "files_per_s": round(int(files) / float(seconds), 1) if float(seconds) > 0 else None,
        }


def score_answer(task: Task, got: str, completed: str, parsed_before: bool) -> dict[str, Any]:
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


async def complete_task(
    server: ContextServer,
    base: Path,
    task: Task,
    text: str,
    timeout: float,
    parsed_before: bool | None = None,
) -> dict[str, Any]:
    """One task through the server: the answer, its scores, latency and context figures."""
    document = task.document(text)
    offset = server.log_size()
    done = await server.complete(
        (base / task.path).resolve().as_uri(), task.language, document, task.start, timeout
    )
    got = done.text.split("\n", 1)[0]  # a line task counts the suggestion's first line
    completed = document[: task.start] + got + document[task.start :]
    fields = server.request_fields(offset)
    keep = (
        "lastResult",
        "lastLatencyMs",
        "reusedTokens",
        "evaluatedTokens",
        "generatedTokens",
        "indexReady",
        "indexedFiles",
    )
    record: dict[str, Any] = {
        "got": got,
        "suggestion": done.text,
        "latency_ms": round(done.latency_ms, 1),
        "idle_wait_ms": done.idle_wait_ms,
        "error": done.error,
        "context_tokens": int(fields.get("context_tokens", 0) or 0),
        "context_snippets": int(fields.get("context_snippets", 0) or 0),
        "prompt_tokens": fields.get("prompt"),
        "server_result": fields.get("result"),
        "server": {k: done.server.get(k) for k in keep},
    }
    if parsed_before is not None:
        record.update(score_answer(task, got, completed, parsed_before))
    return record


async def run_config(
    name: str,
    options: dict[str, Any],
    env: dict[str, str],
    roots: Sequence[Path],
    tasks: Sequence[Task],
    texts: dict[str, str],
    out: Path,
    progress: Progress,
    timeout: float,
    ready_timeout: float = 300.0,
    index_timeout: float = 600.0,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Complete every task through one server with these options; (configuration info, answers)."""
    server = ContextServer(options, env, out / f"server-{name}.log")
    started = time.perf_counter()
    try:
        status = await server.start_folders(roots, ready_timeout)
        ready_s = time.perf_counter() - started
        uses_context = (options.get("completion") or {}).get("contextTokens", 384) > 0
        if uses_context:
            status = await server.wait_index(index_timeout)
        memory_ready = process_memory_mb(status.get("pid"))
        info = {
            "name": name,
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
            "options": options,
            "model": status.get("model"),
            "model_path": status.get("modelPath") or env.get("HUSHCODE_MODEL"),
            "template": status.get("template"),
            "ready_s": round(ready_s, 1),
            "index_ready_s": round(time.perf_counter() - started, 1) if uses_context else None,
            "indexed_files": status.get("indexedFiles"),
            "first_pass": server.first_pass() if uses_context else None,
            "server_memory_ready": memory_ready,
            "position_encoding": server.encoding,
        }
        progress(
            f"[{name}] ready in {info['ready_s']} s: model {info['model']}"
            + (f"; {info['indexed_files']} files indexed" if uses_context else "; no workspace index")
        )
        parsed = {t.path: parses_cleanly(language_named(t.language), texts[t.path]) for t in tasks}
        answers = []
        base = roots[0]
        for i, task in enumerate(tasks, 1):
            record = await complete_task(server, base, task, texts[task.path], timeout, parsed[task.path])
            answers.append(record)
            progress(
                f"[{name}] {i}/{len(tasks)} {task.id} {record['latency_ms']:.0f} ms "
                f"context_tokens={record['context_tokens']} {'exact' if record['exact'] else ''}"
                + (f" ({record['error']})" if record["error"] else "")
            )
        info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
        info["server_memory_end"] = process_memory_mb((await server.status()).get("pid"))
        return info, answers
    finally:
        await server.stop()


async def run_first_pass(
    options: dict[str, Any],
    env: dict[str, str],
    roots: Sequence[Path],
    tasks: Sequence[Task],
    texts: dict[str, str],
    out: Path,
    progress: Progress,
    timeout: float,
    ready_timeout: float = 300.0,
    index_timeout: float = 900.0,
) -> dict[str, Any]:
    """Completion latency while the first indexing pass runs, against the same requests after it.

    A request counts as "during" when the status says `indexReady: false` both before it is sent
    and right after its answer. One untimed request on a scratch buffer comes first, so that the
    engine's first-request costs are not counted against the pass.
    """
    server = ContextServer(options, env, out / "server-first-pass.log")
    load_start = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    during: list[dict[str, Any]] = []
    partial: list[dict[str, Any]] = []
    idle: list[dict[str, Any]] = []
    try:
        status = await server.start_folders(roots, ready_timeout)
        engine_ready_s = round(time.perf_counter() - started, 1)
        ready_at_engine = bool(status.get("indexReady"))
        progress(
            f"[first-pass] engine ready in {engine_ready_s} s; index "
            + ("already ready" if ready_at_engine else f"still running ({status.get('indexedFiles')})")
        )
        if not ready_at_engine and tasks:
            scratch = (out / "scratch" / "scratch.py").resolve().as_uri()  # never written: a buffer only
            await server.complete(scratch, "python", SCRATCH, SCRATCH.index("\n    return") - 0, timeout)
            for task in tasks:
                if (await server.status()).get("indexReady"):
                    break
                record = await complete_task(server, roots[0], task, texts[task.path], timeout)
                record["id"] = task.id
                (during if not record["server"]["indexReady"] else partial).append(record)
                progress(
                    f"[first-pass] during the pass: {task.id} {record['latency_ms']:.0f} ms"
                    + ("" if not record["server"]["indexReady"] else " (the pass ended meanwhile)")
                )
        status = await server.wait_index(index_timeout)
        index_ready_s = round(time.perf_counter() - started, 1)
        memory = process_memory_mb(status.get("pid"))
        # what the server does with nothing to do (a busy watcher would slow the engine down)
        idle_cpu = await cpu_share(status.get("pid"), IDLE_SAMPLE_S)
        if idle_cpu is not None and idle_cpu > 0.2:
            progress(f"[first-pass] note: the idle server used {idle_cpu:.0%} of a core after its first pass")
        by_id = {t.id: t for t in tasks}
        for record in during:
            task = by_id[record["id"]]
            again = await complete_task(server, roots[0], task, texts[task.path], timeout)
            again["id"] = task.id
            idle.append(again)
            progress(f"[first-pass] idle: {task.id} {again['latency_ms']:.0f} ms")
        return {
            "roots": [str(r) for r in roots],
            "loadavg_start": load_start,
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            "engine_ready_s": engine_ready_s,
            "index_ready_s": index_ready_s,
            "index_ready_at_engine_ready": ready_at_engine,
            "indexed_files": status.get("indexedFiles"),
            "first_pass": server.first_pass(),
            "server_memory_after_pass": memory,
            "server_cpu_idle_after_pass": idle_cpu,
            "during": during,
            "partial": partial,
            "idle": idle,
        }
    finally:
        await server.stop()


def index_figures(folder: Path, changed: int, timeout: float = 900.0) -> dict[str, Any]:
    """`python -m hushcode_bench.index FOLDER --json` (its cache in a temporary folder)."""
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
