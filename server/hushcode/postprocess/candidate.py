"""What every filter sees and returns.

Every filter is a pure function of the same two values (the document around the cursor with its
decision, and the suggestion so far), so each one can be tested alone on golden text files and
the pipeline can put them in any order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from hushcode.syntax.decide import Decision, Scope
from hushcode.syntax.languages import LanguageInfo


@dataclass(frozen=True)
class CompletionContext:
    """The document around the cursor, and the decision taken for it."""

    prefix: str  # all text before the cursor
    suffix: str  # all text after the cursor
    decision: Decision
    language: LanguageInfo | None = None
    stop_texts: tuple[str, ...] = ()
    tab_size: int = 4
    insert_spaces: bool | None = None  # None: follow the file's own style
    chat: bool = False  # the answer came from a chat prompt (may carry code fences, repeat the line)

    @property
    def scope(self) -> Scope:
        return self.decision.scope

    @property
    def line_before(self) -> str:
        return self.prefix[self.prefix.rfind("\n") + 1:]

    @property
    def line_after(self) -> str:
        end = self.suffix.find("\n")
        return self.suffix if end == -1 else self.suffix[:end]


@dataclass(frozen=True)
class Candidate:
    """A suggestion: `text` replaces the cursor plus the first `replace_end` characters after it."""

    text: str
    replace_end: int = 0

    def with_text(self, text: str) -> Candidate:
        return replace(self, text=text)

    def before_line(self, line_start: int) -> Candidate | None:
        """The suggestion cut before its line that starts at `line_start` (an offset in `text`);
        None when nothing is left."""
        kept = self.text[:line_start].rstrip(" \t")
        kept = kept.removesuffix("\n")
        return self.with_text(kept) if kept.strip() else None


Filter = Callable[[CompletionContext, Candidate], "Candidate | None"]
