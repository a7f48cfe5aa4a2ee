"""Reads of a function's local name before the function binds it (UnboundLocalError).

Python makes a name local to the whole function when the function binds it anywhere, so a line
that reads `ans` above `ans = arr[-k:]` raises UnboundLocalError when it runs. Small models write
such lines on a blank line above the binding. Two questions follow: which names would a line
written at the cursor read too early (`assigned_below`, which the service sends to the ranking),
and where do the lines a suggestion wrote read one (`read_before_bound`, which the cleanup in
postprocess/unbound_local.py cuts at). Both count the same bindings: the function's own (not
those of a nested function, class, lambda or comprehension), none in a loop around the read (from
the loop's second turn on, the name is bound).

Pure: a function of the text, the offsets and the language (Python only).
"""

from __future__ import annotations

import tree_sitter as ts

from hushcode.syntax.languages import LanguageInfo, parse
from hushcode.syntax.python.bindings import enclosing_functions, events

# what opens a scope of its own inside a function: what is bound there is not the function's local
_SCOPES = frozenset({"function_definition", "lambda", "class_definition", "list_comprehension",
                     "set_comprehension", "dictionary_comprehension", "generator_expression"})
_LOOPS = frozenset({"for_statement", "while_statement"})
_DEFERRED = frozenset({"function_definition", "lambda"})  # a body that runs later, when called


def read_before_bound(text: str, start: int, end: int, info: LanguageInfo | None) -> list[int]:
    """Where the code between the character offsets `start` and `end` (lines a suggestion wrote
    into a function) reads a local name before the function binds it: Python makes a name local
    to the whole function when the function binds it anywhere, so `ans.sort()` before
    `ans = arr[-k:]` raises UnboundLocalError. The character offsets of such reads, first first.

    A read counts when the function binds the name only after `end`, nothing before the read
    binds it (nor a parameter, nor a `global`/`nonlocal` line), and no later binding is in a loop
    around the read (`prev` read in a loop that binds it further down is fine from the second
    turn on). Reads inside a lambda or a nested function run later and do not count. [] for
    languages other than Python and where the text does not parse."""
    if info is None or info.name != "python" or start >= end:
        return []
    try:
        return _read_before_bound(text, start, end, info)
    except RecursionError:
        return []


def _read_before_bound(text: str, start: int, end: int, info: LanguageInfo) -> list[int]:
    data = text.encode("utf-8")
    first, last = len(text[:start].encode("utf-8")), len(text[:end].encode("utf-8"))
    tree = parse(info, text)
    if tree.root_node.has_error:
        return []
    functions = enclosing_functions(tree.root_node, first)
    if not functions:
        return []
    function = functions[-1]
    bound: set[str] = set()
    reads: list[tuple[str, ts.Node]] = []  # what the written lines read that nothing bound first
    later: dict[str, list[ts.Node]] = {}  # the function's own bindings after the written lines
    for name, binds, node in events(function, data):
        if binds:
            if node.start_byte < first or (node.start_byte < last and not _in_inner_scope(node, function)):
                bound.add(name)  # before the written lines, or by them (not in a scope of their own)
            elif node.start_byte >= last and not _in_inner_scope(node, function):
                later.setdefault(name, []).append(node)
        elif first <= node.start_byte < last and name not in bound and not _in_inner_scope(node, function,
                                                                                            _DEFERRED):
            reads.append((name, node))
    found = [node for name, node in reads
             if name in later and not any(_loop_around(binding, node.start_byte, function) for binding in later[name])]
    return sorted(len(data[:node.start_byte].decode("utf-8", "replace")) for node in found)


def assigned_below(text: str, cursor: int, info: LanguageInfo | None) -> list[str]:
    """The names the cursor's function assigns below the cursor (in its own scope) that nothing
    before the cursor binds (nor a parameter), where no loop around the cursor assigns them: a
    line written at the cursor that reads one raises UnboundLocalError (read_before_bound says
    which reads count). In the order first assigned; [] outside a function and for languages
    other than Python."""
    if info is None or info.name != "python":
        return []
    try:
        return _assigned_below(text, cursor, info)
    except RecursionError:
        return []


def _assigned_below(text: str, cursor: int, info: LanguageInfo) -> list[str]:
    data = text.encode("utf-8")
    at = len(text[:cursor].encode("utf-8"))
    functions = enclosing_functions(parse(info, text).root_node, at)
    if not functions:
        return []
    function = functions[-1]
    bound: set[str] = set()
    later: dict[str, list[ts.Node]] = {}
    for name, binds, node in events(function, data):
        if binds and node.start_byte < at:
            bound.add(name)
        elif binds and not _in_inner_scope(node, function):
            later.setdefault(name, []).append(node)
    return [name for name, nodes in later.items()
            if name not in bound and not any(_loop_around(node, at, function) for node in nodes)]


def _in_inner_scope(node: ts.Node, function: ts.Node, scopes: frozenset[str] = _SCOPES) -> bool:
    """Is `node` in one of `scopes` inside `function` (a nested function's name is not)?"""
    parent = node.parent
    if parent is not None and parent.type in ("function_definition", "class_definition") and \
            parent.child_by_field_name("name") == node:
        parent = parent.parent
    while parent is not None and parent != function:
        if parent.type in scopes:
            return True
        parent = parent.parent
    return False


def _loop_around(binding: ts.Node, at: int, function: ts.Node) -> bool:
    """Is there a loop that holds both the later binding and the byte offset `at` (a read)?"""
    parent = binding.parent
    while parent is not None and parent != function:
        if parent.type in _LOOPS and parent.start_byte <= at < parent.end_byte:
            return True
        parent = parent.parent
    return False
