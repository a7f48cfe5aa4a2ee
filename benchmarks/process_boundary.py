"""What the engine's process boundary costs.

Runs the same FIM prompts (cut from standard-library files) twice in one run:
  A. in-process: the engine's own generation loop called directly (no pipe);
  B. through EngineSupervisor: a child process over pipes, tokens streamed back.
Prints per-request and per-token overhead of B against A and against the engine's own
timing, and compares token counting in the server (a vocab-only load) with asking the
engine over the pipe.

    .venv/bin/python benchmarks/process_boundary.py [--model PATH] [--requests 12] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

from hushcode.engine.local import EngineConfig, EngineSupervisor, GenerateRequest
from hushcode.prompt.layout import Budget, build_fim_tokens, fit_budget, split_around_cursor
from hushcode.prompt.templates import FimMarkers
from hushcode.worker.main import Engine


class ListChannel:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def send(self, message: dict[str, Any]) -> None:
        self.messages.append(message)


def holes(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(prefix, suffix) pairs cut at random line ends in stdlib modules."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = [stdlib / n for n in ("json/decoder.py", "textwrap.py", "shlex.py", "fnmatch.py", "bisect.py")]
    rng = random.Random(seed)
    out = []
    for i in range(count):
        text = files[i % len(files)].read_text()
        lines = text.split("\n")
        line = rng.randrange(10, len(lines) - 10)
        offset = sum(len(x) + 1 for x in lines[:line]) + len(lines[line]) // 2
        window = split_around_cursor(text, offset, 60, 20)
        out.append((window.prefix, window.suffix))
    return out


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--requests", type=int, default=12)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.model is None:
        from hushcode.models.catalog import load_catalog
        from hushcode.models.store import installed_path

        args.model = str(installed_path(load_catalog().default()))

    pairs = holes(args.requests)

    # A. in-process
    channel = ListChannel()
    engine = Engine(channel)  # type: ignore[arg-type]
    t = time.perf_counter()
    engine.load({"path": args.model, "n_ctx": 4096})
    inproc_load_ms = (time.perf_counter() - t) * 1000
    loaded = channel.messages[-1]
    m = loaded["markers"]
    markers = FimMarkers(loaded["template"], m["prefix"], m["suffix"], m["middle"], m["order"], (), ())
    prompts = []
    tok_inproc = []
    for prefix, suffix in pairs:
        t = time.perf_counter()
        p = engine.llm.tokenize(prefix.encode(), add_bos=False, special=False)
        s = engine.llm.tokenize(suffix.encode(), add_bos=False, special=False)
        tok_inproc.append((time.perf_counter() - t) * 1000)
        p, s = fit_budget(p, s, Budget(512, 128))
        prompts.append(build_fim_tokens(markers, p, s, loaded["bos"]))
    inproc = []
    for i, tokens in enumerate(prompts):
        t = time.perf_counter()
        engine.generate({"id": i, "tokens": tokens, "max_tokens": args.max_tokens, "timeout_ms": 60000})
        wall = (time.perf_counter() - t) * 1000
        done = channel.messages[-1]
        inproc.append({"wall": wall, "engine": done["prompt_ms"] + done["gen_ms"], "gen": done["gen_ms"],
                       "generated": done["generated"],
                       "evaluated": done["evaluated"]})
    del engine

    # vocab-only load in this process (the alternative way to count tokens in the server)
    from llama_cpp import Llama

    rss0 = rss_mb()
    t = time.perf_counter()
    vocab = Llama(model_path=args.model, vocab_only=True, verbose=False)
    vocab_load_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    for prefix, suffix in pairs:
        vocab.tokenize(prefix.encode(), add_bos=False, special=False)
        vocab.tokenize(suffix.encode(), add_bos=False, special=False)
    vocab_tok_ms = (time.perf_counter() - t) * 1000 / len(pairs)
    vocab_rss_mb = rss_mb() - rss0

    # B. through the supervisor
    sup = EngineSupervisor(EngineConfig(model_path=args.model), notify=lambda level, msg: print(level, msg))
    t = time.perf_counter()
    sup.start()
    assert await sup.wait_ready(120), sup.last_error
    proc_load_ms = (time.perf_counter() - t) * 1000
    piped = []
    tok_ipc = []
    for i, (tokens, (prefix, suffix)) in enumerate(zip(prompts, pairs)):
        t = time.perf_counter()
        await sup.tokenize([prefix, suffix])
        tok_ipc.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        result = await sup.generate(GenerateRequest(tokens=tokens, document=f"d{i}", max_tokens=args.max_tokens,
                                                    timeout_ms=60000))
        wall = (time.perf_counter() - t) * 1000
        assert result is not None
        piped.append({"wall": wall, "engine": result.prompt_ms + result.gen_ms, "gen": result.gen_ms,
                      "generated": result.generated,
                      "evaluated": result.evaluated})
    await sup.stop()

    def summary(rows: list[dict[str, float]]) -> dict[str, float]:
        return {"wall_ms_p50": statistics.median(r["wall"] for r in rows),
                "engine_ms_p50": statistics.median(r["engine"] for r in rows),
                "tokens_generated": sum(r["generated"] for r in rows),
                "prompt_tokens_evaluated": sum(r["evaluated"] for r in rows)}

    overhead = [p["wall"] - p["engine"] for p in piped]
    inproc_overhead = [p["wall"] - p["engine"] for p in inproc]
    generated = sum(p["generated"] for p in piped) or 1
    report = {
        "requests": len(prompts), "max_tokens": args.max_tokens,
        "in_process": summary(inproc), "through_pipe": summary(piped),
        "pipe_overhead_ms_per_request_p50": statistics.median(overhead),
        "pipe_overhead_ms_per_request_max": max(overhead),
        "in_process_overhead_ms_per_request_p50": statistics.median(inproc_overhead),
        "pipe_overhead_ms_per_generated_token": (sum(overhead) - sum(inproc_overhead)) / generated,
        "engine_gen_ms_per_generated_token": sum(p["gen"] for p in piped) / generated,
        "load_ms": {"in_process": inproc_load_ms, "child_process_until_ready": proc_load_ms},
        "token_counting": {"ipc_round_trip_ms_p50": statistics.median(tok_ipc),
                           "in_process_ms_p50": statistics.median(tok_inproc),
                           "vocab_only_load_ms": vocab_load_ms, "vocab_only_tokenize_ms": vocab_tok_ms,
                           "vocab_only_extra_rss_mb": vocab_rss_mb},
    }
    print(json.dumps(report, indent=2))
    a, b = report["in_process"], report["through_pipe"]
    print(f"\nper request p50: in-process {a['wall_ms_p50']:.1f} ms, through the pipe {b['wall_ms_p50']:.1f} ms "
          f"(ratio {b['wall_ms_p50'] / a['wall_ms_p50']:.3f})")
    print(f"pipe overhead: {report['pipe_overhead_ms_per_request_p50']:.2f} ms per request (p50), "
          f"{report['pipe_overhead_ms_per_generated_token']:.3f} ms per generated token, against "
          f"{report['engine_gen_ms_per_generated_token']:.1f} ms of engine time per generated token")
    tc = report["token_counting"]
    print(f"token counting: ask the engine {tc['ipc_round_trip_ms_p50']:.2f} ms/request; in the server "
          f"{tc['vocab_only_tokenize_ms']:.2f} ms/request after a {tc['vocab_only_load_ms']:.0f} ms vocab-only "
          f"load costing {tc['vocab_only_extra_rss_mb']:.0f} MB RSS")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
