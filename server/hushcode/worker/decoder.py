"""The decode loop inside the engine: prompt evaluation with KV-cache reuse, greedy generation
with early stop, and alternatives for a manual trigger.

Runs in the engine process only (it drives a llama_cpp.Llama); the stop flag and the deadline
are checked after every prompt chunk and every generated token.
"""

from __future__ import annotations

import codecs
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hushcode.worker.copy_ahead import CopyAhead
from hushcode.worker.kv_reuse import apply_plan, plan_reuse
from hushcode.worker.stop_rule import StopRule

PROMPT_CHUNK = 32  # evaluate long prompts in chunks so a cancel lands within one chunk
SCORE_CHUNK = 32  # tokens scored per batch (each keeps its logits: 32 x n_vocab floats)


@dataclass(frozen=True)
class Limits:
    """When to stop generating."""

    max_tokens: int
    deadline: float  # time.monotonic()
    stop_at_newline: bool = False
    stop_texts: tuple[str, ...] = ()
    stop_indent: int | None = None
    stop_unmatched_close: bool = False
    token_delay_s: float = 0.0  # fault injection for tests
    # the first-suggestion budget: after this many seconds of generation, stop at the next line end
    # (a block then shows its complete lines now; the rest is the next request's, as if accepted)
    line_budget_s: float | None = None
    # read each token's log-probability until the first line of code is written (the suggestion's
    # confidence: one pass over the vocabulary per token of that line)
    confidence: bool = False
    every_logprob: bool = False  # read every token's log-probability (Output.token_logprobs)


@dataclass
class Evaluation:
    reused: int  # prompt tokens whose KV entries were kept (prefix) or shifted
    shifted: int  # of which shifted
    evaluated: int
    interrupted: str | None = None  # "cancelled" or "deadline"


@dataclass
class Output:
    text: str
    generated: int
    reason: str
    first_token: int | None = None  # the token the text starts with
    # the log-probability of each token of the first line of code (the model's own confidence in
    # what the user sees first; a forced first token counts with its own log-probability)
    first_line_logprobs: tuple[float, ...] = ()
    drafted: int = 0  # tokens taken from the draft (copy_ahead.py)
    # with Limits.every_logprob: (where the token's text ends in `text`, its log-probability)
    token_logprobs: tuple[tuple[int, float], ...] = ()


def token_bytes(llm: Any, token: int) -> bytes:
    """A token's bytes (a control token not spelled out). llama-cpp-python's own detokenize reads
    a piece into 32 bytes and loses a longer one; Qwen's vocabulary has tokens of 32 spaces and
    more (the indentation of a continuation line aligned under an open bracket)."""
    vocab = getattr(getattr(llm, "_model", None), "vocab", None)
    if vocab is None:  # a stand-in model of the tests
        return bytes(llm.detokenize([token]))
    import ctypes

    import llama_cpp  # lazy: the engine process only

    size = 64
    while True:
        buffer = ctypes.create_string_buffer(size)
        n = llama_cpp.llama_token_to_piece(vocab, token, buffer, size, 0, False)
        if n >= 0:
            return buffer.raw[:n]
        size = -n


def _top(logprobs: Any, k: int) -> list[int]:
    """The k likeliest tokens, likeliest first (a partial sort: the vocabulary is ~150k long)."""
    import numpy as np  # lazy: the engine process only

    k = min(k, len(logprobs))
    best = np.argpartition(-logprobs, k - 1)[:k]
    return [int(t) for t in best[np.argsort(-logprobs[best])]]


class Decoder:
    """Greedy decoding on one llama context."""

    def __init__(self, llm: Any, stop_ids: set[int], is_eog: Callable[[int], bool],
                 stopped: Callable[[], bool]) -> None:
        self.llm = llm
        self.stop_ids = stop_ids
        self.is_eog = is_eog
        self.stopped = stopped

    def evaluate_prompt(self, tokens: list[int], deadline: float, min_chunk: int = 0,
                        on_chunk: Callable[[int], None] = lambda n: None) -> Evaluation:
        """Bring the KV cache to `tokens`, reusing what it can (see kv_reuse.py)."""
        llm = self.llm
        # 1. Plan: common prefix, then chunks that only moved left (when min_chunk > 0).
        plan = plan_reuse(llm.input_ids[: llm.n_tokens].tolist(), tokens, min_chunk)
        apply_plan(llm, plan, tokens)
        result = Evaluation(reused=plan.reused, shifted=plan.shifted, evaluated=0)
        # 2. Evaluate only what is new, in chunks, checking the stop flag between them.
        pending = tokens[plan.evaluate_from:]
        while pending:
            if self.stopped():
                result.interrupted = "cancelled"
                break
            if time.monotonic() > deadline:
                result.interrupted = "deadline"
                break
            chunk, pending = pending[:PROMPT_CHUNK], pending[PROMPT_CHUNK:]
            llm.eval(chunk)
            result.evaluated += len(chunk)
            on_chunk(result.evaluated)
        return result

    def _logits(self, index: int = -1) -> Any:
        """The raw logits at output `index` of the last decode (a float32 view, not a copy)."""
        import llama_cpp  # lazy, as numpy: only the engine process decodes
        import numpy as np

        n_vocab = llama_cpp.llama_vocab_n_tokens(self.llm._model.vocab)
        return np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(self.llm.ctx, index), shape=(n_vocab,))

    def _logprobs(self, index: int = -1) -> Any:
        """Log-softmax of the logits at output `index` of the last decode (numpy, float64)."""
        import numpy as np

        logits = self._logits(index).astype(np.float64)
        top = logits.max()
        return logits - (top + np.log(np.exp(logits - top).sum()))

    def token_logprob(self, token: int) -> float:
        """The log-probability of `token` at the last decoded position (in float32: one pass over
        the vocabulary, a fraction of a millisecond)."""
        import numpy as np

        logits = self._logits()
        top = logits.max()
        return float(logits[token] - top - np.log(np.exp(logits - top).sum()))

    def first_tokens(self, n: int) -> list[int]:
        """The n most likely next tokens after the prompt that start *different* suggestions."""
        return [token for token, _ in self.first_choices(n)]

    def first_choices(self, n: int, spaces: bool = False) -> list[tuple[int, float]]:
        """The n most likely next tokens after the prompt that start *different* suggestions (for
        alternatives), with their log-probabilities: stop tokens, bare indentation, and spellings
        that differ only in leading whitespace are skipped, so three alternatives are three
        different ideas. `spaces`: a space alone is a choice too (in mid-line, Qwen writes ` 1`
        as a space, then the digit)."""
        logprobs = self._logprobs()
        chosen: list[tuple[int, float]] = []
        seen: set[str] = set()
        for token in _top(logprobs, 40 + len(self.stop_ids)):
            if token in self.stop_ids or self.is_eog(token):
                continue
            piece = self.piece(token)
            key = "\n" if "\n" in piece and not piece.strip() else piece if spaces and piece.strip(" ") == "" \
                else piece.strip()
            if not key or key in seen:
                continue
            seen.add(key)
            chosen.append((token, float(logprobs[token])))
            if len(chosen) == n:
                break
        return chosen

    def piece(self, token: int) -> str:
        """A token's text (a part of a multi-byte character comes out replaced)."""
        return token_bytes(self.llm, token).decode("utf-8", "replace")

    def likeliest(self, allowed: Callable[[str], bool], among: int = 40) -> int | None:
        """The most likely next token, among the `among` likeliest, whose text `allowed` accepts
        (not a stop token); None when none is."""
        logprobs = self._logprobs()
        for token in _top(logprobs, among):
            if token in self.stop_ids or self.is_eog(token):
                continue
            if allowed(self.piece(token)):
                return token
        return None

    def resume_at(self, context: int) -> bool:
        """Go back to the first `context` tokens of the current KV state, with the logits for the
        token after them (the last one is evaluated again): generation then continues the prompt's
        start, as if nothing followed it. False when the stop flag is set."""
        llm = self.llm
        if self.stopped() or context < 1 or context > llm.n_tokens:
            return False
        start = context - 1
        llm._ctx.kv_cache_seq_rm(-1, start, -1)
        llm._batch.set_batch(batch=[int(llm.input_ids[start])], n_past=start, logits_all=False)
        llm._ctx.decode(llm._batch)
        llm.n_tokens = context
        return True

    def extend(self, tokens: list[int]) -> bool:
        """Evaluate `tokens` after the current state (generation then continues them); False when
        the stop flag is set or they would pass the context's end."""
        llm = self.llm
        if self.stopped() or not tokens or llm.n_tokens + len(tokens) > llm.n_ctx():
            return False
        llm.eval(tokens)
        return True

    def score(self, context: int, tokens: list[int], floor: float = float("-inf")) -> list[float] | None:
        """The log-probability of each of `tokens` right after the first `context` tokens of the
        current KV state (what followed them is dropped), evaluated in batches of SCORE_CHUNK
        tokens; None when the stop flag is set or the tokens would pass the context's end. The
        state afterwards holds the context plus the tokens evaluated.

        `floor`: once the sum falls below it, the rest is not evaluated (the sum can only fall:
        every log-probability is <= 0), and the log-probabilities so far come back, fewer than
        the tokens."""
        llm = self.llm
        if self.stopped() or not tokens or context < 1:
            return None
        sequence = [int(llm.input_ids[context - 1]), *tokens]  # the last context token again: its logits
        start = context - 1
        if start + len(sequence) > llm.n_ctx():
            return None
        # every position's logits are kept (llama.cpp's output buffer holds n_vocab floats per
        # position and never shrinks): small batches keep that buffer small (32 x 152k x 4 bytes)
        chunk = max(1, min(SCORE_CHUNK, llm.n_batch))
        llm._ctx.kv_cache_seq_rm(-1, start, -1)
        logprobs: list[float] = []
        for a in range(0, len(sequence), chunk):
            if a and self.stopped():
                return None
            batch = sequence[a:a + chunk]
            llm._batch.set_batch(batch=batch, n_past=start + a, logits_all=True)
            llm._ctx.decode(llm._batch)
            llm.input_ids[start + a:start + a + len(batch)] = batch
            llm.n_tokens = start + a + len(batch)
            # the logits at position i predict the next token of the sequence
            logprobs += [float(self._logprobs(i)[sequence[a + i + 1]])
                         for i in range(len(batch)) if a + i + 1 < len(sequence)]
            if sum(logprobs) < floor:
                break
        return logprobs

    def generate(self, limits: Limits, on_piece: Callable[[str], None], first: int | None = None,
                 draft: Sequence[int] = ()) -> Output:
        """Greedy generation from the current KV state (optionally forcing the first token); with a
        `draft` (text the output mostly copies), several tokens a decode (worker/copy_ahead.py)."""
        llm = self.llm
        first_token: int | None = None
        rule = StopRule(limits.stop_indent, limits.stop_unmatched_close)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        text = ""
        generated = 0
        reason = "length"
        confidence: list[float] = []  # the first line of code's tokens
        every: list[tuple[int, float]] = []  # (text's end, log-probability) of each token
        first_line_done = False
        llm._sampler = llm._init_sampler(temp=0.0, repeat_penalty=1.0)
        steps: _Greedy | CopyAhead = CopyAhead(llm, draft, self._logprobs, first) if draft else _Greedy(self, first)
        line_end_after = None if limits.line_budget_s is None else time.monotonic() + limits.line_budget_s
        try:
            while generated < limits.max_tokens:
                if self.stopped():
                    reason = "cancelled"
                    break
                if time.monotonic() > limits.deadline:
                    reason = "deadline"
                    break
                token = steps.next()
                if token in self.stop_ids or self.is_eog(token):
                    reason = "stop"
                    break
                logprob = steps.logprob(token) if limits.every_logprob or (
                    limits.confidence and not first_line_done) else 0.0
                if limits.confidence and not first_line_done:
                    confidence.append(logprob)
                generated += 1
                first_token = token if first_token is None else first_token
                piece = decoder.decode(token_bytes(llm, token))
                text += piece
                if limits.every_logprob:
                    every.append((len(text), logprob))
                first_line_done = first_line_done or ("\n" in piece and bool(text.strip()))
                if piece:
                    on_piece(piece)
                if limits.stop_at_newline and "\n" in text:
                    reason = "newline"
                    break
                if any(s in text for s in limits.stop_texts):
                    reason = "stop_text"
                    break
                if rule.met(text):
                    reason = "scope_end"
                    break
                if line_end_after is not None and "\n" in piece and text.strip() \
                        and time.monotonic() > line_end_after:
                    reason = "budget"
                    break
                steps.advance(token)
                if limits.token_delay_s:
                    time.sleep(limits.token_delay_s)
        finally:
            llm._sampler = None
        return Output(text=text + decoder.decode(b"", final=True), generated=generated, reason=reason,
                      first_token=first_token, first_line_logprobs=tuple(confidence),
                      drafted=steps.drafted, token_logprobs=tuple(every))


class _Greedy:
    """One decode per token: the sampler's greedy choice (or the forced first token)."""

    drafted = 0

    def __init__(self, decoder: Decoder, first: int | None) -> None:
        self.decoder = decoder
        self.first = first

    def next(self) -> int:
        token, self.first = (self.first if self.first is not None else self.decoder.llm.sample(temp=0.0)), None
        return int(token)

    def logprob(self, token: int) -> float:
        return self.decoder.token_logprob(token)

    def advance(self, token: int) -> None:
        self.decoder.llm.eval([token])
