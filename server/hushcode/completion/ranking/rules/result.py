"""A function that still lacks its result most often lacks its `return` line.

At the end of a function body that returns no value yet (syntax/python/result.py), where no reading
returns one, a `return` line written left to right joins the comparison and the score decides.
Only where the user asks for it (`completion.blankLineReturn`, off by default): while a function
is typed top-down, its end is where the next step goes, not always its result (docs/latency.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from hushcode.completion.ranking.rules.base import BlankLine, Candidates, Contribution, Rule, Start
from hushcode.syntax.lines import returns
from hushcode.syntax.python.result import lacks_result


@dataclass(frozen=True)
class Result(Rule):
    order = 50

    @classmethod
    def from_blank_line(cls, view: BlankLine) -> Result | None:
        lacking = view.return_line and lacks_result(view.text, view.cursor, view.language)  # type: ignore[arg-type]
        return cls() if lacking else None

    def contribute(self, found: Candidates) -> Contribution:
        if found.lead is None or any(returns(known) for _, known in found.lines):
            return Contribution()
        return Contribution(wants=True, starts=(Start("return", returns),))
