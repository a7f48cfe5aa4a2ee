"""The model's side of ranking a blank line: the lines a candidate can be, and their scores.

Which lines are asked for, and which one is shown, is the server's choice (completion/ranking/):
it asks for them one at a time while the engine keeps the request's prompt in its KV cache. Each
answer says what it cost (tokens generated) and is None when the request was cancelled or ran
out of time. Everything here reads the prompt through the decoder (worker/decoder.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from hushcode.engine.contracts import Lines, Scoring
from hushcode.worker.decoder import Decoder, Limits

LINE_TOKENS = 32  # a candidate line's longest generation
SCORED_TOKENS = 160  # a candidate and the lines below, at most


def whole(piece: str) -> bool:
    """Does a token after a word leave that word whole (`odd` then ` =`, not `odd` then `_count`)?"""
    return piece != "" and not piece[0].isalnum() and piece[0] != "_"


class DecoderCandidates:
    """Lines and scores from one prompt: the left-to-right context is its first `context` tokens
    (everything before the suffix marker), the fill-in-the-middle prompt the whole of it."""

    def __init__(self, decoder: Decoder, prompt: list[int], context: int, limits: Limits,
                 tokenize: Callable[[str], list[int]]) -> None:
        self.decoder = decoder
        self.prompt = prompt
        self.context = context
        self.limits = limits
        self.tokenize = tokenize
        # one line each, and no candidate longer than the user's budget (`max_tokens`) either
        self.line_limits = replace(limits, max_tokens=min(LINE_TOKENS, limits.max_tokens), stop_at_newline=True,
                                   stop_texts=(), stop_indent=None, stop_unmatched_close=False, line_budget_s=None,
                                   confidence=False)
        self._prompt_ready = False  # the whole prompt evaluated again after reading left to right

    def _written(self, first: int | None = None) -> tuple[str | None, int]:
        out = self.decoder.generate(self.line_limits, lambda piece: None, first=first)
        return (None if out.reason in ("cancelled", "deadline") else out.text), out.generated

    def _lines(self, texts: tuple[str, ...] | None, generated: int) -> Lines:
        return Lines(texts, generated, None if texts is not None else self._why())

    def _why(self) -> str:
        return "cancelled" if self.decoder.stopped() else "deadline"

    def left_to_right(self) -> Lines:
        """The line after the prefix alone (the start of the prompt, still in the cache)."""
        if not self.decoder.resume_at(self.context):
            return self._lines(None, 0)
        text, generated = self._written()
        return self._lines(None if text is None else (text,), generated)

    def from_start(self, start: str, values: int) -> Lines:
        """Lines written left to right from `start` (a name, `return`) after the prefix. The next
        token may not go on with the start's last word (`odd` does not become `odd_count`); after
        ` =`, the `values` likeliest values are each written on (`= []`, `= 0`, `= None`)."""
        decoder = self.decoder
        if not decoder.resume_at(self.context) or not decoder.extend(self.tokenize(start)):
            return self._lines(None, 0)
        after = decoder.likeliest(whole)
        joined = "" if after is None else decoder.piece(after)
        if after is None or joined.strip() != "=" or not decoder.extend([after]):
            text, generated = self._written(after)
            return self._lines(None if text is None else (start + text,), generated)
        mark = decoder.llm.n_tokens
        texts: list[str] = []
        generated = 0
        for value, _ in decoder.first_choices(values, spaces=True):
            decoder.llm.n_tokens = mark  # back to just after the `=`
            space = decoder.piece(value)
            if space.strip(" ") == "":  # a space alone (then ` 1` is a space and a digit): written on
                if not decoder.extend([value]):
                    return self._lines(None, generated)
                text, n = self._written()
                text = None if text is None else space + text
            else:
                text, n = self._written(value)
            generated += n
            if text is None:
                return self._lines(None, generated)
            texts.append(start + joined + text)
        return self._lines(tuple(texts), generated)

    def from_first(self, token: int) -> Lines:
        """The fill-in-the-middle prompt's line that starts with `token` (its tail is evaluated
        again once, the first time: reading left to right moved the cache away from it)."""
        if not self._prompt_ready:
            if self.decoder.evaluate_prompt(self.prompt, self.limits.deadline).interrupted:
                return self._lines(None, 0)
            self._prompt_ready = True
        self.decoder.llm.n_tokens = len(self.prompt)  # back to the end of the prompt
        text, generated = self._written(token)
        return self._lines(None if text is None else (text,), generated)

    def score(self, text: str, end_of_text: int | None, floor: float) -> Scoring:
        """log P(text [+ the end-of-text token] | prefix), read left to right; a score that falls
        below `floor` is not read further (every token's log-probability is at most 0). `text` is
        tokenized whole, as the model would read the file (`")` alone and `")\\n` differ)."""
        if time.monotonic() > self.limits.deadline:
            return Scoring(None, self._why())
        ids = [*self.tokenize(text), *([end_of_text] if end_of_text is not None else [])][:SCORED_TOKENS]
        logprobs = self.decoder.score(self.context, ids, floor=floor)
        if logprobs is None:  # stopped, or past the context's end
            return Scoring(None, "cancelled" if self.decoder.stopped() else None)
        return Scoring(sum(logprobs))

    def piece(self, token: int) -> str:
        return self.decoder.piece(token)
