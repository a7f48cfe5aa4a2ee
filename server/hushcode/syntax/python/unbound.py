"""Names the code below a blank line reads that nothing before it defines.

A blank line inside a function, with code below that reads `ret`, `result` or `re` where no line
above (nor a parameter, nor the module, nor Python's builtins) defines it, most likely lacks that
definition: `ret = ""`, `result = []`, `import re`. The ranking of a blank line's candidates
(completion/ranking/) adds a line that defines such a name when neither reading of the line does,
and lets the code below judge it like the others. A name the code below binds only on some paths
before it reads it counts too (branches.py says which).

Pure: a function of the text, the cursor and the language (Python only: its scoping rules are the
ones the walk in bindings.py follows).
"""

from __future__ import annotations

import builtins
import sys
from dataclasses import dataclass, replace

import tree_sitter as ts

from hushcode.syntax.languages import LanguageInfo, parse
from hushcode.syntax.python.bindings import enclosing_functions, events, module_names, node_text
from hushcode.syntax.python.branches import bound_on_some_paths, off_path

_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "__class__"}
_LITERALS = frozenset({"none", "true", "false", "integer", "float", "string"})


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
    functions = enclosing_functions(tree.root_node, at)
    if not functions:
        return []
    module = module_names(tree.root_node, data)
    if "*" in module:
        return []
    bound = set(_BUILTINS) | module
    for function in functions[:-1]:  # what the functions around the cursor's bind before it (closures)
        bound |= {name for name, binds, node in events(function, data) if binds and node.start_byte < at}
    # the cursor is between statements: the walk meets everything before it first
    found: dict[str, Unbound] = {}
    before: set[str] | None = None  # what is bound where the cursor is
    bound_first: set[str] = set()  # names the code below binds before it reads them
    first_reads: dict[str, ts.Node] = {}  # each name's first read below the cursor
    for name, binds, node in events(functions[-1], data):
        if before is None and node.start_byte >= at:
            before = set(bound)
        if binds:
            # bound first below, in a body the cursor is not in: maybe on some paths only
            if before is not None and name not in before and name not in found and off_path(node, at):
                bound_first.add(name)
            bound.add(name)
        elif node.start_byte >= at:
            first_reads.setdefault(name, node)
            if name not in bound and name not in found:
                found[name] = Unbound(name, _is_module(node, name), node.start_point.row)
    maybe = [Unbound(name, False, row) for name, row in bound_on_some_paths(text, cursor, info, bound_first).items()] \
        if bound_first else []
    return sorted([replace(u, value=_compared_with(first_reads.get(u.name), data)) for u in (*found.values(), *maybe)],
                  key=lambda u: u.row)


def _compared_with(node: ts.Node | None, data: bytes) -> str | None:
    """The literal that the read at `node` compares it with (`x == "start"`, `x is None`), if any."""
    parent = node.parent if node is not None else None
    if parent is None or parent.type != "comparison_operator" or parent.named_child_count != 2:
        return None
    other = next(child for child in parent.named_children if child != node)
    if other.type not in _LITERALS or other.end_byte - other.start_byte > 40 or any(
            child.type == "interpolation" for child in other.named_children):
        return None
    return node_text(other, data)


def _is_module(node: ts.Node, name: str) -> bool:
    """Is this read `name.attribute`, with `name` a standard-library module (`import name` defines it)?"""
    parent = node.parent
    return (parent is not None and parent.type == "attribute" and parent.child_by_field_name("object") == node
            and name in sys.stdlib_module_names)
