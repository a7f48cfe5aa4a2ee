"""Does the cursor's function still lack its result?

A blank line at the end of a function's body, in a function that returns no value anywhere (no
`return x`, no `yield`), is where its result most often goes: `return total`, `return
sorted(seen)`. Small models at that line often start yet another step instead (`count = 0`,
`if not words:`), which leaves the function returning None. The ranking of a blank line's
candidates (completion/ranking/) then adds a `return` line, written left to right, and lets the
code below (the end of the function, the next definition or the end of the file) judge it like
the others.

Python only: what counts as a result (`return` with a value, `yield`) and which functions return
None by their nature are Python's. Pure: a function of the text, the cursor and the language.
"""

from __future__ import annotations

import tree_sitter as ts

from hushcode.syntax.languages import LanguageInfo, parse
from hushcode.syntax.python.bindings import node_text

# functions that return None by their nature
_NO_RESULT = frozenset({"__init__", "__post_init__", "__init_subclass__", "__setattr__", "__delattr__",
                        "__setitem__", "__delitem__", "__set__", "__delete__", "__del__", "__set_name__",
                        "setUp", "tearDown", "setUpClass", "tearDownClass"})
_SCOPES = frozenset({"function_definition", "class_definition", "lambda"})


def lacks_result(text: str, cursor: int, info: LanguageInfo | None) -> bool:
    """True where the cursor is on a blank line at the end of a function's body, at the body's
    indentation, with none of the function's code below it, and the function returns no value
    and yields nothing. Not for functions annotated `-> None` (or `NoReturn`/`Never`),
    initialisers and other functions that return None by their nature, nor tests."""
    if info is None or info.name != "python":
        return False
    line_start = text.rfind("\n", 0, cursor) + 1
    if text[line_start:cursor].strip(" \t"):
        return False
    function = _function_ending_at(parse(info, text).root_node, len(text[:cursor].encode("utf-8")),
                                   len(text[line_start:cursor].encode("utf-8")))
    if function is None:
        return False
    data = text.encode("utf-8")
    name = function.child_by_field_name("name")
    named = "" if name is None else node_text(name, data)
    annotation = function.child_by_field_name("return_type")
    declared = "" if annotation is None else node_text(annotation, data)
    if named in _NO_RESULT or named.startswith("test") or declared.split(".")[-1] in ("None", "NoReturn", "Never"):
        return False
    body = function.child_by_field_name("body")
    return body is not None and not _returns_value(body)


def _function_ending_at(root: ts.Node, at: int, column: int) -> ts.Node | None:
    """The function whose body ends before byte `at`, with its statements at `column`, such that
    the cursor (at `column` on a blank line) is the next statement of that body; None when the
    cursor is inside a deeper block, or has code of the function below it."""
    node, function = root, None
    while True:
        before = [child for child in node.children if child.start_byte < at]
        if not before:
            return function
        last = before[-1]
        # the cursor is inside `last`, or after it and indented deeper (it goes on with its body)
        if not (last.end_byte > at or column > last.start_point.column):
            return function
        if last.type == "function_definition":
            body = last.child_by_field_name("body")
            statements = [] if body is None else body.named_children
            function = last if last.end_byte <= at and statements and statements[0].start_point.column == column \
                else None
        elif function is not None and last != function.child_by_field_name("body"):
            function = None  # deeper than the function's body: a block inside it
        node = last


def _returns_value(body: ts.Node) -> bool:
    """Does this body (not the functions, classes and lambdas inside it) return a value or yield?"""
    pending = list(body.named_children)
    while pending:
        node = pending.pop()
        if node.type == "return_statement" and node.named_children or node.type == "yield":
            return True
        if node.type not in _SCOPES:
            pending.extend(node.named_children)
    return False
