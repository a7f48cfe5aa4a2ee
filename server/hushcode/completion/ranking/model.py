"""What the ranking asks of the model, and what it starts from.

The engine keeps one request's prompt in its KV cache while the ranking (policy.py) asks for
candidate lines and scores one at a time; in the engine process, worker/candidates.py answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hushcode.engine.contracts import Lines, Scoring


@dataclass(frozen=True)
class Greedy:
    """The fill-in-the-middle prompt's greedy output: what the user is shown without ranking."""

    text: str
    reason: str  # why it stopped ("newline", "budget", "length", ...)
    first_token: int | None


@dataclass(frozen=True)
class First:
    """One of the fill-in-the-middle prompt's likeliest first tokens, read before the greedy output."""

    token: int
    piece: str  # its text


class CandidateModel(Protocol):
    """The model's side of ranking one blank line (worker/candidates.py over the pipe)."""

    async def left_to_right(self) -> Lines:
        """The line after the prefix alone."""
        ...

    async def from_start(self, start: str, values: int) -> Lines:
        """Lines written from `start`; after ` =`, one for each of the `values` likeliest values."""
        ...

    async def from_first(self, token: int) -> Lines:
        """The fill-in-the-middle prompt's line that starts with `token`."""
        ...

    async def score(self, text: str, end_of_text: int | None, floor: float) -> Scoring:
        """log P(text | prefix), cut short below `floor`."""
        ...
