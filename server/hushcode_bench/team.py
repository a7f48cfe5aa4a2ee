"""``hushcode bench team``: several simulated users typing at once against one shared engine.

Each user is a real ``hushcode serve`` (its own process, as on each laptop) pointed at the same
server. Each types a few lines of code into its own file like an editor would (didChange and an
inlineCompletion request per keystroke, the previous request cancelled), and pauses after each
line until its suggestion arrives. Reported per user: the latency of the suggestions at the
pauses (p50/p90: the figure a user feels), how many came back empty, and how many stale
requests were cancelled; with the engines' own counts of streams closed early.

Either point it at a team's server (``--url``) or let it start llama-cpp-python's server on
loopback with a GGUF (``--serve-model``), for a self-contained measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hushcode.isolation import child_cwd, python_command
from hushcode_bench.arguments import add_cap, add_config, add_cps, json_object
from hushcode_bench.client import BenchClient
from hushcode_bench.metrics import percentile

# (file name, text before the cursor, the lines the user types; an Enter and the indentation after each)
SCRIPTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("geometry.py", "import math\n\n\ndef circle_area(radius):\n    ",
     ("if radius < 0:", "    raise ValueError(radius)", "area = math.pi * radius ** 2", "return area")),
    ("words.py", "def shout(text):\n    ",
     ("text = text.strip()", "upper = text.upper()", "mark = '!' * 3", "return upper + mark")),
    ("stats.py", "def mean(values):\n    ",
     ("values = list(values)", "total = sum(values)", "count = len(values)", "return total / count")),
    ("lines.py", "from pathlib import Path\n\n\ndef read_lines(path):\n    ",
     ("path = Path(path)", "text = path.read_text()", "lines = text.splitlines()", "return lines")),
)


@dataclass
class UserResult:
    name: str
    pause_ms: list[float] = field(default_factory=list)  # latency of the answers at pauses
    empty: int = 0  # pauses answered with no suggestion (the model's text filtered out, or no answer)
    outcomes: list[str] = field(default_factory=list)  # the server's result at each pause ("ok", "empty", ...)
    requests: int = 0
    cancelled: int = 0  # stale requests the user's editor cancelled
    engine: dict[str, Any] = field(default_factory=dict)  # the server's remote-engine counters
    messages: list[str] = field(default_factory=list)


async def simulate(client: BenchClient, name: str, head: str, lines: Sequence[str], cps: float, cap_s: float,
                   result: UserResult) -> None:
    """One user typing `lines` after `head`, pausing after each line (and after each Enter, which
    arrives with the auto-indent) for the suggestion."""
    uri = f"file:///team/{name}"
    document, version = head, 1
    client.open(uri, document)
    pending: tuple[str, Any, float] | None = None

    def type_and_ask(text: str) -> None:
        nonlocal document, version, pending
        version += 1
        client.insert(uri, version, client.position(document, len(document)), text)
        document += text
        if pending is not None and not pending[1].done():
            client.cancel(pending[0])  # as an editor does with a stale request
            result.cancelled += 1
        result.requests += 1
        msg_id = f"{name}-{result.requests}"
        pending = (msg_id, client.request(uri, client.position(document, len(document)), msg_id),
                   time.perf_counter())

    async def pause() -> None:
        nonlocal pending
        assert pending is not None
        _, future, started = pending
        try:
            answer = await asyncio.wait_for(asyncio.wrap_future(future), cap_s)
        except Exception:  # noqa: BLE001 - no answer within the cap (or an error): counted as empty
            answer = None
        result.pause_ms.append(round((time.perf_counter() - started) * 1000, 1))
        if not getattr(answer, "items", None):
            result.empty += 1
        result.outcomes.append(str((await client.status()).get("lastResult")))
        pending = None

    for index, line in enumerate(lines):
        for ch in line:
            type_and_ask(ch)
            await asyncio.sleep(1 / cps)
        await pause()
        if index < len(lines) - 1:
            type_and_ask("\n    ")
            await pause()


async def run_users(url: str, kind: str, users: int, options: dict[str, Any], cps: float, cap_s: float,
                    prefix: Sequence[str] = (), log_dir: Path | None = None, ready_timeout: float = 120,
                    env: dict[str, str] | None = None) -> list[UserResult]:
    """Start `users` servers pointed at `url`, let them type at once, and collect the figures."""
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="hushcode-team-"))
    settings = {**options, "engine": {**options.get("engine", {}), "kind": kind, "url": url}}
    clients = [BenchClient(settings, {**os.environ, **(env or {})}, log_dir / f"user{i}.log", prefix)
               for i in range(users)]
    results = [UserResult(name=f"user{i + 1}") for i in range(users)]
    root = log_dir / "workspace"
    root.mkdir(exist_ok=True)
    try:
        await asyncio.gather(*(c.start(root, ready_timeout) for c in clients))
        await asyncio.gather(*(
            simulate(c, SCRIPTS[i % len(SCRIPTS)][0].replace(".py", f"{i}.py"), SCRIPTS[i % len(SCRIPTS)][1],
                     SCRIPTS[i % len(SCRIPTS)][2], cps, cap_s, results[i])
            for i, c in enumerate(clients)))
        for c, r in zip(clients, results):
            status = await c.status(engine_stats=True)
            r.engine = status.get("engine") or {}
            r.messages = list(c.messages)
    finally:
        await asyncio.gather(*(c.stop() for c in clients), return_exceptions=True)
    return results


def report(results: Sequence[UserResult]) -> str:
    rows = ["user    pauses  p50_ms  p90_ms  shown  requests  cancelled  closed_early  deadline"]
    for r in results:
        p50, p90 = percentile(r.pause_ms, 50), percentile(r.pause_ms, 90)
        rows.append(f"{r.name:<7} {len(r.pause_ms):>6}  {p50 or 0:>6.0f}  {p90 or 0:>6.0f}  "
                    f"{len(r.pause_ms) - r.empty:>5}  {r.requests:>8}  {r.cancelled:>9}  "
                    f"{r.engine.get('closed_early', '?'):>12}  {r.engine.get('deadline', '?'):>8}")
    every = [ms for r in results for ms in r.pause_ms]
    rows.append(f"all     {len(every):>6}  {percentile(every, 50) or 0:>6.0f}  {percentile(every, 90) or 0:>6.0f}")
    return "\n".join(rows)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve_model(model: Path, log: Path, threads: int) -> Any:
    """llama-cpp-python's own OpenAI-compatible server on loopback (one request at a time; a stream
    is not interrupted by other requests, so only the clients' own cancellations close streams)."""
    port = _free_port()
    out = log.open("wb")
    proc = subprocess.Popen(python_command("llama_cpp.server", "--model", str(model.resolve()), "--host", "127.0.0.1",
                                           "--port", str(port), "--n_ctx", "4096", "--interrupt_requests", "False",
                                           *(["--n_threads", str(threads)] if threads else [])),
                            cwd=child_cwd(), stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"llama_cpp.server did not start; see {log}") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.close()


HELP = "several users typing at once against one shared engine"
DESCRIPTION = __doc__.split("\n\n")[1] if __doc__ else None


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments of ``hushcode bench team``."""
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="the shared server's base URL")
    where.add_argument("--serve-model", type=Path, help="start llama-cpp-python's server with this GGUF on loopback")
    p.add_argument("--kind", default="openai", choices=("llama-server", "openai", "ollama"),
                   help="the server's protocol (default: %(default)s)")
    p.add_argument("--users", type=int, default=4, help="simulated users (default: %(default)s)")
    add_cps(p, 8.0, "typing speed, characters/s")
    add_cap(p, 30.0, "longest wait at a pause, s")
    add_config(p, "initializationOptions for every user's server, as JSON")
    p.add_argument("--threads", type=int, default=0, help="--serve-model: threads (default: llama.cpp's)")
    p.add_argument("--no-baseline", action="store_true", help="skip the round with one user alone")
    p.add_argument("--json", type=Path, help="also write the figures here")


def run(args: argparse.Namespace) -> int:
    """A baseline first (one user alone on the server), then all users at once, in one run."""
    options = json_object(args.config, "--config")
    log_dir = Path(tempfile.mkdtemp(prefix="hushcode-team-"))
    started = time.perf_counter()
    rounds: dict[str, list[UserResult]] = {}
    with contextlib.ExitStack() as stack:
        url = args.url or stack.enter_context(serve_model(args.serve_model, log_dir / "llama-server.log", args.threads))
        print(f"[team] {args.users} users against {args.kind} at {url}; logs in {log_dir}", file=sys.stderr)
        # a warm-up round first (not reported): the server's first requests pay for its cold start
        plan = [("warm-up", 1)] + ([("alone", 1)] if not args.no_baseline and args.users > 1 else []) \
            + [("together", args.users)]
        for name, users in plan:
            (log_dir / name).mkdir()
            rounds[name] = asyncio.run(run_users(url, args.kind, users, options, args.cps, args.cap,
                                                 log_dir=log_dir / name))
        rounds.pop("warm-up")
    for name, results in rounds.items():
        print(f"{name}: {len(results)} user{'s' if len(results) > 1 else ''}")
        print(report(results))
    if "alone" in rounds:
        alone = percentile([ms for r in rounds["alone"] for ms in r.pause_ms], 50) or 0
        together = percentile([ms for r in rounds["together"] for ms in r.pause_ms], 50) or 0
        print(f"p50 at pauses: {together:.0f} ms with {args.users} users against {alone:.0f} ms alone "
              f"(x{together / alone:.2f})" if alone else "no baseline figure")
    server_log = log_dir / "llama-server.log"
    if server_log.exists():  # llama-cpp-python's server logs each stream its client closed
        closed = server_log.read_text(errors="replace").count("Disconnected from client")
        print(f"server: {closed} streams closed by their client (llama-cpp-python's own log)")
    for results in rounds.values():
        for r in results:
            for message in r.messages:
                print(f"[team] {r.name}: {message}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({"url": args.url or "serve-model", "kind": args.kind,
                                         "seconds": round(time.perf_counter() - started, 1),
                                         "rounds": {k: [r.__dict__ for r in v] for k, v in rounds.items()}},
                                        indent=2))
    return 0
