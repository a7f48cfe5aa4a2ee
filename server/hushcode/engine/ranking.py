"""Choosing the line for a blank line among the model's candidates, when it is unsure.

Small instruct models write a plausible line that does not lead into the code below: they
initialise a variable the code below never reads, open an `if` that the next line does not
belong to, or return early. The greedy line is kept when the model is sure of it. Otherwise the
next most likely first tokens are continued to a line each, and every candidate is scored twice:

- `fim`: its log-probability in the fill-in-the-middle prompt (it was generated there);
- `ltr`: the log-probability of the candidate *and the lines that follow the cursor* read left to
  right after the prefix alone, without the suffix in view. A line that makes the existing code
  below likely is the one that fits the hole.

The left-to-right context is the start of the FIM prompt itself (everything before the suffix
marker: cross-file context, prefix marker, prefix), so it is already in the KV cache; scoring a
candidate evaluates only its own tokens and the following lines', as one batch. What follows the
prefix in the cache is replaced, so the next prompt re-evaluates its suffix (about
`completion.suffixTokens` tokens).

Measured on HumanEval line holes and the standard library (docs/benchmarks.md, "Ranking a blank
line's candidates").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from hushcode.engine.generation import Decoder, Limits, Output

# A greedy first line at least this likely (about 14%) is kept without ranking: on the HumanEval
# study every line that ranking improved had a lower log-probability, and the sure ones cost nothing.
SURE_LOGPROB = -2.0
LINE_TOKENS = 32  # a candidate line's longest generation


@dataclass(frozen=True)
class RankSpec:
    """What the server asks for (one blank-line request)."""

    candidates: int  # lines compared, the greedy one included
    context: int  # prompt tokens before the FIM suffix marker: the left-to-right context
    after: tuple[int, ...]  # the lines after the cursor's ("\n" + the next lines), as token ids
    sure_logprob: float = SURE_LOGPROB


@dataclass(frozen=True)
class Scored:
    text: str  # what the suggestion would be: the greedy output whole, another candidate's line
    fim: float
    ltr: float

    @property
    def total(self) -> float:
        return self.fim + self.ltr


@dataclass(frozen=True)
class Ranking:
    texts: list[str]  # best first
    compared: int  # candidates scored (0: the greedy line was sure, or ranking was cut short)
    generated: int  # tokens generated for the other candidates
    reason: str | None = None  # "cancelled" or "deadline" when that cut it short


def order(candidates: list[Scored]) -> list[Scored]:
    """Best total first (ties keep the generation order: the greedy line first)."""
    return sorted(candidates, key=lambda c: -c.total)


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def rank(decoder: Decoder, prompt_len: int, spec: RankSpec, limits: Limits, greedy: Output,
         firsts: list[tuple[int, float]], tokenize: Callable[[str], list[int]]) -> Ranking:
    """Rank the greedy output against lines started by `firsts` (taken at the end of the prompt,
    before the greedy generation). The greedy output stays first unless another line scores better."""
    line = first_line(greedy.text)
    unsure = greedy.line_logprob is not None and greedy.line_logprob < spec.sure_logprob
    if not unsure or not line.strip() or spec.candidates < 2 or spec.context < 1:
        return Ranking([greedy.text], 0, 0)
    lines: list[tuple[str, str, float]] = [(greedy.text, line, greedy.line_logprob or 0.0)]
    generated = 0
    line_limits = replace(limits, max_tokens=LINE_TOKENS, stop_at_newline=True, stop_texts=(), stop_indent=None,
                          stop_unmatched_close=False, line_budget_s=None)
    for token, logprob in firsts:
        if len(lines) >= spec.candidates:
            break
        decoder.llm.n_tokens = prompt_len  # back to the end of the prompt
        out = decoder.generate(line_limits, lambda piece: None, first=token, first_logprob=logprob, track_line=True)
        generated += out.generated
        if out.reason in ("cancelled", "deadline"):
            return Ranking([greedy.text], 0, generated, out.reason)
        candidate = first_line(out.text)
        if candidate.strip() and all(candidate.strip() != known.strip() for _, known, _ in lines):
            lines.append((candidate, candidate, out.line_logprob or 0.0))
    if len(lines) < 2:
        return Ranking([greedy.text], 0, generated)
    scored: list[Scored] = []
    for text, candidate, fim in lines:
        if time.monotonic() > limits.deadline:
            return Ranking([greedy.text], 0, generated, "deadline")
        ids = tokenize(candidate)
        logprobs = decoder.score(spec.context, [*ids, *spec.after])
        if logprobs is None:  # stopped, or more than one batch
            return Ranking([greedy.text], 0, generated, "cancelled" if decoder.stopped() else None)
        scored.append(Scored(text=text, fim=fim, ltr=sum(logprobs)))
    return Ranking([c.text for c in order(scored)], len(scored), generated)
