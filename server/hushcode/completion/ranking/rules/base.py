"""What a ranking rule can say about a blank line's candidates, and the state it reads.

A rule is built from the document around the blank line (`from_blank_line`, on the server, with
whatever syntax analysis it needs) and then takes part in ranking through these hooks, each with a
default that says nothing. Rules live one per module in this package and are found by
`rules.RULES`, in the order of their `order`: adding a rule is its module and its test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from hushcode.syntax.lines import defines


@dataclass(frozen=True)
class BlankLine:
    """The document around a blank line, as the rules read it (pure data)."""

    text: str
    cursor: int  # offset of the cursor in `text`
    line_start: int  # offset of the start of the cursor's line
    language: object | None  # syntax.languages.LanguageInfo, or None
    same_block: bool  # the next line of code is a statement of the cursor's block
    return_line: bool  # completion.blankLineReturn


@dataclass(frozen=True)
class Start:
    """A line to write left to right from `text`, compared only when `gives` holds for it."""

    text: str
    gives: Callable[[str], bool]


@dataclass
class Candidates:
    """The lines compared so far (the greedy output's first line first), and what the rules say
    of any line."""

    lines: list[tuple[str, str]]  # (the text shown if chosen, the line it is compared as)
    lead: str | None  # what a line starts with where the cursor follows the editor's indentation
    broken: Callable[[str], bool] = field(default=lambda line: False)  # would fail when run

    def defined(self, name: str) -> bool:
        """Does a line so far define `name` (and run)?"""
        return any(defines(known, name) and not self.broken(known) for _, known in self.lines)


@dataclass(frozen=True)
class Contribution:
    """What one rule adds to the comparison, decided on the two readings."""

    wants: bool = False  # the readings agree, but there is more to compare
    lines: tuple[str, ...] = ()  # compared as they are, before the lines written from starts
    starts: tuple[Start, ...] = ()
    literals: tuple[str, ...] = ()  # compared as they are, after the lines written from starts


class Rule:
    """A rule that says nothing; subclasses override what they need."""

    order: ClassVar[int] = 100  # rules take part in this order (it decides ties between candidates)

    @classmethod
    def from_blank_line(cls, view: BlankLine) -> Rule | None:
        """The rule for this blank line, or None where it has nothing to say."""
        return None

    def rows_below(self) -> int:
        """How far below the cursor the candidates should be scored on (0: the usual lines)."""
        return 0

    def breaks(self, line: str) -> bool:
        """Would this line fail when run (then it is not compared and defines nothing)?"""
        return False

    def excludes(self, line: str, bodied: bool) -> bool:
        """Is this line not to be compared with lines of code? `bodied`: it is the greedy
        output's first line, and the greedy output brings a body after it."""
        return False

    def skips_first(self, piece: str) -> bool:
        """Is a line started by this first token not worth writing (where no line of code is left)?"""
        return False

    def contribute(self, found: Candidates) -> Contribution:
        """Lines to add to the two readings."""
        return Contribution()

    def narrow(self, code: list[tuple[str, str]], lead: str | None) -> list[tuple[str, str]]:
        """Of the lines to compare, those still compared (the others follow them, unscored)."""
        return code
