"""Compare llama-cpp-python builds (e.g. AVX-512 against AVX2 only) on the same model, in one run.

Each build lives in its own Python environment. The runs alternate (A B A B ...) so that noise from
a shared machine falls on both alike, and the ratio is what to read.

    .venv/bin/python benchmarks/build_flags.py --python /tmp/venv-avx2/bin/python --python .venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import json, sys, time
from llama_cpp import Llama
path, n_prompt, n_gen = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
llm = Llama(model_path=path, n_ctx=2048, n_batch=512, verbose=False)
text = open(sys.argv[4]).read()
tokens = llm.tokenize(text.encode(), add_bos=False, special=False)[:n_prompt]
t = time.perf_counter(); llm.eval(tokens); pp = time.perf_counter() - t
llm._sampler = llm._init_sampler(temp=0.0, repeat_penalty=1.0)
t = time.perf_counter()
for _ in range(n_gen):
    tok = llm.sample(temp=0.0)
    llm.eval([tok])
tg = time.perf_counter() - t
flags = open(sys.prefix + "/hushcode-llama-flags").read() if __import__("os").path.exists(sys.prefix + "/hushcode-llama-flags") else "?"
print(json.dumps({"pp_tps": len(tokens) / pp, "tg_tps": n_gen / tg, "flags": flags}), file=sys.stderr)
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", action="append", required=True, help="interpreter of a build (twice or more)")
    parser.add_argument("--model", default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prompt-tokens", type=int, default=512)
    parser.add_argument("--gen-tokens", type=int, default=64)
    args = parser.parse_args()
    if args.model is None:
        from hushcode.models.catalog import load_catalog
        from hushcode.models.store import installed_path

        args.model = str(installed_path(load_catalog().default()))
    text = str(Path(json.__file__).with_name("decoder.py"))
    results: dict[str, list[dict[str, float]]] = {p: [] for p in args.python}
    for _ in range(args.rounds):
        for python in args.python:
            proc = subprocess.run([python, "-c", PROBE, args.model, str(args.prompt_tokens), str(args.gen_tokens), text],
                                  capture_output=True, text=True, timeout=600, check=False)
            line = [x for x in proc.stderr.splitlines() if x.startswith("{")][-1]
            results[python].append(json.loads(line))
    base = args.python[0]
    base_pp = statistics.median(r["pp_tps"] for r in results[base])
    base_tg = statistics.median(r["tg_tps"] for r in results[base])
    print(f"{'build':60} {'prompt tok/s':>12} {'gen tok/s':>10} {'pp ratio':>9} {'tg ratio':>9}")
    for python, rows in results.items():
        pp = statistics.median(r["pp_tps"] for r in rows)
        tg = statistics.median(r["tg_tps"] for r in rows)
        print(f"{python:60} {pp:12.1f} {tg:10.1f} {pp / base_pp:9.2f} {tg / base_tg:9.2f}")
        print(f"   flags: {rows[0]['flags'] or 'defaults'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
