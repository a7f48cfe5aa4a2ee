"""Greedy generation that reads ahead in a draft: a rewrite mostly copies text the prompt holds.

A next edit's model writes the region again with a few changes, so most of its tokens are the
region's own tokens in order. Generating them one decode at a time costs a full pass of the
model per token; a CPU evaluates a batch of tokens for little more than one (the weights are
read once per batch). So each step guesses the next `WIDTH` tokens from the draft (the tokens
that follow, in the draft, the place the output has reached), evaluates the last token and the
guesses in one batch, and keeps the guesses the model's own greedy choice agrees with, up to
the first it does not; the model's choice there is the next token. The output is the greedy
output (what one-at-a-time decoding writes), only sooner: the same idea as llama.cpp's
prompt-lookup decoding, with the region as the lookup text.

`lookup` (pure) finds where the output has reached in the draft; `CopyAhead` drives the llama
context (engine process only).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

WIDTH = 10  # tokens guessed per step: a miss at the first one costs a batch of this size
MAX_NGRAM = 3  # the output's last tokens matched in the draft, longest first


def lookup(draft: Sequence[int], out: Sequence[int], cursor: int) -> int | None:
    """Where the output continues in `draft`: the index after the first match of the output's
    last tokens (MAX_NGRAM of them, then fewer) at or after `cursor` (where the last guesses
    ended), else the last match before it; None when even the last token is not in the draft.
    An empty output continues at the draft's start."""
    if not out:
        return 0 if draft else None
    for n in range(min(MAX_NGRAM, len(out)), 0, -1):
        tail = list(out[-n:])
        ends = [j + n for j in range(len(draft) - n + 1) if list(draft[j:j + n]) == tail]
        if not ends:
            continue
        after = [e for e in ends if e >= cursor]
        return after[0] if after else ends[-1]
    return None


class CopyAhead:
    """The decode steps of `Decoder.generate` when a draft is given: `next()` the next greedy
    token, `logprob()` its log-probability, `advance(token)` once the token is kept."""

    def __init__(self, llm: Any, draft: Sequence[int], logprobs: Callable[[int], Any],
                 first: int | None = None, width: int = WIDTH) -> None:
        self.llm = llm
        self.draft = list(draft)
        self.logprobs = logprobs  # the log-softmax at a batch index of the last decode
        self.width = width
        self.out: list[int] = []
        self.cursor = 0
        self.drafted = 0  # guesses the model agreed with
        # tokens verified and ready, with their log-probabilities: all in the KV cache but the last
        lp = logprobs(-1)
        token = first if first is not None else int(lp.argmax())
        self.ready: list[tuple[int, float]] = [(token, float(lp[token]))]
        self._last = 0.0

    def next(self) -> int:
        token, self._last = self.ready.pop(0)
        self.out.append(token)
        return token

    def logprob(self, token: int) -> float:
        return self._last

    def advance(self, token: int) -> None:
        """`token` (the last from `next`) is kept: when it was a verified guess it is already in the
        cache; else evaluate it with the next guesses in one batch and keep what agrees."""
        if self.ready:
            return
        llm = self.llm
        n_past = llm.n_tokens
        start = lookup(self.draft, self.out, self.cursor)
        guesses = self.draft[start:start + self.width] if start is not None else []
        guesses = guesses[:max(0, llm.n_ctx() - n_past - 1)]
        batch = [token, *guesses]
        llm._batch.set_batch(batch=batch, n_past=n_past, logits_all=True)
        llm._ctx.decode(llm._batch)
        llm.input_ids[n_past:n_past + len(batch)] = batch
        agreed = 0
        for i in range(len(batch)):
            lp = self.logprobs(i)
            choice = int(lp.argmax())
            if i < len(guesses) and choice == guesses[i]:
                self.ready.append((choice, float(lp[choice])))
                agreed += 1
                continue
            self.ready.append((choice, float(lp[choice])))  # the model's own next token: not cached
            break
        kept = n_past + 1 + agreed
        if kept < n_past + len(batch):
            llm._ctx.kv_cache_seq_rm(-1, kept, -1)
        llm.n_tokens = kept
        self.drafted += agreed
        if start is not None:
            self.cursor = start + agreed
