"""A line that jumps away (`return`, `raise`, `break`, `continue`, `throw`) before code of the
cursor's own block is not compared: that code would be unreachable (the cleanup rejects such a
line too, postprocess/reachability.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hushcode.completion.ranking.rules.base import BlankLine, Rule


@dataclass(frozen=True)
class Jumps(Rule):
    words: tuple[str, ...]  # the words that start a jump away
    order = 30

    @classmethod
    def from_blank_line(cls, view: BlankLine) -> Jumps | None:
        kinds = getattr(view.language, "jumps", ()) if view.same_block else ()
        words = tuple(sorted({kind.split("_")[0] for kind in kinds}))
        return cls(words) if words else None

    def excludes(self, line: str, bodied: bool) -> bool:
        word = re.match(r"\w+", line.strip())
        return word is not None and word.group() in self.words
