"""The editable region of a next-edit suggestion: the whole lines the model may rewrite.

Two sources, both pure functions of the text, the cursor and the last hunk:

1. **The cursor's window**: `ABOVE` lines above the cursor's line and `BELOW` below it (at most
   `MAX_LINES` in all), cut to the function (or method) around the cursor, found with
   tree-sitter; the whole file where no function encloses the cursor.
2. **The places the last edit implies**: when the last hunk renamed an identifier (its text and
   the letters around it read as one identifier before and after, e.g. `w` -> `width` in a
   signature), the lines that still use the old name as a whole word, nearest to the cursor
   first: in the function where the rename happened (another function's `w` is another name), or
   in the whole file when the rename was outside any function or renamed a function itself. The region
   grows from the cursor's window to take them in while it spans at most `MAX_SPAN` lines; when
   the nearest is too far for that, the region is the window around that place instead (the
   rename's next stop, not the cursor, is where the suggestion is needed).

3. **The sibling calls of a changed call**: when the last hunk lies in a call (its arguments, or
   its callee: `api.get(url)` became `api.session().get(url)`), the other one-line calls of the
   same callee as it was (`api.get`) in the function where the call changed (in the whole file
   for a call outside functions), nearest to the cursor first; where the callee did not change,
   those whose text differs from the changed call's. They are taken in as a rename's uses are.
   Measured on the next-edit benchmark's dev split, calls anywhere in the file took the region
   to another function's `isinstance(...)` after one `isinstance` became `issubclass`.

The region is always whole lines: it starts at a line start and ends after its last line's line
break (or at the end of the document).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter as ts

from hushcode.documents.edits import split_lines
from hushcode.documents.history import Hunk
from hushcode.syntax.languages import LanguageInfo, parse

from .calls import CallChange, Sibling, call_change, siblings

ABOVE = 2  # lines above the cursor's line
BELOW = 5  # lines below it (an edit usually moves down the code)
MAX_LINES = ABOVE + 1 + BELOW  # the cursor's window: 12 lines
MAX_SPAN = 2 * MAX_LINES  # the window grown to take in the places a rename implies

# function-like nodes of languages whose table names none (Java, C, C++)
_FUNCTIONS = frozenset({"function_definition", "method_declaration", "constructor_declaration", "function_item",
                        "function_declaration"})
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_WORD_CHARS = re.compile(r"\w*")


@dataclass(frozen=True)
class Rename:
    """The last edit renamed `old` to `new` (whole identifiers)."""

    old: str
    new: str


@dataclass(frozen=True)
class Region:
    """Lines `first` to `last` (0-based, inclusive) of the document: offsets `start`..`end`."""

    first: int
    last: int
    start: int
    end: int
    rename: Rename | None = None
    implied: tuple[int, ...] = ()  # the region's lines that still use the renamed name, or hold a sibling call
    call: CallChange | None = None  # the call the last edit changed, when the implied lines are its siblings
    siblings: tuple[Sibling, ...] = ()  # those siblings (calls.py)

    @property
    def lines(self) -> int:
        return self.last - self.first + 1


class _Lines:
    """Line starts of a text, LSP's line breaks; a text ending in a line break (or empty) has an
    empty last line, where a cursor may be."""

    def __init__(self, text: str) -> None:
        self.starts = [0]
        for line in split_lines(text):
            self.starts.append(self.starts[-1] + len(line))
        if len(self.starts) > 1 and not text.endswith(("\n", "\r")):
            self.starts.pop()  # the last line has no line break: it ends at the end of the text
        self.length = len(text)

    @property
    def count(self) -> int:
        return len(self.starts)

    def start(self, line: int) -> int:
        return self.starts[line] if line < len(self.starts) else self.length

    def line_of(self, offset: int) -> int:
        low, high = 0, len(self.starts) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self.starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low


def rename_of(text: str, hunk: Hunk, language: LanguageInfo | None = None) -> Rename | None:
    """The identifier the hunk renamed, or None: the hunk's old and new text are letters, digits
    or underscores only, and with the letters around them in the document they make two different
    identifiers (not keywords)."""
    if text[hunk.start:hunk.end] != hunk.new:
        return None  # a later edit changed the place: the hunk no longer describes it
    if not _WORD_CHARS.fullmatch(hunk.old) or not _WORD_CHARS.fullmatch(hunk.new):
        return None
    left = hunk.start
    while left > 0 and (text[left - 1].isalnum() or text[left - 1] == "_"):
        left -= 1
    right = hunk.end
    while right < len(text) and (text[right].isalnum() or text[right] == "_"):
        right += 1
    new = text[left:right]
    old = text[left:hunk.start] + hunk.old + text[hunk.end:right]
    keywords = language.keywords if language is not None else frozenset()
    if old == new or not _IDENTIFIER.fullmatch(old) or not _IDENTIFIER.fullmatch(new) or old in keywords:
        return None
    return Rename(old, new)


def _function(tree: ts.Tree | None, text: str, offset: int, language: LanguageInfo | None) -> ts.Node | None:
    """The innermost function around `offset`, or None."""
    if tree is None or language is None:
        return None
    kinds = language.functions or _FUNCTIONS
    point = len(text[:offset].encode("utf-8", "surrogatepass"))
    node: ts.Node | None = tree.root_node.descendant_for_byte_range(point, point)
    while node is not None:
        if node.type in kinds:
            return node
        node = node.parent
    return None


def _function_lines(tree: ts.Tree | None, text: str, offset: int, language: LanguageInfo | None) -> tuple[int, int] | None:
    """The first and last line of the innermost function around `offset`, or None."""
    node = _function(tree, text, offset, language)
    return (node.start_point[0], node.end_point[0]) if node is not None else None


def _rename_scope(tree: ts.Tree | None, text: str, hunk: Hunk, language: LanguageInfo | None) -> tuple[int, int] | None:
    """The lines a rename at `hunk` applies to: the function it happened in, unless it renamed
    that function itself (its name: its callers are anywhere); None for the whole file."""
    node = _function(tree, text, hunk.start, language)
    if node is None:
        return None
    name = node.child_by_field_name("name")
    point = len(text[:hunk.start].encode("utf-8", "surrogatepass"))
    if name is not None and name.start_byte <= point <= name.end_byte:
        return None
    return node.start_point[0], node.end_point[0]


def _window(line: int, bounds: tuple[int, int]) -> tuple[int, int]:
    """`ABOVE` lines above `line` and `BELOW` below, within `bounds` (inclusive)."""
    return max(line - ABOVE, bounds[0]), min(line + BELOW, bounds[1])


def _uses(text: str, lines: _Lines, name: str) -> list[int]:
    """The lines where `name` appears as a whole word, in order."""
    found = (lines.line_of(m.start()) for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text))
    return list(dict.fromkeys(found))


def _code_start(text: str, lines: _Lines, line: int) -> int:
    """The offset of the first character of `line` that is not a space or a tab."""
    start = lines.start(line)
    return start + len(text[start:lines.start(line + 1)]) - len(text[start:lines.start(line + 1)].lstrip(" \t"))


def _grow(span: tuple[int, int], places: list[int]) -> tuple[int, int]:
    """`span` grown to take in `places`, in order, while it spans at most MAX_SPAN lines."""
    first, last = span
    for line in places:
        if max(last, line) - min(first, line) + 1 <= MAX_SPAN:
            first, last = min(first, line), max(last, line)
    return first, last


def choose_region(text: str, offset: int, language: LanguageInfo | None, last_hunk: Hunk | None,
                  tree: ts.Tree | None = None) -> Region:
    """The region for a cursor at code point `offset` (see the module's docstring); `tree`: the
    text's parse when the caller has it (else it is parsed here)."""
    lines = _Lines(text)
    file_bounds = (0, lines.count - 1)
    if tree is None and language is not None:
        tree = parse(language, text)
    cursor_line = lines.line_of(offset)
    span = _window(cursor_line, _function_lines(tree, text, offset, language) or file_bounds)
    rename = rename_of(text, last_hunk, language) if last_hunk is not None else None
    places: list[int] = []
    if rename is not None and last_hunk is not None:
        scope = _rename_scope(tree, text, last_hunk, language)
        found = [u for u in _uses(text, lines, rename.old) if scope is None or scope[0] <= u <= scope[1]]
        places = sorted(found, key=lambda u: abs(u - cursor_line))
    change = call_change(text, last_hunk, tree) if rename is None and last_hunk is not None else None
    calls: list[Sibling] = []
    if change is not None and tree is not None and last_hunk is not None:
        calls = siblings(text, change, tree, _function(tree, text, last_hunk.start, language))  # as a rename's uses
        places = sorted({c.line for c in calls}, key=lambda u: abs(u - cursor_line))
    if places:
        grown = _grow(span, places)
        if not any(grown[0] <= p <= grown[1] for p in places):  # the nearest is too far: go there
            nearest = places[0]
            point = _code_start(text, lines, nearest)
            grown = _grow(_window(nearest, _function_lines(tree, text, point, language) or file_bounds), places)
        span = grown
    first, last = span
    implied = tuple(sorted(p for p in places if first <= p <= last))
    return Region(first, last, lines.start(first), lines.start(last + 1), rename, implied,
                  change if calls else None, tuple(c for c in calls if first <= c.line <= last))
