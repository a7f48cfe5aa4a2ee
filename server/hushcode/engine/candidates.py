"""The ranking's questions to the engine process, over the pipe (engine/wire.py).

While a ranked generation's ranker runs (completion/ranking/), the engine keeps that generation's
prompt in its KV cache and answers these one at a time (worker/candidates.py). A question that
gets no answer (the engine stopped, crashed or hung) reads as "cancelled": the ranking then keeps
the greedy output.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

from hushcode.engine import wire
from hushcode.engine.contracts import Lines, Scoring

_NO_LINES = Lines(None, 0, "cancelled")
_NO_SCORE = Scoring(None, "cancelled")

Ask = Callable[[wire.Query], Awaitable[wire.Event | None]]


class PipeCandidates:
    """A `CandidateSource` for the ranked generation `session` of the local engine."""

    def __init__(self, ask: Ask, ids: Iterator[int], session: int) -> None:
        self._ask = ask
        self._ids = ids
        self.session = session

    async def _lines(self, **question: object) -> Lines:
        answer = await self._ask(wire.Candidate(id=next(self._ids), session=self.session, **question))  # type: ignore[arg-type]
        if not isinstance(answer, wire.CandidateLines):
            return _NO_LINES
        return Lines(answer.texts, answer.generated, answer.reason)

    async def left_to_right(self) -> Lines:
        return await self._lines(way="left_to_right")

    async def from_start(self, start: str, values: int) -> Lines:
        return await self._lines(way="start", start=start, values=values)

    async def from_first(self, token: int) -> Lines:
        return await self._lines(way="first", token=token)

    async def score(self, text: str, end_of_text: int | None, floor: float) -> Scoring:
        question = wire.Score(next(self._ids), self.session, text, end_of_text,
                              None if floor == float("-inf") else floor)
        answer = await self._ask(question)
        return Scoring(answer.score, answer.reason) if isinstance(answer, wire.Scored) else _NO_SCORE
