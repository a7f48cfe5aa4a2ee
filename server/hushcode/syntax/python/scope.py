"""Names the code below a blank line reads that nothing before it defines.

A blank line inside a function, with code below that reads `ret`, `result` or `re` where no line
above (nor a parameter, nor the module, nor Python's builtins) defines it, most likely lacks that
definition: `ret = ""`, `result = []`, `import re`. The ranking of a blank line's candidates
(engine/ranking.py) adds a line that defines such a name when neither reading of the line does,
and lets the code below judge it like the others.

A name the code below binds only on some paths before it reads it counts too (`seen = 1` inside
a loop's `if`, then `if seen == 0:` after the loop; `odd = [n]` in the `else` of the `if` whose
other branch holds the cursor, then `return odd`): the line at the cursor is where it gets its first
value. Only reads of the cursor's level count there, not ones in a body under a later statement.

Pure: a function of the text, the cursor and the language (Python only for now: its scoping rules
are the ones below). The walk follows Python's order of evaluation where it matters: the right
side of an assignment is read before its targets are bound (`ret = str(x) + ret` reads `ret`), a
comprehension's `for` clauses bind before its element is read.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace

import tree_sitter as ts

from hushcode.syntax.languages import LanguageInfo, parse

_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "__class__"}


@dataclass(frozen=True)
class Unbound:
    name: str
    module: bool  # read as `name.attribute` and a standard-library module: `import name` defines it
    row: int = 0  # the line (0-based) where the code below first reads it
    # a literal the code below first compares it with (`state == "start"`, `prev is None`): the
    # value the line at the cursor most likely gives it
    value: str | None = None


def unbound_below(text: str, cursor: int, info: LanguageInfo | None) -> list[Unbound]:
    """The names that the rest of the cursor's function reads, in the order first read, that are
    not defined before the cursor (in the function, the functions around it, the module) nor by
    the code below before it reads them, nor builtins. [] outside a function, for languages other
    than Python, and where a star import could define anything."""
    if info is None or info.name != "python":
        return []
    try:
        return _unbound(text, cursor, info)
    except RecursionError:  # expressions nested thousands deep (generated code): no names, no harm
        return []


def _unbound(text: str, cursor: int, info: LanguageInfo) -> list[Unbound]:
    data = text.encode("utf-8")
    at = len(text[:cursor].encode("utf-8"))
    tree = parse(info, text)
    functions = _enclosing_functions(tree.root_node, at)
    if not functions:
        return []
    module = _module_names(tree.root_node, data)
    if "*" in module:
        return []
    bound = set(_BUILTINS) | module
    for function in functions[:-1]:  # what the functions around the cursor's bind before it (closures)
        bound |= {name for name, binds, node in _events(function, data) if binds and node.start_byte < at}
    # the cursor is between statements: the walk meets everything before it first
    found: dict[str, Unbound] = {}
    before: set[str] | None = None  # what is bound where the cursor is
    bound_first: set[str] = set()  # names the code below binds before it reads them
    first_reads: dict[str, ts.Node] = {}  # each name's first read below the cursor
    for name, binds, node in _events(functions[-1], data):
        if before is None and node.start_byte >= at:
            before = set(bound)
        if binds:
            # bound first below, in a body the cursor is not in: maybe on some paths only
            if before is not None and name not in before and name not in found and _off_path(node, at):
                bound_first.add(name)
            bound.add(name)
        elif node.start_byte >= at:
            first_reads.setdefault(name, node)
            if name not in bound and name not in found:
                found[name] = Unbound(name, _is_module(node, name), node.start_point.row)
    maybe = _possibly_unbound(text, cursor, info, bound_first) if bound_first else []
    return sorted([replace(u, value=_compared_with(first_reads.get(u.name), data)) for u in (*found.values(), *maybe)],
                  key=lambda u: u.row)


_LITERALS = frozenset({"none", "true", "false", "integer", "float", "string"})


def _compared_with(node: ts.Node | None, data: bytes) -> str | None:
    """The literal that the read at `node` compares it with (`x == "start"`, `x is None`), if any."""
    parent = node.parent if node is not None else None
    if parent is None or parent.type != "comparison_operator" or parent.named_child_count != 2:
        return None
    other = next(child for child in parent.named_children if child != node)
    if other.type not in _LITERALS or other.end_byte - other.start_byte > 40 or any(
            child.type == "interpolation" for child in other.named_children):
        return None
    return _text(other, data)


# what runs its body only on some paths: a name bound there alone may be unbound after it
_BRANCHING = frozenset({"if_statement", "for_statement", "while_statement", "match_statement"})


def _possibly_unbound(text: str, cursor: int, info: LanguageInfo, names: set[str]) -> list[Unbound]:
    """The names among `names` (bound below the cursor before they are read) that the code below
    binds only on some paths before a read of the cursor's level: `flg = 1` inside a loop's `if`,
    then `if flg == 0:` after the loop, or `x = [n]` in the `else` of the `if` whose other branch
    holds the cursor, then `return x` after it. A line at the cursor is where such a name gets its
    first value. Only reads in a statement of the cursor's block (or, where the cursor is in a
    branch of an `if`, of the block around that `if`), not in a body under it: `start` read inside
    a later `if verbose:` that matches the `if verbose:` binding it is no doubt of this kind."""
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
        return []
    blocks = [placeholder.parent]
    owner = blocks[0].parent
    if owner is not None and owner.type in ("elif_clause", "else_clause"):
        owner = owner.parent
    if owner is not None and owner.type == "if_statement" and owner.parent is not None:
        blocks.append(owner.parent)  # the cursor is in a branch: the block around the `if` too
    functions = _enclosing_functions(tree.root_node, at)
    if not functions:
        return []
    found: dict[str, Unbound] = {}
    settled: set[str] = set()  # bound on every path, or read where this rule does not look
    for name, binds, node in _events(functions[-1], data):
        if node.start_byte < at + 4 or name not in names or name in settled or name in found:
            continue
        level = _statement_in(node, blocks)
        if binds:
            if level is None or not _branched(node, level) or _every_branch_binds(level, name, data):
                settled.add(name)
        elif level is not None and not _under_body(node, level):
            found[name] = Unbound(name, False, node.start_point.row)
    return list(found.values())


def _off_path(node: ts.Node, at: int) -> bool:
    """Is `node` in a body of a branching statement (an `if`, a loop) that does not hold byte `at`?
    (A cheap test on the text as it is, before _possibly_unbound parses it again.)"""
    current = node.parent
    while current is not None:
        if current.type == "block" and current.parent is not None and not (
                current.start_byte <= at <= current.end_byte):
            owner = current.parent
            if owner.type in ("elif_clause", "else_clause"):
                owner = owner.parent
            if owner is not None and owner.type in _BRANCHING:
                return True
        current = current.parent
    return False


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
        leaves = last is not None and last.type in ("return_statement", "raise_statement", "break_statement",
                                                     "continue_statement")
        if not leaves and not any(binds and bound == name for bound, binds, _ in _events(body, data)):
            return False
    return True


def _branched(node: ts.Node, statement: ts.Node) -> bool:
    """Is a binding at `node` in a body that `statement` may skip (an `if` branch, a loop body)?"""
    return statement.type in _BRANCHING and _under_body(node, statement)


def _enclosing_functions(root: ts.Node, at: int) -> list[ts.Node]:
    """The functions whose bodies hold the byte offset `at` with code of theirs below it,
    outermost first."""
    found = []
    node = root
    while True:
        inner = next((c for c in node.children if c.start_byte < at < c.end_byte), None)
        if inner is None:
            return found
        if inner.type == "function_definition":
            found.append(inner)
        node = inner


def _module_names(root: ts.Node, data: bytes) -> set[str]:
    """What the module scope binds (definitions, imports, assignments, in any order); "*" for a
    star import."""
    names: set[str] = set()
    for child in root.children:
        node = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
        if node is None:
            continue
        if node.type in ("function_definition", "class_definition"):
            name = node.child_by_field_name("name")
            if name is not None:
                names.add(_text(name, data))
            continue
        for name, binds, _ in _events(node, data):
            if binds:
                names.add(name)
    return names


def _events(node: ts.Node, data: bytes) -> Iterator[tuple[str, bool, ts.Node]]:
    """(name, binds, node) for every name read or bound under `node`, in evaluation order."""
    kind = node.type
    if kind == "identifier":
        yield _text(node, data), False, node
    elif kind in ("assignment", "augmented_assignment"):
        target, value = node.child_by_field_name("left"), node.child_by_field_name("right")
        if value is not None:
            yield from _events(value, data)
        if target is not None:
            if kind == "augmented_assignment":
                yield from _events(target, data)
            yield from _targets(target, data)
    elif kind == "named_expression":
        value, name = node.child_by_field_name("value"), node.child_by_field_name("name")
        if value is not None:
            yield from _events(value, data)
        if name is not None:
            yield from _targets(name, data)
    elif kind in ("for_statement", "for_in_clause"):
        iterable, target = node.child_by_field_name("right"), node.child_by_field_name("left")
        if iterable is not None:
            yield from _events(iterable, data)
        if target is not None:
            yield from _targets(target, data)
        for child in node.children:
            if child not in (iterable, target) and child.is_named:
                yield from _events(child, data)
    elif kind in ("list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression"):
        body = node.child_by_field_name("body")
        for child in node.named_children:  # the clauses first: they bind what the body reads
            if child != body:
                yield from _events(child, data)
        if body is not None:
            yield from _events(body, data)
    elif kind in ("function_definition", "class_definition", "lambda"):  # a lambda has no name
        name = node.child_by_field_name("name")
        for child in node.named_children:
            if child == name:
                continue
            if child.type in ("parameters", "lambda_parameters"):
                yield from _parameters(child, data)
            else:
                yield from _events(child, data)
        if name is not None:
            yield _text(name, data), True, name
    elif kind in ("import_statement", "import_from_statement"):
        yield from _imports(node, data)
    elif kind == "as_pattern":
        for child in node.named_children:
            if child.type == "as_pattern_target":
                yield from _targets(child, data)
            else:
                yield from _events(child, data)
    elif kind == "attribute":
        target = node.child_by_field_name("object")
        if target is not None:
            yield from _events(target, data)
    elif kind == "keyword_argument":
        value = node.child_by_field_name("value")
        if value is not None:
            yield from _events(value, data)
    elif kind == "case_pattern":
        # a `case` binds its capture names (a class or a constant read there counts as bound too:
        # a name it leaves out is one doubt less)
        for child in _walk(node):
            if child.type == "identifier":
                yield _text(child, data), True, child
    elif kind in ("global_statement", "nonlocal_statement"):
        for child in node.named_children:
            if child.type == "identifier":
                yield _text(child, data), True, child
    elif kind in ("string", "comment"):
        for child in node.named_children:
            if child.type == "interpolation":
                yield from _events(child, data)
    else:
        for child in node.named_children:
            yield from _events(child, data)


def _targets(node: ts.Node, data: bytes) -> Iterator[tuple[str, bool, ts.Node]]:
    """What an assignment target binds (`a, *b`), and reads (`x.y = ...` reads x, `x[i] = ...`)."""
    if node.type == "identifier":
        yield _text(node, data), True, node
    elif node.type in ("attribute", "subscript"):
        yield from _events(node, data)
    else:
        for child in node.named_children:
            yield from _targets(child, data)


def _parameters(node: ts.Node, data: bytes) -> Iterator[tuple[str, bool, ts.Node]]:
    for child in node.named_children:
        if child.type == "identifier":
            yield _text(child, data), True, child
            continue
        default = child.child_by_field_name("value")
        if default is not None:
            yield from _events(default, data)
        name = child.child_by_field_name("name")
        named = name if name is not None else next((c for c in child.named_children if c.type == "identifier"), None)
        if named is not None:
            yield _text(named, data), True, named


def _imports(node: ts.Node, data: bytes) -> Iterator[tuple[str, bool, ts.Node]]:
    """What an import binds; "*" for a star import (it could bind anything)."""
    for child in node.named_children:
        if child.type == "wildcard_import":
            yield "*", True, child
        if node.type == "import_from_statement" and child == node.child_by_field_name("module_name"):
            continue
        if child.type == "aliased_import":
            alias = child.child_by_field_name("alias")
            if alias is not None:
                yield _text(alias, data), True, alias
        elif child.type == "dotted_name" and child.named_children:
            first = child.named_children[0]  # `import os.path` binds os
            yield _text(first, data), True, first


def _is_module(node: ts.Node, name: str) -> bool:
    parent = node.parent
    return (parent is not None and parent.type == "attribute" and parent.child_by_field_name("object") == node
            and name in sys.stdlib_module_names)


def _walk(node: ts.Node) -> Iterator[ts.Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _text(node: ts.Node, data: bytes) -> str:
    return data[node.start_byte:node.end_byte].decode("utf-8", "replace")


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
    functions = _enclosing_functions(tree.root_node, first)
    if not functions:
        return []
    function = functions[-1]
    bound: set[str] = set()
    reads: list[tuple[str, ts.Node]] = []  # what the written lines read that nothing bound first
    later: dict[str, list[ts.Node]] = {}  # the function's own bindings after the written lines
    for name, binds, node in _events(function, data):
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
    functions = _enclosing_functions(parse(info, text).root_node, at)
    if not functions:
        return []
    function = functions[-1]
    bound: set[str] = set()
    later: dict[str, list[ts.Node]] = {}
    for name, binds, node in _events(function, data):
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
