"""One benchmark session: the server started, the typing replayed, RSS sampled; then the baseline.

``run_session`` owns the ``hushcode serve`` process for the replay and stops it before
``run_baseline`` starts the baseline's own process, so the two never share the CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import time
from collections.abc import Callable
from itertools import cycle
from pathlib import Path
from typing import Any

from hushcode.isolation import child_cwd, python_command
from hushcode_bench.client import BenchClient, BenchError
from hushcode_bench.latency.replay import Pace, Recording, replay_task
from hushcode_bench.processes import status_kb
from hushcode_bench.shadowing import typing_workspace
from hushcode_bench.typist import TypingTask

RSS_EVERY_S = 5.0
MIB = 1024 * 1024


def rss_summary(samples: list[dict[str, Any]], model_bytes: int) -> dict[str, Any]:
    """RSS at the end, at 5 min and its growth over the last 5 min, in MiB (from KiB samples)."""

    def total(s: dict[str, Any]) -> float | None:
        parts = [s.get("server_kb"), s.get("engine_kb")]
        return sum(parts) / 1024 if all(isinstance(p, int) for p in parts) else None  # type: ignore[arg-type]

    def near(t: float) -> dict[str, Any]:
        return min(samples, key=lambda s: abs(float(s["t_s"]) - t))

    if not samples:
        return {}
    end = samples[-1]
    out: dict[str, Any] = {
        "server_end_mb": end["server_kb"] / 1024 if end.get("server_kb") else None,
        "engine_end_mb": end["engine_kb"] / 1024 if end.get("engine_kb") else None,
        "total_end_mb": total(end),
        "limit_mb": model_bytes / MIB + 250,
        "model_mb": model_bytes / MIB,
        "max_total_mb": max((t for s in samples if (t := total(s)) is not None), default=None),
        "total_5min_mb": None,
        "growth_last_5min_mb": None,
    }
    if float(end["t_s"]) >= 300:
        out["total_5min_mb"] = total(near(300))
        start = total(near(float(end["t_s"]) - 300))
        if start is not None and out["total_end_mb"] is not None:
            out["growth_last_5min_mb"] = out["total_end_mb"] - start
    return out


async def _sample_rss(
    client: BenchClient, pids: dict[str, int | None], rec: Recording, samples: list[dict[str, Any]]
) -> None:
    while True:
        engine_kb = status_kb(pids["engine"])
        if engine_kb is None:  # the engine was restarted: ask for its new pid
            with contextlib.suppress(BenchError):
                pids["engine"] = (await client.status()).get("enginePid")
            engine_kb = status_kb(pids["engine"])
        samples.append(
            {
                "t_s": round(time.perf_counter() - rec.started, 1),
                "server_kb": status_kb(pids["server"]),
                "engine_kb": engine_kb,
                "engine_pid": pids["engine"],
            }
        )
        await asyncio.sleep(RSS_EVERY_S)


def _ints(stats: Any) -> dict[str, int]:
    return {k: v for k, v in (stats or {}).items() if isinstance(v, int) and not isinstance(v, bool)}


async def run_session(
    options: dict[str, Any],
    env: dict[str, str],
    tasks: list[TypingTask],
    pace: Pace,
    out: Path,
    say: Callable[[str], None],
    ready_timeout: float = 180.0,
    duration_minutes: float | None = None,
) -> dict[str, Any]:
    """Start the server, type `tasks` (cycling until `duration_minutes` when given), stop it.

    Returns the recording, RSS samples, the functions typed (indices into `tasks`), the server's
    status at the start and the end, and the engine's counters over the replay.
    """
    root = typing_workspace(out)
    for stale in ("server.log", "server.stderr", "baseline.jsonl"):  # an earlier run into the same folder
        (out / stale).unlink(missing_ok=True)
    client = BenchClient(options, env, out / "server.log")
    rec = Recording()
    samples: list[dict[str, Any]] = []
    try:
        first = await client.start(root, ready_timeout)
        pids = {"server": first.get("pid") or client.pid, "engine": first.get("enginePid")}
        engine0 = _ints((await client.status(engine_stats=True)).get("engine"))
        say(
            f"server pid {pids['server']}, engine pid {pids['engine']}, model {first.get('model')}, "
            f"position encoding {client.encoding}"
        )
        sampler = asyncio.create_task(_sample_rss(client, pids, rec, samples))
        deadline = time.monotonic() + duration_minutes * 60 if duration_minutes else None
        order = cycle(enumerate(tasks)) if deadline else iter(enumerate(tasks))
        typed: list[int] = []
        for index, task in order:
            count = len(rec.pauses)
            finished = await replay_task(client, task, len(typed), root, pace, rec, deadline)
            typed.append(index)
            done = rec.pauses[count:]
            say(
                f"function {len(typed)}: {Path(task.path).name} {task.name} ({task.lines} lines): "
                f"{len(done)} pauses, suggestions {sum(1 for p in done if p['tts_ms'] is not None)}, "
                f"times {[p['response_ms'] for p in done]} ms"
            )
            if not finished or (deadline is not None and time.monotonic() > deadline):
                break
        sampler.cancel()
        samples.append(
            {
                "t_s": round(time.perf_counter() - rec.started, 1),
                "server_kb": status_kb(pids["server"]),
                "engine_kb": status_kb(pids["engine"]),
            }
        )
        last = await client.status(engine_stats=True)
        engine1 = _ints(last.get("engine"))
    finally:
        await client.stop()
    last.pop("engine", None)
    return {
        "rec": rec,
        "samples": samples,
        "typed": typed,
        "status_start": first,
        "status_end": last,
        "engine": {k: v - engine0.get(k, 0) for k, v in engine1.items()},
        "messages": client.messages,
    }


def run_baseline(
    spec: dict[str, Any], states: list[dict[str, Any]], out: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    """Ask the baseline (its own process) at every pause; `spec` holds the model and its settings.

    A failure is recorded under "error" and what it answered before is kept.
    """
    spec = {**spec, "pauses": states}
    (out / "baseline-input.json").write_text(json.dumps(spec), encoding="utf-8")
    sink = out / "baseline.jsonl"
    say(f"baseline: {len(states)} pauses in a separate process")
    error = None
    try:
        subprocess.run(
            python_command("hushcode_bench.latency.baseline", str((out / "baseline-input.json").resolve()),
                           str(sink.resolve())),
            cwd=child_cwd(),
            stdout=subprocess.DEVNULL,
            check=True,
            timeout=180 + 90 * len(states),
        )
    except subprocess.SubprocessError as exc:  # keep what it answered before it failed
        error = str(exc)
        say(f"baseline failed: {exc}")
    lines = (
        [json.loads(line) for line in sink.read_text(encoding="utf-8").splitlines() if line.strip()]
        if sink.is_file()
        else []
    )
    head = lines[0] if lines else {}
    return {**head, **{k: v for k, v in spec.items() if k != "pauses"}, "error": error, "pauses": lines[1:]}
