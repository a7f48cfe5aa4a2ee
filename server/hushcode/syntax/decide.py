"""Decide what kind of completion fits the cursor.

This is the foundation's line-based classifier; a tree-sitter classifier refines it.
"""

from __future__ import annotations

import enum
import re

_BLOCK_OPENERS = (":", "{", "(", "[", "=>", "->", "do", "then")
_IDENT = re.compile(r"\w")


class Scope(enum.Enum):
    """How much the suggestion may cover."""

    SKIP = "skip"
    LINE = "line"
    BLOCK = "block"


def decide_scope(line_before: str, line_after: str) -> Scope:
    """Choose the scope from the text left and right of the cursor on its line.

    - Cursor inside a word (identifier characters on both sides): skip, the user is
      editing a name and a suggestion would split it.
    - Code to the right of the cursor (other than closing brackets/quotes): one line.
    - Blank line, or the line ends with a block opener: a block.
    - Otherwise (text before, nothing after): one line.
    """
    after = line_after.strip()
    if line_before and line_after and _IDENT.match(line_before[-1]) and _IDENT.match(line_after[0]):
        return Scope.SKIP
    if after and not all(c in ")]}\"'`;," for c in after):
        return Scope.LINE
    before = line_before.rstrip()
    if not before.strip():
        return Scope.BLOCK
    if before.endswith(_BLOCK_OPENERS):
        return Scope.BLOCK
    return Scope.LINE
