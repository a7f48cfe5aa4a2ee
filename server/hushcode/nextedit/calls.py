"""A changed call, its siblings, and the same change made to a sibling (pure: tree-sitter only).

When the last edit lies in a call, the other calls of the same callee are where the user goes
next: "after changing one call to a new API, change the next call the same way". Two changes
repeat mechanically, and are made as they are, with no model:

- the callee changed (`api.get(x)` became `api.session().get(x)`): a sibling of the old callee
  gets the new one;
- arguments were added at the end (`unquote(k)` became `unquote(k, encoding=encoding)`): a
  sibling gets the same added arguments, unless its own already end with them.

Any other change of a call (an argument replaced, reordered) leaves the sibling to the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import tree_sitter as ts

from hushcode.documents.history import Hunk

# call nodes, the field that names what they call, and the field that holds their arguments
CALLS = {"call": ("function", "arguments"), "call_expression": ("function", "arguments"),
         "method_invocation": ("name", "arguments")}


@dataclass(frozen=True)
class CallChange:
    """The last edit changed the call at `line`: what it called before (`old_callee`) and now."""

    line: int
    old_callee: str
    new_callee: str
    new_call: str  # the changed call's whole text now
    added: str | None  # arguments added at the end of its argument list (", encoding=enc"), if that was the change


@dataclass(frozen=True)
class Sibling:
    """Another one-line call of the old callee: at `line`; its callee's and its arguments' offsets."""

    line: int
    callee: tuple[int, int]
    arguments: tuple[int, int] | None
    text: str


def _text(data: bytes, node: ts.Node) -> str:
    return data[node.start_byte:node.end_byte].decode("utf-8", "surrogatepass")


def _offset(data: bytes, byte: int) -> int:
    return len(data[:byte].decode("utf-8", "surrogatepass"))


def _call_at(tree: ts.Tree, start: int, end: int) -> ts.Node | None:
    """The innermost call whose text holds the bytes `start`..`end`, or None."""
    node: ts.Node | None = tree.root_node.descendant_for_byte_range(start, end)
    while node is not None and node.type not in CALLS:
        node = node.parent
    return node


def _reverted(data: bytes, node: ts.Node, start: int, end: int, old: bytes) -> str:
    """The node's text with bytes `start`..`end` (inside it) as they were (`old`)."""
    inner = data[node.start_byte:node.end_byte]
    return (inner[:start - node.start_byte] + old + inner[end - node.start_byte:]).decode("utf-8", "surrogatepass")


def call_change(text: str, hunk: Hunk, tree: ts.Tree | None) -> CallChange | None:
    """The call the hunk changed, or None (the hunk is in no call, or no longer in the text)."""
    if tree is None or text[hunk.start:hunk.end] != hunk.new:
        return None
    data = text.encode("utf-8", "surrogatepass")
    start = len(text[:hunk.start].encode("utf-8", "surrogatepass"))
    end = start + len(hunk.new.encode("utf-8", "surrogatepass"))
    call = _call_at(tree, start, end)
    if call is None:
        return None
    callee_field, arguments_field = CALLS[call.type]
    callee, arguments = call.child_by_field_name(callee_field), call.child_by_field_name(arguments_field)
    if callee is None:
        return None
    old = hunk.old.encode("utf-8", "surrogatepass")
    new_callee = _text(data, callee)
    if callee.start_byte <= start and end <= callee.end_byte:  # the callee itself changed
        return CallChange(call.start_point[0], _reverted(data, callee, start, end, old), new_callee,
                          _text(data, call), None)
    added = None
    if arguments is not None and arguments.start_byte < start and end < arguments.end_byte:
        new_args, old_args = _text(data, arguments), _reverted(data, arguments, start, end, old)
        if new_args[:-1].startswith(old_args[:-1]) and len(new_args) > len(old_args) \
                and new_args[len(old_args) - 1:-1].lstrip().startswith(","):
            added = new_args[len(old_args) - 1:-1]  # what came before the closing bracket
    return CallChange(call.start_point[0], new_callee, new_callee, _text(data, call), added)


def siblings(text: str, change: CallChange, tree: ts.Tree, within: ts.Node | None = None) -> list[Sibling]:
    """The other one-line calls of the changed call's old callee (inside `within`, else the whole
    file), in order; where the callee did not change, those not already written as the changed
    call is."""
    data = text.encode("utf-8", "surrogatepass")
    found: list[Sibling] = []
    stack = [within or tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.type not in CALLS or node.start_point[0] != node.end_point[0] or node.start_point[0] == change.line:
            continue
        callee_field, arguments_field = CALLS[node.type]
        callee, arguments = node.child_by_field_name(callee_field), node.child_by_field_name(arguments_field)
        if callee is None or _text(data, callee) != change.old_callee:
            continue
        whole = _text(data, node)
        if change.old_callee == change.new_callee and whole == change.new_call:
            continue  # already as the changed call is
        found.append(Sibling(
            node.start_point[0], (_offset(data, callee.start_byte), _offset(data, callee.end_byte)),
            (_offset(data, arguments.start_byte), _offset(data, arguments.end_byte)) if arguments is not None else None,
            whole))
    return sorted(found, key=lambda s: s.line)


def repeat(text: str, change: CallChange, sibling: Sibling) -> tuple[int, int, str] | None:
    """The same change made to `sibling`, as (start, end, new text) offsets of `text`; None when
    the change does not repeat mechanically (the module's docstring)."""
    if change.old_callee != change.new_callee:
        return sibling.callee[0], sibling.callee[1], change.new_callee
    if change.added is None or sibling.arguments is None:
        return None
    start, end = sibling.arguments
    arguments = text[start:end]
    if arguments[:-1].rstrip().endswith(change.added.strip()) or arguments[:-1].strip() in ("", "(", "["):
        return None  # it has them already; or it has no arguments to add them after
    return end - 1, end - 1, change.added
