"""Choosing the line for a blank line between lines of code, among the model's candidates.

Small instruct models, given the code above and below a blank line, often write a plausible line
that does not lead into the code below: they jump ahead to the function's last line, initialise a
variable the code below never reads, or open an `if` that the next line does not belong to. The
greedy line is kept when the model is sure of it. Otherwise these lines are compared:

1. the greedy line of the fill-in-the-middle (FIM) prompt;
2. the *left-to-right* line: what the model writes after the code above the cursor when it does
   not see the code below (a plain continuation, the task these models were trained on most, and
   the line least likely to skip ahead);
3. lines started by the FIM prompt's next most likely first tokens, when more are asked for.

Every candidate gets two scores:

- `fim`: its log-probability in the fill-in-the-middle prompt;
- `ltr`: the log-probability of the candidate *and the lines that follow the cursor* (with the end
  of the text when the document ends there), read left to right after the prefix alone. A line
  that makes the existing code below likely is the one that fits the hole; a line after which the
  file should go on, where it ends, is not.

The left-to-right context is the start of the FIM prompt itself (everything before the suffix
marker: cross-file context, prefix marker, prefix), so it is already in the KV cache; scoring a
candidate evaluates only its own tokens and the following lines', as one batch. The left-to-right
line's FIM score needs the FIM prompt's tail (suffix marker, suffix, middle marker) evaluated again
(about `completion.suffixTokens` tokens), which a PSM prompt re-evaluates at the next keystroke
anyway.

Measured on HumanEval line holes and the standard library (docs/benchmarks.md, "Ranking a blank
line's candidates").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from hushcode.engine.generation import Decoder, Limits, Output

# A greedy first line at least this likely (about 37%) is kept without ranking: in the HumanEval
# study no line at least this likely lost to another candidate, and about a third of the blank
# lines are that sure (they cost nothing more).
SURE_LOGPROB = -1.0
LINE_TOKENS = 32  # a candidate line's longest generation


@dataclass(frozen=True)
class RankSpec:
    """What the server asks for (one blank-line request)."""

    candidates: int  # lines compared: the greedy one, the left-to-right one, then the FIM's next first tokens'
    context: int  # prompt tokens before the FIM suffix marker: the left-to-right context
    after: tuple[int, ...]  # the lines after the cursor's ("\n" + the next lines [+ end of text]), as token ids
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


def rank(decoder: Decoder, prompt: list[int], spec: RankSpec, limits: Limits, greedy: Output,
         firsts: list[tuple[int, float]], tokenize: Callable[[str], list[int]]) -> Ranking:
    """Rank the greedy output of `prompt` against the left-to-right line and lines started by `firsts`
    (the FIM prompt's next most likely first tokens, read before the greedy generation). The greedy
    output stays first unless another line scores better."""
    line = first_line(greedy.text)
    unsure = greedy.line_logprob is not None and greedy.line_logprob < spec.sure_logprob
    if not unsure or not line.strip() or spec.candidates < 2 or spec.context < 1:
        return Ranking([greedy.text], 0, 0)
    # (text shown, its first line, fim log-probability: None until scored)
    lines: list[tuple[str, str, float | None]] = [(greedy.text, line, greedy.line_logprob or 0.0)]
    generated = 0
    line_limits = replace(limits, max_tokens=LINE_TOKENS, stop_at_newline=True, stop_texts=(), stop_indent=None,
                          stop_unmatched_close=False, line_budget_s=None)

    def add(text: str, fim: float | None) -> None:
        candidate = first_line(text)
        if candidate.strip() and all(candidate.strip() != known.strip() for _, known, _ in lines):
            lines.append((candidate, candidate, fim))

    others = [(t, lp) for t, lp in firsts if not greedy.text.startswith(decoder.piece(t))]  # not the greedy's own
    for token, logprob in others[: max(spec.candidates - 2, 0)]:
        decoder.llm.n_tokens = len(prompt)  # back to the end of the prompt
        out = decoder.generate(line_limits, lambda piece: None, first=token, first_logprob=logprob, track_line=True)
        generated += out.generated
        if out.reason in ("cancelled", "deadline"):
            return Ranking([greedy.text], 0, generated, out.reason)
        add(out.text, out.line_logprob or 0.0)
    # the left-to-right line: after the prefix alone (the start of the prompt, still in the cache)
    if not decoder.resume_at(spec.context):
        return Ranking([greedy.text], 0, generated, "cancelled" if decoder.stopped() else None)
    out = decoder.generate(line_limits, lambda piece: None)
    generated += out.generated
    if out.reason in ("cancelled", "deadline"):
        return Ranking([greedy.text], 0, generated, out.reason)
    add(out.text, None)
    if len(lines) < 2:
        return Ranking([greedy.text], 0, generated)
    ids = {candidate: tokenize(candidate) for _, candidate, _ in lines}
    fims: dict[str, float] = {candidate: fim for _, candidate, fim in lines if fim is not None}
    unscored = [candidate for _, candidate, fim in lines if fim is None]
    if unscored:  # the FIM prompt's tail again, then each left-to-right line read in it
        evaluation = decoder.evaluate_prompt(prompt, limits.deadline)
        if evaluation.interrupted:
            return Ranking([greedy.text], 0, generated, evaluation.interrupted)
        for candidate in unscored:
            logprobs = decoder.score(len(prompt), ids[candidate])
            if logprobs is None:
                return Ranking([greedy.text], 0, generated, "cancelled" if decoder.stopped() else None)
            fims[candidate] = sum(logprobs)
    scored: list[Scored] = []
    for text, candidate, _ in lines:
        if time.monotonic() > limits.deadline:
            return Ranking([greedy.text], 0, generated, "deadline")
        logprobs = decoder.score(spec.context, [*ids[candidate], *spec.after])
        if logprobs is None:  # stopped, or more than one batch
            return Ranking([greedy.text], 0, generated, "cancelled" if decoder.stopped() else None)
        scored.append(Scored(text=text, fim=fims[candidate], ltr=sum(logprobs)))
    return Ranking([c.text for c in order(scored)], len(scored), generated)
