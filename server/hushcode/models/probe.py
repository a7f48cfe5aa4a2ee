"""A short real speed probe: prompt evaluation and generation speed of a model on this machine.

The model is loaded by llama.cpp in a child process (``python -m hushcode.models.probe``), so a
crash in llama.cpp ends only the child and becomes a clear error here. The child evaluates a
256-token prompt of ordinary code in one batch, then generates 32 tokens greedily, and writes its
timings as JSON to a file the parent names (stdout stays free for llama.cpp's own noise).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from hushcode.isolation import child_cwd, python_command

PROMPT_TOKENS = 256
GEN_TOKENS = 32
N_CTX = 1024
_CODE = '''def parse_config(path: str) -> dict[str, object]:
    """Read a small key = value file into a dictionary, skipping comments."""
    result: dict[str, object] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise ValueError(f"{path}:{number}: expected key = value")
            result[key.strip()] = value.strip()
    return result

'''


class ProbeError(RuntimeError):
    """The probe could not measure; the message says why in one line."""


@dataclass(frozen=True)
class ProbeResult:
    """Speeds measured on this machine."""

    model: str
    path: str
    prompt_tokens: int
    prompt_ms: float
    gen_tokens: int
    gen_ms: float
    load_ms: float
    threads: int
    gpu_layers: int

    @property
    def prompt_tps(self) -> float:
        return self.prompt_tokens / (self.prompt_ms / 1000)

    @property
    def gen_tps(self) -> float:
        return self.gen_tokens / (self.gen_ms / 1000)


def run_probe(path: Path, *, threads: int, gpu_layers: int = 0, timeout_s: float = 300) -> ProbeResult:
    """Measure ``path`` in a child process; ``ProbeError`` with the reason if it cannot."""
    with tempfile.TemporaryDirectory(prefix="hushcode-probe-") as tmp:
        out = Path(tmp) / "result.json"
        argv = python_command("hushcode.models.probe", os.path.abspath(path), str(threads), str(gpu_layers),
                              str(out))
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, check=False,
                                  stdin=subprocess.DEVNULL, cwd=child_cwd())
        except subprocess.TimeoutExpired as exc:
            raise ProbeError(f"the probe did not finish within {timeout_s:.0f} s") from exc
        if proc.returncode != 0 or not out.exists():
            raise ProbeError(f"the probe of {path.name} failed ({_status(proc.returncode)}): "
                             f"{_last_line(proc.stderr)}")
        data = json.loads(out.read_text(encoding="utf-8"))
    return ProbeResult(**data)


def _status(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no message"


def _child(path: str, threads: int, gpu_layers: int, out: str) -> int:
    from llama_cpp import Llama  # lazy: llama.cpp is loaded in the probe's child process only

    started = time.perf_counter()
    try:
        llm = Llama(model_path=path, n_ctx=N_CTX, n_batch=512, n_threads=threads,
                    n_threads_batch=threads, n_gpu_layers=gpu_layers, verbose=False)
    except (ValueError, RuntimeError, OSError) as exc:  # llama-cpp-python: ValueError for a bad file
        print(f"cannot load {path}: {exc}", file=sys.stderr)
        return 1
    load_ms = (time.perf_counter() - started) * 1000
    text = _CODE * (1 + PROMPT_TOKENS // 100)
    tokens = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)[:PROMPT_TOKENS]
    llm.eval(tokens[:8])  # wake the threads and the allocator up before timing
    llm.reset()  # type: ignore[no-untyped-call]  # llama-cpp-python leaves it unannotated
    started = time.perf_counter()
    llm.eval(tokens)
    prompt_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    for _ in range(GEN_TOKENS):
        token = llm.sample(temp=0.0)
        llm.eval([token])
    gen_ms = (time.perf_counter() - started) * 1000
    name = str(llm.metadata.get("general.name") or os.path.basename(path))
    result = {"model": name, "path": path, "prompt_tokens": len(tokens), "prompt_ms": prompt_ms,
              "gen_tokens": GEN_TOKENS, "gen_ms": gen_ms, "load_ms": load_ms, "threads": threads,
              "gpu_layers": gpu_layers}
    Path(out).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]))
