"""Plan how much of the KV cache a new prompt can reuse.

llama.cpp decodes a batch only at the end of what a sequence holds (positions must continue
from the largest one stored). So a new prompt can reuse:
1. the longest common prefix with the cached tokens, as is;
2. then chunks of the cached tokens that reappear, in order, *earlier* than they sit now
   (text was removed before them: the prefix window moved on, a line was deleted). Their KV
   entries are shifted left, as the llama.cpp server's `--cache-reuse` does;
3. everything after the first token that is new must be evaluated.
The plan is pure; `apply_plan` carries it out with llama-cpp-python's low-level memory API.

Shifted entries were computed in their old context, so shifted reuse is an approximation
(docs/performance.md records its measured effect); prefix reuse is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Move:
    """Cached tokens [src, src+length) reappear at prompt positions [dst, dst+length); dst <= src."""

    src: int
    dst: int
    length: int


@dataclass(frozen=True)
class ReusePlan:
    keep: int  # the common prefix, reused in place
    moves: tuple[Move, ...]  # chunks reused by shifting, in order
    evaluate_from: int  # prompt[evaluate_from:] is decoded

    @property
    def shifted(self) -> int:
        return sum(m.length for m in self.moves)

    @property
    def reused(self) -> int:
        return self.keep + self.shifted


def plan_reuse(cached: Sequence[int], prompt: Sequence[int], min_chunk: int = 16) -> ReusePlan:
    """The reuse plan for `prompt` given the tokens the cache holds (`min_chunk` 0 = prefix only)."""
    if not prompt:
        return ReusePlan(0, (), 0)
    last = len(prompt) - 1  # the last prompt token is always decoded, for fresh logits
    keep = 0
    limit = min(len(cached), last)
    while keep < limit and cached[keep] == prompt[keep]:
        keep += 1
    moves: list[Move] = []
    p = c = keep
    if min_chunk > 0 and p < last:
        index: dict[tuple[int, ...], list[int]] = {}
        for i in range(keep, len(cached) - min_chunk + 1):
            index.setdefault(tuple(cached[i:i + min_chunk]), []).append(i)
        while p + min_chunk <= last:
            starts = [i for i in index.get(tuple(prompt[p:p + min_chunk]), ()) if i >= c]
            if not starts:
                break  # a new token: everything from here on must be decoded
            src = starts[0]
            length = min_chunk
            while p + length < last and src + length < len(cached) and cached[src + length] == prompt[p + length]:
                length += 1
            moves.append(Move(src=src, dst=p, length=length))
            p += length
            c = src + length
    return ReusePlan(keep=keep, moves=tuple(moves), evaluate_from=p)


def apply_plan(llm: Any, plan: ReusePlan, prompt: Sequence[int]) -> None:
    """Carry out `plan` on a llama_cpp.Llama: drop stale KV entries, shift reused chunks left,
    and leave the Llama object's bookkeeping pointing at `prompt[:plan.evaluate_from]`."""
    import llama_cpp  # lazy: the server imports this module (plan_reuse) and never loads llama.cpp

    memory = llama_cpp.llama_get_memory(llm.ctx)
    for move in plan.moves:
        # 1. stale entries between the previous reused run and this chunk
        llama_cpp.llama_memory_seq_rm(memory, 0, move.dst, move.src)
        # 2. the chunk itself moves left to where the prompt now has it
        llama_cpp.llama_memory_seq_add(memory, 0, move.src, move.src + move.length, move.dst - move.src)
    llama_cpp.llama_memory_seq_rm(memory, 0, plan.evaluate_from, -1)
    llm.input_ids[: plan.evaluate_from] = prompt[: plan.evaluate_from]
    llm.n_tokens = plan.evaluate_from


def can_shift(llm: Any) -> bool:
    """Whether this context's memory supports shifting (some model types do not)."""
    import llama_cpp  # lazy: see apply_plan

    return bool(llama_cpp.llama_memory_can_shift(llama_cpp.llama_get_memory(llm.ctx)))
