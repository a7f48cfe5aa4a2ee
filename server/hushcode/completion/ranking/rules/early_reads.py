"""A line that reads a local the function assigns only below is not compared, and defines nothing.

`ans.sort()` above `ans = arr[-k:]` raises UnboundLocalError (the cleanup rejects such a line,
postprocess/unbound_local.py); `even = n - odd` above `odd = 0` does not define `even` for the code
below either. The locals come from the Python scope analysis (syntax/python/).
"""

from __future__ import annotations

from dataclasses import dataclass

from hushcode.completion.ranking.rules.base import BlankLine, Rule
from hushcode.syntax.lines import reads
from hushcode.syntax.python.early_reads import assigned_below

_LATER = 32  # locals looked for (each is a regular expression per line)


@dataclass(frozen=True)
class EarlyReads(Rule):
    later: tuple[str, ...]  # locals the cursor's function assigns only below the cursor
    order = 40

    @classmethod
    def from_blank_line(cls, view: BlankLine) -> EarlyReads | None:
        later = tuple(assigned_below(view.text, view.cursor, view.language)[:_LATER])  # type: ignore[arg-type]
        return cls(later) if later else None

    def breaks(self, line: str) -> bool:
        return any(reads(line, name) for name in self.later)
