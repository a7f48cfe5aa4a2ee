"""Decide what kind of completion fits the cursor: skip, one line, or a block (and how far).

Pure: a function of the text, the cursor and the language. Tree-sitter tells strings and
comments apart; the line's own text tells mid-line from end-of-line and block openers.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace

import tree_sitter as ts

from hushcode.syntax.indentation import placement
from hushcode.syntax.languages import LanguageInfo, parse

_BLOCK_OPENERS = (":", "{", "(", "[", "=>", "->", " do", " then")
_IDENT = re.compile(r"\w")
_CLOSERS = ")]}\"'`;,"


class Scope(enum.Enum):
    """How much the suggestion may cover."""

    SKIP = "skip"
    LINE = "line"
    BLOCK = "block"


@dataclass(frozen=True)
class Decision:
    scope: Scope
    reason: str
    min_indent: int = 0  # block: a later line indented less than this ends the block
    # a blank line: the indentations a line there may take, from the code around it (indentation.py)
    indents: tuple[str, ...] = ()


def indent_width(line: str) -> int:
    """Leading whitespace, in characters."""
    return len(line) - len(line.lstrip(" \t"))


def decide_scope(line_before: str, line_after: str) -> Scope:
    """The line-only part of the decision (used when no grammar is known)."""
    return _decide_by_line(line_before, line_after).scope


def _decide_by_line(before: str, after: str) -> Decision:
    if before and after and _IDENT.match(before[-1]) and _IDENT.match(after[0]):
        return Decision(Scope.SKIP, "inside_identifier")
    rest = after.strip()
    if rest and not all(c in _CLOSERS for c in rest):
        return Decision(Scope.LINE, "mid_line")
    if rest:
        return Decision(Scope.LINE, "before_closers")  # inside auto-closed brackets: finish the line
    if not before.strip():
        return Decision(Scope.BLOCK, "empty_line", min_indent=len(before))
    stripped = before.rstrip()
    if stripped.endswith(_BLOCK_OPENERS):
        return Decision(Scope.BLOCK, "after_opener", min_indent=indent_width(before) + 1)
    return Decision(Scope.LINE, "end_of_line")


def _on_blank_line(decision: Decision, text: str, line_start: int, offset: int, line_end: int,
                   language: LanguageInfo | None) -> Decision:
    """A blank line takes its indentations from the code around it, and a block may not go below
    the shallowest of them (into the code of an enclosing block, or module level). Between two
    statements of one block it gets one line: the code on both sides is already written."""
    found = placement(text, line_start, line_end, language)
    if found is None:
        return decision
    typed = offset - line_start
    lowest = min(len(indent) for indent in found.indents)
    scope = Scope.LINE if found.between else decision.scope
    return replace(decision, scope=scope, indents=found.indents, min_indent=max(typed, lowest))


def _inside(node_start: int, node_end: int, cursor: int, inclusive_end: bool) -> bool:
    return node_start < cursor < node_end or (inclusive_end and node_start < cursor == node_end)


def decide(text: str, offset: int, line_start: int, line_end: int, language: LanguageInfo | None,
           complete_in_strings: bool = False, complete_in_comments: bool = False) -> Decision:
    """Decide for a cursor at code point `offset` on the line [line_start, line_end)."""
    decision = _decide_by_line(text[line_start:offset], text[offset:line_end])
    if decision.reason == "empty_line":
        decision = _on_blank_line(decision, text, line_start, offset, line_end, language)
    if decision.scope is Scope.SKIP or language is None:
        return decision
    tree = parse(language, text)
    cursor = len(text[:offset].encode("utf-8"))
    # The node at a zero-width point is the one starting there; a comment or string that *ends*
    # at the cursor is found from the byte before it.
    for point in {cursor, max(cursor - 1, 0)}:
        inside = _inside_string_or_comment(tree.root_node.descendant_for_byte_range(point, point), cursor, language,
                                           complete_in_strings, complete_in_comments)
        if inside:
            return Decision(Scope.SKIP, inside)
    return decision


def _inside_string_or_comment(node: ts.Node | None, cursor: int, language: LanguageInfo,
                              complete_in_strings: bool, complete_in_comments: bool) -> str | None:
    while node is not None:
        if node.type in language.strings and not complete_in_strings \
                and _inside(node.start_byte, node.end_byte, cursor, inclusive_end=False):
            return "in_string"
        # a line comment runs to the end of its line, so its end counts as inside
        if node.type in language.comments and not complete_in_comments \
                and _inside(node.start_byte, node.end_byte, cursor, inclusive_end=True):
            return "in_comment"
        node = node.parent
    return None
