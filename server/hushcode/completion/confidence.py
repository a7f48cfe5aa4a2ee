"""How sure the model is of a suggestion, and whether to show it at all.

A wrong suggestion costs the user more than none: they read it, judge it and dismiss it. The
model's own probabilities say how sure it was: the log-probability of each token of the
suggestion's first line of code (what the user reads first), from the greedy generation. Their
mean, as a per-token probability (`exp(mean)`, in percent), is compared with
`completion.minConfidence`; below it, nothing is shown and the status says why.

Only what the greedy output's probabilities describe is judged: where the blank-line ranking or
the fallback chose another line, or the engine gives no probabilities (a shared server), the
suggestion is shown as it is. A manual trigger is never held back: the user asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hushcode.engine.contracts import GenerateResult


@dataclass(frozen=True)
class Confidence:
    mean: float  # mean log-probability per token of the first line of code
    lowest: float  # the least likely token's

    @property
    def percent(self) -> float:
        """The per-token probability the mean says, in percent (the geometric mean)."""
        return 100 * math.exp(self.mean)


def confidence(result: GenerateResult) -> Confidence | None:
    """The model's confidence in the greedy output's first line; None when it gave none."""
    logprobs = result.first_line_logprobs
    if not logprobs:
        return None
    return Confidence(mean=sum(logprobs) / len(logprobs), lowest=min(logprobs))


def withheld(found: Confidence | None, min_percent: int) -> str | None:
    """Why a suggestion with this confidence is not shown, or None to show it."""
    if found is None or min_percent <= 0 or found.percent >= min_percent:
        return None
    return f"low confidence ({found.percent:.0f}% per token, under {min_percent}%)"
