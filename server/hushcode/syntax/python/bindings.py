"""Every name a piece of Python reads or binds, in the order Python evaluates them.

The questions the scope analysis answers (what the code below a blank line reads that nothing
defines, what a suggestion reads before its function binds it) all come down to one walk over a
tree-sitter tree that says, name by name, "read" or "bound". The walk follows Python's order of
evaluation where it matters: the right side of an assignment is read before its targets are bound
(`ret = str(x) + ret` reads `ret`), a comprehension's `for` clauses bind before its element is
read, a default value is read where the function is defined. Kept apart from the questions, so
each of them is a short loop over the same events.

Pure: tree-sitter nodes and the source bytes in, events out.
"""

from __future__ import annotations

from collections.abc import Iterator

import tree_sitter as ts

# one event of the walk: the name, whether it binds (else it reads), and where
Event = tuple[str, bool, ts.Node]


def events(node: ts.Node, data: bytes) -> Iterator[Event]:
    """(name, binds, node) for every name read or bound under `node`, in evaluation order."""
    kind = node.type
    if kind == "identifier":
        yield node_text(node, data), False, node
    elif kind in ("assignment", "augmented_assignment"):
        target, value = node.child_by_field_name("left"), node.child_by_field_name("right")
        if value is not None:
            yield from events(value, data)
        if target is not None:
            if kind == "augmented_assignment":
                yield from events(target, data)
            yield from _targets(target, data)
    elif kind == "named_expression":
        value, name = node.child_by_field_name("value"), node.child_by_field_name("name")
        if value is not None:
            yield from events(value, data)
        if name is not None:
            yield from _targets(name, data)
    elif kind in ("for_statement", "for_in_clause"):
        iterable, target = node.child_by_field_name("right"), node.child_by_field_name("left")
        if iterable is not None:
            yield from events(iterable, data)
        if target is not None:
            yield from _targets(target, data)
        for child in node.children:
            if child not in (iterable, target) and child.is_named:
                yield from events(child, data)
    elif kind in ("list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression"):
        body = node.child_by_field_name("body")
        for child in node.named_children:  # the clauses first: they bind what the body reads
            if child != body:
                yield from events(child, data)
        if body is not None:
            yield from events(body, data)
    elif kind in ("function_definition", "class_definition", "lambda"):  # a lambda has no name
        name = node.child_by_field_name("name")
        for child in node.named_children:
            if child == name:
                continue
            if child.type in ("parameters", "lambda_parameters"):
                yield from _parameters(child, data)
            else:
                yield from events(child, data)
        if name is not None:
            yield node_text(name, data), True, name
    elif kind in ("import_statement", "import_from_statement"):
        yield from _imports(node, data)
    elif kind == "as_pattern":
        for child in node.named_children:
            if child.type == "as_pattern_target":
                yield from _targets(child, data)
            else:
                yield from events(child, data)
    elif kind == "attribute":
        target = node.child_by_field_name("object")
        if target is not None:
            yield from events(target, data)
    elif kind == "keyword_argument":
        value = node.child_by_field_name("value")
        if value is not None:
            yield from events(value, data)
    elif kind == "case_pattern":
        # a `case` binds its capture names (a class or a constant read there counts as bound too:
        # a name it leaves out is one doubt less)
        for child in _walk(node):
            if child.type == "identifier":
                yield node_text(child, data), True, child
    elif kind in ("global_statement", "nonlocal_statement"):
        for child in node.named_children:
            if child.type == "identifier":
                yield node_text(child, data), True, child
    elif kind in ("string", "comment"):
        for child in node.named_children:
            if child.type == "interpolation":
                yield from events(child, data)
    else:
        for child in node.named_children:
            yield from events(child, data)


def enclosing_functions(root: ts.Node, at: int) -> list[ts.Node]:
    """The functions whose bodies hold the byte offset `at` with code of theirs below it,
    outermost first."""
    found: list[ts.Node] = []
    node = root
    while True:
        inner = next((c for c in node.children if c.start_byte < at < c.end_byte), None)
        if inner is None:
            return found
        if inner.type == "function_definition":
            found.append(inner)
        node = inner


def module_names(root: ts.Node, data: bytes) -> set[str]:
    """What the module scope binds (definitions, imports, assignments, in any order); "*" for a
    star import."""
    names: set[str] = set()
    for child in root.children:
        node = child.child_by_field_name("definition") if child.type == "decorated_definition" else child
        if node is None:
            continue
        if node.type in ("function_definition", "class_definition"):
            named = node.child_by_field_name("name")
            if named is not None:
                names.add(node_text(named, data))
            continue
        for name, binds, _ in events(node, data):
            if binds:
                names.add(name)
    return names


def node_text(node: ts.Node, data: bytes) -> str:
    """The source text of `node` (`data` is the UTF-8 text the tree was parsed from)."""
    return data[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _targets(node: ts.Node, data: bytes) -> Iterator[Event]:
    """What an assignment target binds (`a, *b`), and reads (`x.y = ...` reads x, `x[i] = ...`)."""
    if node.type == "identifier":
        yield node_text(node, data), True, node
    elif node.type in ("attribute", "subscript"):
        yield from events(node, data)
    else:
        for child in node.named_children:
            yield from _targets(child, data)


def _parameters(node: ts.Node, data: bytes) -> Iterator[Event]:
    """What a parameter list binds, after reading each default value."""
    for child in node.named_children:
        if child.type == "identifier":
            yield node_text(child, data), True, child
            continue
        default = child.child_by_field_name("value")
        if default is not None:
            yield from events(default, data)
        name = child.child_by_field_name("name")
        named = name if name is not None else next((c for c in child.named_children if c.type == "identifier"), None)
        if named is not None:
            yield node_text(named, data), True, named


def _imports(node: ts.Node, data: bytes) -> Iterator[Event]:
    """What an import binds; "*" for a star import (it could bind anything)."""
    for child in node.named_children:
        if child.type == "wildcard_import":
            yield "*", True, child
        if node.type == "import_from_statement" and child == node.child_by_field_name("module_name"):
            continue
        if child.type == "aliased_import":
            alias = child.child_by_field_name("alias")
            if alias is not None:
                yield node_text(alias, data), True, alias
        elif child.type == "dotted_name" and child.named_children:
            first = child.named_children[0]  # `import os.path` binds os
            yield node_text(first, data), True, first


def _walk(node: ts.Node) -> Iterator[ts.Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)
