"""The tiny GGUF fixture loads in llama.cpp, tokenizes, and generates (in a subprocess, so a crash
in llama.cpp fails the test instead of killing pytest)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.tiny_gguf import FIM_TOKENS, write_tiny_gguf

# Prints one JSON line last; llama-cpp-python points fd 1 at /dev/null only during the load.
PROBE = textwrap.dedent("""
    import json, sys, time
    import llama_cpp
    started = time.perf_counter()
    llm = llama_cpp.Llama(model_path=sys.argv[1], n_ctx=256, verbose=False)
    load_ms = (time.perf_counter() - started) * 1000
    fim = llm.tokenize(b"<|fim_prefix|>", add_bos=False, special=True)
    prompt = llm.tokenize(b"def add(a, b):\\n    return", add_bos=False)
    llm.eval(prompt)
    generated = []
    for _ in range(3):
        token = llm.sample(temp=0.0)
        generated.append(int(token))
        llm.eval([token])
    print(json.dumps({
        "load_ms": load_ms, "fim": fim, "prompt": prompt, "generated": generated,
        "n_vocab": llm.n_vocab(), "n_ctx": llm.n_ctx(), "name": llm.metadata.get("general.name"),
        "text": llm.detokenize(prompt).decode(),
    }), flush=True)
""")


def probe(path: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, f"llama.cpp probe failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result from the probe:\nstdout={proc.stdout!r}\nstderr={proc.stderr[-4000:]}"
    return json.loads(lines[-1])


@pytest.mark.parametrize("fim", [True, False], ids=["fim", "no-fim"])
def test_tiny_gguf_loads_tokenizes_and_generates(tmp_path: Path, fim: bool) -> None:
    path = write_tiny_gguf(tmp_path / "tiny.gguf", fim=fim, name=f"tiny-{fim}")
    assert path.stat().st_size < 2 * 1024 * 1024

    result = probe(path)

    assert result["name"] == f"tiny-{fim}"
    assert result["n_ctx"] == 256
    assert result["text"] == "def add(a, b):\n    return"
    if fim:
        assert len(result["fim"]) == 1
    else:
        assert len(result["fim"]) > 1
    assert len(result["generated"]) == 3
    assert all(0 <= t < result["n_vocab"] for t in result["generated"])


def test_tiny_gguf_is_reproducible(tmp_path: Path) -> None:
    a = write_tiny_gguf(tmp_path / "a.gguf", fim=True).read_bytes()
    b = write_tiny_gguf(tmp_path / "b.gguf", fim=True).read_bytes()
    assert a == b
    assert all(t.encode() in a for t in FIM_TOKENS)
    assert not any(t.encode() in write_tiny_gguf(tmp_path / "c.gguf", fim=False).read_bytes()
                   for t in FIM_TOKENS)
