"""The baseline of ``hushcode bench latency``: what a naive server would do at each pause.

Run as its own process (``python -m hushcode_bench.latency.baseline IN.json OUT.jsonl``) so its
model shares nothing with the benchmark's process or with ``hushcode serve``; the benchmark
starts it after the replay, when the server has exited, so the two never compete for the CPU.

For each pause, in typing order, with the document as it stood and the same cursor:

- the prompt is a plain PSM string, ``<|fim_prefix|>`` + prefix + ``<|fim_suffix|>`` + suffix +
  ``<|fim_middle|>``, built as text (so llama-cpp-python tokenizes it with special tokens on);
- the prefix is the text before the cursor cut to its last ``prefix_tokens`` tokens, the suffix
  the text after it cut to its first ``suffix_tokens`` tokens (defaults 1,500 and 500: "the whole
  file, within a budget", as a naive server would send);
- ``Llama.create_completion(prompt, max_tokens, temperature=0, stop=[newline and the markers])``
  answers one line, on one ``Llama`` instance whose own cache reuses the longest common token
  prefix of consecutive prompts, and nothing else.

Its time is the whole call. ``evaluated`` follows llama-cpp-python 0.3's own rule (the common
prefix with the previous prompt is kept; at least one token is re-evaluated).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hushcode_bench.typist import would_accept

FIM_PREFIX, FIM_SUFFIX, FIM_MIDDLE = "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"
STOP = [
    "\n",
    "<|endoftext|>",
    FIM_PREFIX,
    FIM_SUFFIX,
    FIM_MIDDLE,
    "<|fim_pad|>",
    "<|file_sep|>",
    "<|repo_name|>",
    "<|im_end|>",
]


def plain_psm_prompt(prefix: str, suffix: str) -> str:
    """The naive FIM prompt, as text."""
    return f"{FIM_PREFIX}{prefix}{FIM_SUFFIX}{suffix}{FIM_MIDDLE}"


def cut_window(
    text: str,
    cursor: int,
    prefix_tokens: int,
    suffix_tokens: int,
    tokenize: Callable[[str], list[int]],
    detokenize: Callable[[Sequence[int]], str],
) -> tuple[str, str]:
    """(prefix, suffix) around `cursor`: the last `prefix_tokens` tokens before it, the first
    `suffix_tokens` after it (text that fits is kept as it is)."""
    before, after = text[:cursor], text[cursor:]
    head = tokenize(before)
    if len(head) > prefix_tokens:
        before = detokenize(head[len(head) - prefix_tokens :]) if prefix_tokens > 0 else ""
    tail = tokenize(after)
    if len(tail) > suffix_tokens:
        after = detokenize(tail[:suffix_tokens]) if suffix_tokens > 0 else ""
    return before, after


def reused_tokens(cached: Sequence[int], prompt: Sequence[int]) -> int:
    """Prompt tokens llama-cpp-python 0.3 takes from its cache: the common prefix, less one when
    the whole prompt matches (it re-evaluates one token to refresh the logits)."""
    common = 0
    for a, b in zip(cached, prompt):
        if a != b:
            break
        common += 1
    return common - 1 if common == len(prompt) and common > 0 else common


def run(spec: dict[str, Any], out: Path, progress: Callable[[str], None]) -> None:
    """Answer every pause of `spec` and append one JSON line per pause to `out`."""
    # llama_cpp loads its native library: only this process, which runs the model, pays for it
    # (the benchmark imports this module for its pure helpers)
    import llama_cpp
    from llama_cpp import Llama

    started = time.perf_counter()
    llm = Llama(
        model_path=spec["model"],
        n_ctx=int(spec.get("n_ctx", 4096)),
        n_threads=int(spec.get("threads") or 0) or None,
        n_batch=int(spec.get("n_batch", 512)),
        verbose=False,
    )
    load_ms = (time.perf_counter() - started) * 1000

    def tokenize(text: str) -> list[int]:
        return llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)

    def detokenize(tokens: Sequence[int]) -> str:
        return llm.detokenize(list(tokens)).decode("utf-8", errors="ignore")

    with out.open("w", encoding="utf-8") as sink:
        sink.write(
            json.dumps({"load_ms": round(load_ms, 1), "n_threads": llm.n_threads, "n_ctx": llm.n_ctx()})
            + "\n"
        )
        pauses = spec["pauses"]
        for i, pause in enumerate(pauses):
            prefix, suffix = cut_window(
                pause["document"],
                int(pause["cursor"]),
                int(spec["prefix_tokens"]),
                int(spec["suffix_tokens"]),
                tokenize,
                detokenize,
            )
            prompt = plain_psm_prompt(prefix, suffix)
            tokens = llm.tokenize(prompt.encode("utf-8"), special=True)  # as create_completion does
            reused = reused_tokens(list(llm._input_ids), tokens) if llm.n_tokens > 0 else 0
            llama_cpp.llama_perf_context_reset(llm._ctx.ctx)
            t0 = time.perf_counter()
            answer: Any = llm.create_completion(
                prompt, max_tokens=int(spec["max_tokens"]), temperature=0.0, stop=STOP
            )
            ms = (time.perf_counter() - t0) * 1000
            perf = llama_cpp.llama_perf_context(llm._ctx.ctx)
            text = str(answer["choices"][0]["text"])
            record = {
                "pause": i,
                "ms": round(ms, 1),
                "text": text,
                "prompt_tokens": len(tokens),
                "reused": reused,
                "evaluated": len(tokens) - reused,
                "generated": int(answer.get("usage", {}).get("completion_tokens", 0)),
                "prompt_ms": round(perf.t_p_eval_ms, 1),
                "gen_ms": round(perf.t_eval_ms, 1),
                "would_accept": would_accept(text, pause.get("line_rest", "")),
            }
            sink.write(json.dumps(record) + "\n")
            sink.flush()
            progress(f"baseline {i + 1}/{len(pauses)}: {ms:.0f} ms, evaluated {record['evaluated']}")


def main(argv: list[str] | None = None) -> int:
    """``python -m hushcode_bench.latency.baseline SPEC.json OUT.jsonl``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m hushcode_bench.latency.baseline SPEC.json OUT.jsonl", file=sys.stderr)
        return 2
    spec = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    run(spec, Path(args[1]), lambda line: print(line, file=sys.stderr, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
