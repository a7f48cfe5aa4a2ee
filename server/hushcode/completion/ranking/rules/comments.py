"""A line that is only a comment is not compared with lines of code.

A comment that says what the code below does makes that code likely (the score rewards it)
without being the line the hole lacks. Nor is a first token that starts a comment continued
where no line of code is left to compare.
"""

from __future__ import annotations

from dataclasses import dataclass

from hushcode.completion.ranking.rules.base import BlankLine, Rule


@dataclass(frozen=True)
class Comments(Rule):
    comment: str  # the language's line comment ("#", "//")
    order = 10

    @classmethod
    def from_blank_line(cls, view: BlankLine) -> Comments | None:
        marker = getattr(view.language, "line_comment", None)
        return cls(marker) if marker else None

    def excludes(self, line: str, bodied: bool) -> bool:
        return line.lstrip().startswith(self.comment)

    def skips_first(self, piece: str) -> bool:
        return piece.lstrip().startswith(self.comment)
