"""Names the code below the cursor binds only on some paths before it reads them.

`seen = 1` inside a loop's `if`, then `if seen == 0:` after the loop; `odd = [n]` in the `else` of
the `if` whose other branch holds the cursor, then `return odd`: the code below does bind the
name before reading it, but not on every path, so the line at the cursor is where it most likely
gets its first value. unbound.py counts such names with the ones nothing binds at all. Only reads
of the cursor's level count, not ones in a body under a later statement: `start` read inside a
later `if verbose:` that matches the `if verbose:` binding it is no doubt of this kind.

Apart from unbound.py because it asks a question of its own (which block a statement at the
cursor would go in, and which statements may skip a body), on a parse of its own.

Pure: a function of the text, the cursor and the language.
"""

from __future__ import annotations

import tree_sitter as ts

from hushcode.syntax.languages import LanguageInfo, parse
from hushcode.syntax.python.bindings import enclosing_functions, events

# what runs its body only on some paths: a name bound there alone may be unbound after it
_BRANCHING = frozenset({"if_statement", "for_statement", "while_statement", "match_statement"})
_LEAVING = ("return_statement", "raise_statement", "break_statement", "continue_statement")


def off_path(node: ts.Node, at: int) -> bool:
    """Is `node` in a body of a branching statement (an `if`, a loop) that does not hold byte `at`?
    (A cheap test on the text as it is, before bound_on_some_paths parses it again.)"""
    current = node.parent
    while current is not None:
        if current.type == "block" and current.parent is not None and not (
                current.start_byte <= at <= current.end_byte):
            owner: ts.Node | None = current.parent
            if owner is not None and owner.type in ("elif_clause", "else_clause"):
                owner = owner.parent
            if owner is not None and owner.type in _BRANCHING:
                return True
        current = current.parent
    return False


def bound_on_some_paths(text: str, cursor: int, info: LanguageInfo, names: set[str]) -> dict[str, int]:
    """The names among `names` (bound below the cursor before they are read) that the code below
    binds only on some paths before a read of the cursor's level, each with the row (0-based) of
    that read, in the order read. A read counts in a statement of the cursor's block (or, where the
    cursor is in a branch of an `if`, of the block around that `if`), not in a body under it."""
    # where a statement at the cursor would go: parse with one there (the block of a blank line is
    # what the indentation says, which the tree of the text without it cannot tell at a block's end)
    marked = text[:cursor] + "pass" + text[cursor:]
    data = marked.encode("utf-8")
    at = len(text[:cursor].encode("utf-8"))
    tree = parse(info, marked)
    placeholder = tree.root_node.descendant_for_byte_range(at, at + 4)
    while placeholder is not None and placeholder.type != "pass_statement":
        placeholder = placeholder.parent
    if placeholder is None or placeholder.parent is None or placeholder.parent.type != "block":
        return {}
    blocks = [placeholder.parent]
    owner = blocks[0].parent
    if owner is not None and owner.type in ("elif_clause", "else_clause"):
        owner = owner.parent
    if owner is not None and owner.type == "if_statement" and owner.parent is not None:
        blocks.append(owner.parent)  # the cursor is in a branch: the block around the `if` too
    functions = enclosing_functions(tree.root_node, at)
    if not functions:
        return {}
    found: dict[str, int] = {}
    settled: set[str] = set()  # bound on every path, or read where this rule does not look
    for name, binds, node in events(functions[-1], data):
        if node.start_byte < at + 4 or name not in names or name in settled or name in found:
            continue
        level = _statement_in(node, blocks)
        if binds:
            if level is None or not _branched(node, level) or _every_branch_binds(level, name, data):
                settled.add(name)
        elif level is not None and not _under_body(node, level):
            found[name] = node.start_point.row
    return found


def _statement_in(node: ts.Node, blocks: list[ts.Node]) -> ts.Node | None:
    """The statement holding `node` that is a direct child of the first of `blocks` holding it."""
    for block in blocks:
        current = node
        while current.parent is not None and current.parent != block:
            current = current.parent
        if current.parent == block:
            return current
    return None


def _under_body(node: ts.Node, statement: ts.Node) -> bool:
    """Is `node` inside a body (a block) of `statement`, rather than its header or condition?"""
    current = node.parent
    while current is not None and current != statement:
        if current.type == "block":
            return True
        current = current.parent
    return False


def _every_branch_binds(statement: ts.Node, name: str, data: bytes) -> bool:
    """Does every branch of an `if` with an `else` bind `name`, or leave (`return`, `raise`,
    `break`, `continue` as its last statement)?"""
    if statement.type != "if_statement":
        return False
    branches = [statement.child_by_field_name("consequence")]
    for clause in statement.children_by_field_name("alternative"):
        branches.append(clause.child_by_field_name("consequence") if clause.type == "elif_clause"
                        else clause.child_by_field_name("body"))
    if not any(clause.type == "else_clause" for clause in statement.children_by_field_name("alternative")):
        return False
    for body in branches:
        if body is None:
            return False
        last = body.named_children[-1] if body.named_children else None
        leaves = last is not None and last.type in _LEAVING
        if not leaves and not any(binds and bound == name for bound, binds, _ in events(body, data)):
            return False
    return True


def _branched(node: ts.Node, statement: ts.Node) -> bool:
    """Is a binding at `node` in a body that `statement` may skip (an `if` branch, a loop body)?"""
    return statement.type in _BRANCHING and _under_body(node, statement)
