"""The last edit made again where the text it changed recurs near the cursor (pure: no model).

"Do it again" is the commonest next edit a tool can be sure of: the user changed `isinstance(v,`
into `issubclass(value_type,`, and two lines below stands `elif isinstance(v, dict):`. This module
reads the last hunk as a change of tokens and finds where the region still holds what it changed:

1. The hunk is taken as whole lines, before and after, and diffed token by token (words and
   numbers, single punctuation; a string's or a comment's words are tokens too). Each changed line
   (old and new line paired, where the hunk kept its number of lines) is one **change**; in a hunk
   that added or removed lines, each changed run of tokens is one.
2. A change's **core** runs from its first changed token to its last (a changed attribute takes
   its whole dotted name: `self.x` -> `self.size`). It is found again:
   - alone, where it is a *reference* on both sides (a name, a dotted name, or such a name called
     with arguments: `on_setattr` -> `self._on_setattr`, `fb.get_invocation_str()` ->
     `invocation_str`): a rename, made at every use (never after a `.`, where the same letters name
     another object's attribute; never at a keyword argument's name, the callee's parameter; and
     where the user changed a *use*, not at the name's binding: `x = ...` stays when `return x`
     became `return y`);
   - otherwise with the tokens around it (at least one on each side where the line has one, more
     until it is found once only in the old line): a literal, a keyword, an operator or a
     comment's words mean something only where they stand (`return ' '.join` -> `return
     sep.join` says nothing of `sep=' '`).
3. A place counts only in the same kind of text as the change: code for code, a comment for a
   comment, a string for a string (tree-sitter): renaming `on_setattr` leaves the comment that
   says "on_setattr" alone.

The caller (service.py) tries this on its region before any model: the answer is the region with
every place changed, filtered like a model's rewrite (edit.py: `undo`, `parse`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import tree_sitter as ts

from hushcode.documents.history import Hunk
from hushcode.syntax.languages import LanguageInfo

_TOKEN = re.compile(r"\w+|[^\w\s]")
_NAME = re.compile(r"[^\W\d]\w*")
MAX_CORE_TOKENS = 24  # a longer change is a rewrite, not something to repeat as it is


@dataclass(frozen=True)
class Change:
    """Text matching `pattern` becomes `left` + `new` + `right`, where `left` and `right` are the
    pattern's context groups as found (their spacing kept) and `new` the changed tokens as the
    user wrote them. `kind` is where the change was: "code", "comment" or "string"."""

    pattern: re.Pattern[str]
    new: str
    kind: str
    role: str | None = None  # a renamed name's role where it was renamed: "binding" or "use" (`_role`)


def _tokens(text: str) -> list[re.Match[str]]:
    return list(_TOKEN.finditer(text))


def _is_reference(tokens: list[str], keywords: frozenset[str]) -> bool:
    """A name, a dotted name, or such a name with one bracketed argument list after it."""
    if not tokens:
        return False
    i = 0
    while True:
        if i >= len(tokens) or not _NAME.fullmatch(tokens[i]) or tokens[i] in keywords:
            return False
        i += 1
        if i < len(tokens) and tokens[i] == ".":
            i += 1
            continue
        break
    if i == len(tokens):
        return True
    if tokens[i] != "(" or tokens[-1] != ")":
        return False
    depth = 0
    for j, token in enumerate(tokens[i:], start=i):
        depth += token == "("
        depth -= token == ")"
        if depth == 0 and j != len(tokens) - 1:
            return False
    return depth == 0


def _joined(tokens: list[str]) -> str:
    """A regex of `tokens` with any whitespace between them."""
    return r"\s*".join(re.escape(t) for t in tokens)


def _word_edges(first: str, last: str) -> tuple[str, str]:
    head = r"(?<![\w.])" if _NAME.match(first) or first[:1].isdigit() else ""
    tail = r"(?!\w)" if last[-1:].isalnum() or last[-1:] == "_" else ""
    return head, tail


def _ops(old: str, new: str) -> tuple[list[re.Match[str]], list[re.Match[str]], list[tuple[int, int, int, int]]]:
    """The tokens of `old` and `new`, and the (i0, i1, j0, j1) runs that differ."""
    a, b = _tokens(old), _tokens(new)
    matcher = difflib.SequenceMatcher(None, [m.group() for m in a], [m.group() for m in b], autojunk=False)
    return a, b, [(i0, i1, j0, j1) for tag, i0, i1, j0, j1 in matcher.get_opcodes() if tag != "equal"]


def _change(old: str, new: str, kind: str, keywords: frozenset[str],
            run: tuple[int, int, int, int] | None = None, role: str | None = None) -> Change | None:
    """One changed line as a `Change` (or one run of a group of lines: `run`), or None (no token
    changed, too long, or no context finds it once only in its own text)."""
    a, b, ops = _ops(old, new)
    at, bt = [m.group() for m in a], [m.group() for m in b]
    if run is not None:
        ops = [run]
    if not ops:
        return None
    i0, i1, j0, j1 = ops[0][0], ops[-1][1], ops[0][2], ops[-1][3]
    while i0 >= 2 and j0 >= 2 and at[i0 - 1] == bt[j0 - 1] == "." and at[i0 - 2] == bt[j0 - 2] \
            and _NAME.fullmatch(at[i0 - 2]):
        i0, j0 = i0 - 2, j0 - 2  # `self.x` -> `self.size`: the change is of the whole dotted name
    core_old, core_new = at[i0:i1], bt[j0:j1]
    if not core_old or len(core_old) > MAX_CORE_TOKENS or len(core_new) > MAX_CORE_TOKENS:
        return None  # a pure insertion has nothing to find again (calls.py repeats added arguments)
    new_text = new[b[j0].start():b[j1 - 1].end()] if core_new else ""
    if "\n" in new_text:
        return None
    if len(ops) == 1 and kind == "code" and _is_reference(core_old, keywords) and _is_reference(core_new, keywords):
        head, tail = _word_edges(core_old[0], core_old[-1])
        return Change(re.compile(f"(){head}{_joined(core_old)}{tail}()"), new_text, kind,
                      role if len(core_old) == 1 else None)
    left, right = min(1, i0), min(1, len(at) - i1)
    while True:
        while i0 - left > 0 and (at[i0 - left] == "." or at[i0 - left - 1] == "."):
            left += 1  # the context starts at a whole dotted name (`self.x`), not inside one
        before, after = at[i0 - left:i0], at[i1:i1 + right]
        head, tail = _word_edges((before or core_old)[0], (after or core_old)[-1])
        body = "(" + _joined(before) + r"\s*)" + _joined(core_old) + r"(\s*" + _joined(after) + ")"
        pattern = re.compile(head + body + tail)
        whole = left == i0 and right == len(at) - i1
        if (_has_word(before + after) or whole) and _count(pattern, old) <= 1:
            return Change(pattern, new_text, kind)
        if whole:
            return None
        left, right = min(left + 1, i0), min(right + 1, len(at) - i1)


def _has_word(tokens: list[str]) -> bool:
    """Punctuation alone does not say where a change applies (`=` and `,` around `True` match
    every keyword argument): the context needs a name, a keyword or a number."""
    return any(t[:1].isalnum() or t[:1] == "_" for t in tokens)


def _count(pattern: re.Pattern[str], text: str) -> int:
    """How many places of `text` the pattern's core is found at, overlapping ones too."""
    return len({m.end(1) for i in range(len(text)) if (m := pattern.match(text, i)) is not None})


def _kind(tree: ts.Tree | None, data: bytes, byte: int) -> str:
    """"comment", "string" or "code": what the text at `byte` is part of."""
    if tree is None:
        return "code"
    node: ts.Node | None = tree.root_node.descendant_for_byte_range(byte, byte)
    while node is not None:
        if "comment" in node.type:
            return "comment"
        if "string" in node.type:
            return "string"
        node = node.parent
    return "code"


_PARAMETERS = frozenset({"parameters", "lambda_parameters", "typed_parameter", "default_parameter",
                         "typed_default_parameter", "list_splat_pattern", "dictionary_splat_pattern"})
_TARGETS = frozenset({"pattern_list", "tuple_pattern", "list_pattern", "list_splat_pattern"})
_BINDERS = {"assignment": "left", "augmented_assignment": "left", "for_statement": "left",
            "for_in_clause": "left", "function_definition": "name", "class_definition": "name", "as_pattern": "alias",
            "as_pattern_target": None, "global_statement": None, "nonlocal_statement": None}


def _role(tree: ts.Tree | None, byte: int) -> str:
    """What the name at `byte` is, in Python: "keyword" (a keyword argument's name: the callee's
    parameter, not this scope's name), "binding" (a parameter, an assignment's or a loop's target,
    a definition's name) or "use" (anything else, and every name of other languages)."""
    if tree is None:
        return "use"
    node: ts.Node | None = tree.root_node.named_descendant_for_byte_range(byte, byte)
    if node is None or node.type != "identifier":
        return "use"
    child, parent = node, node.parent
    while parent is not None and parent.type in _TARGETS:
        child, parent = parent, parent.parent
    if parent is None:
        return "use"
    if parent.type == "keyword_argument" and parent.child_by_field_name("name") == child:
        return "keyword"
    if parent.type in _PARAMETERS and (parent.type == "parameters" or parent.child_by_field_name("name") in (child, None)):
        return "binding"
    if parent.type in _BINDERS:
        field = _BINDERS[parent.type]
        if field is None or parent.child_by_field_name(field) == child:
            return "binding"
    return "use"


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole lines around `start`..`end` (the end after the last line's break, if any)."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    return first, len(text) if last < 0 else last + 1


def changes_of(text: str, hunk: Hunk, tree: ts.Tree | None, language: LanguageInfo | None) -> list[Change]:
    """The last hunk as the changes it made (the module's docstring), or none when the hunk no
    longer describes the text."""
    if text[hunk.start:hunk.end] != hunk.new:
        return []
    first, last = _line_bounds(text, hunk.start, hunk.end)
    new_lines = text[first:last]
    old_lines = text[first:hunk.start] + hunk.old + text[hunk.end:last]
    keywords = language.keywords if language is not None else frozenset()
    olds, news = old_lines.splitlines(keepends=True), new_lines.splitlines(keepends=True)
    data = text.encode("utf-8", "surrogatepass")
    found: list[Change] = []

    def where(offset: int, new: str, run: tuple[int, int, int, int]) -> tuple[str, str]:
        """The kind of text the run's first new token is in (or what follows a deletion), and
        that token's role."""
        tokens = _tokens(new)
        at = tokens[run[2]].start() if run[2] < len(tokens) else len(new)
        byte = len(text[:offset + at].encode("utf-8", "surrogatepass"))
        return _kind(tree, data, byte), _role(tree, byte)

    if len(olds) != len(news):  # lines added or removed: each changed run of tokens on its own
        for run in _ops(old_lines, new_lines)[2]:
            kind, role = where(first, new_lines, run)
            change = _change(old_lines, new_lines, kind, keywords, run, role)
            if change is not None:
                found.append(change)
        return found
    offset = first
    for old, new in zip(olds, news):
        runs = _ops(old, new)[2]
        if runs:
            kind, role = where(offset, new, runs[0])
            change = _change(old, new, kind, keywords, role=role)
            if change is not None:
                found.append(change)
        offset += len(new)
    return found


# where a renamed name is renamed again: after renaming a binding, its uses and its other
# bindings (a parameter's reassignment); after changing a use, only other uses (the binding of
# the name the user stopped using stays); never a keyword argument's name (another function's)
_RENAMED_AT = {"binding": ("binding", "use"), "use": ("use",), "keyword": ("keyword",)}


def repeated(text: str, changes: list[Change], start: int, end: int, skip: tuple[int, int],
             tree: ts.Tree | None) -> list[tuple[int, int, str]]:
    """Every place in `text[start:end]` (outside `skip`, the last edit's own lines) where a change
    applies, as (start, end, new text), in order and not overlapping."""
    data = text.encode("utf-8", "surrogatepass")
    places: list[tuple[int, int, str]] = []
    for change in changes:
        for match in change.pattern.finditer(text, start, end):
            if match.start() < skip[1] and skip[0] < match.end():
                continue
            core_start = match.end(1)
            byte = len(text[:core_start].encode("utf-8", "surrogatepass"))
            if _kind(tree, data, byte) != change.kind:
                continue
            if change.role is not None and _role(tree, byte) not in _RENAMED_AT[change.role]:
                continue
            places.append((core_start, match.start(2), change.new))
    places.sort()
    kept: list[tuple[int, int, str]] = []
    for place in places:
        if not kept or place[0] >= kept[-1][1]:
            kept.append(place)
    return kept


def made_again(text: str, start: int, end: int, hunk: Hunk, tree: ts.Tree | None,
               language: LanguageInfo | None) -> str | None:
    """`text[start:end]` (the region) with the hunk's changes made at every place in it that still
    holds what they replaced, or None where there is none."""
    changes = changes_of(text, hunk, tree, language)
    if not changes:
        return None
    first, last = _line_bounds(text, hunk.start, hunk.end)
    own = (first, last - 1 if text[last - 1:last] == "\n" else last)  # the hunk's own lines, already changed
    places = repeated(text, changes, start, end, own, tree)
    return apply(text, start, end, places) if places else None


def apply(text: str, start: int, end: int, places: list[tuple[int, int, str]]) -> str:
    """`text[start:end]` with `places` (inside it, in order) changed."""
    out, at = [], start
    for s, e, new in places:
        out += [text[at:s], new]
        at = e
    out.append(text[at:end])
    return "".join(out)
