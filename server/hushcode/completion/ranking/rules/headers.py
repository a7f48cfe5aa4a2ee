"""A block header alone before a statement of its own block is not compared.

Where blocks end by dedent (Python's `if x:`) and the code below belongs to the cursor's block, a
header written on the blank line would have no body: the file would not compile, and its score
measured the code below as if it were that body. The greedy output may bring its body with it
(a block, or one the first-suggestion budget ended after its header): then it is compared.
"""

from __future__ import annotations

from dataclasses import dataclass

from hushcode.completion.ranking.rules.base import BlankLine, Rule


@dataclass(frozen=True)
class Headers(Rule):
    header: str  # how a block header ends (Python's ":")
    order = 20

    @classmethod
    def from_blank_line(cls, view: BlankLine) -> Headers | None:
        end = getattr(view.language, "header_end", None)
        return cls(end) if end and view.same_block else None

    def excludes(self, line: str, bodied: bool) -> bool:
        return line.rstrip().endswith(self.header) and not bodied
