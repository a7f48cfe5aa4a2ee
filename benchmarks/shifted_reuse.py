"""How much does shifted KV reuse change completions? (issue: document the measured difference)

For holes in standard-library files, the prompt window's start is moved on by a few lines (as
when the window re-anchors). The completion is computed (a) after warming the cache with the
old window, so the remaining tokens are *shifted* and reused, and (b) from a cold cache. Prints
how often the two completions are identical, their mean edit similarity, and the tokens saved.

    .venv/bin/python benchmarks/shifted_reuse.py [--cases 20] [--model PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import random
import sys
import sysconfig
from pathlib import Path

from hushcode.engine.local import EngineConfig, EngineSupervisor, GenerateRequest


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--model", default=None)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    if args.model is None:
        from hushcode.models.catalog import load_catalog
        from hushcode.models.store import installed_path

        args.model = str(installed_path(load_catalog().default()))
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    texts = [(stdlib / n).read_text() for n in ("textwrap.py", "shlex.py", "difflib.py", "calendar.py", "heapq.py")]
    rng = random.Random(args.seed)
    engine = EngineSupervisor(EngineConfig(model_path=args.model, n_ctx=4096), notify=lambda level, msg: None)
    engine.start()
    assert await engine.wait_ready(120), engine.last_error
    assert engine.model is not None
    m = engine.model.markers
    same = 0
    similarity = 0.0
    saved = 0
    total = 0
    for i in range(args.cases):
        text = texts[i % len(texts)]
        lines = text.split("\n")
        cursor = rng.randrange(60, len(lines) - 20)
        old = "\n".join(lines[cursor - 50:cursor]) + "\n"
        new = "\n".join(lines[cursor - 42:cursor]) + "\n"  # the window start moved 8 lines on
        suffix = "\n".join(lines[cursor:cursor + 10])
        parts = await engine.tokenize([old, new, suffix])
        assert parts is not None
        prompt = [m.suffix, *parts[2], m.prefix, *parts[1], m.middle]  # SPM: the prefix is last
        warm_prompt = [m.suffix, *parts[2], m.prefix, *parts[0], m.middle]

        async def run(tokens: list[int], chunk: int):  # type: ignore[no-untyped-def]
            result = await engine.generate(GenerateRequest(tokens=tokens, document="x", max_tokens=24,
                                                           reuse_min_chunk=chunk, timeout_ms=300000))
            assert result is not None
            return result

        await run(warm_prompt, 16)
        shifted = await run(prompt, 16)
        await run([1, 2, 3], 0)  # flush
        cold = await run(prompt, 0)
        same += shifted.text == cold.text
        similarity += difflib.SequenceMatcher(None, shifted.text, cold.text).ratio()
        saved += shifted.reused
        total += len(prompt)
        print(f"case {i}: shifted={shifted.shifted} reused={shifted.reused}/{len(prompt)} "
              f"identical={shifted.text == cold.text}", file=sys.stderr)
    await engine.stop()
    print(f"{args.cases} cases: identical completions {same}/{args.cases} ({same / args.cases:.0%}), "
          f"mean edit similarity {similarity / args.cases:.3f}, prompt tokens reused {saved}/{total} "
          f"({saved / total:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
