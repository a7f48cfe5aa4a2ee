"""Where a line on a blank line belongs (syntax/indentation.py), what the decision makes of it, and
the document "as if indented" that a column-0 request runs on (completion/plan.py)."""

from __future__ import annotations

import pytest

from hushcode.completion.plan import decide_at, indented
from hushcode.documents.positions import resolve_position
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.syntax.decide import Scope
from hushcode.syntax.indentation import placement
from hushcode.syntax.languages import LANGUAGES

PY, JS = LANGUAGES["python"], LANGUAGES["javascript"]


def at_marker(text: str) -> tuple[str, int, int]:
    """The text without its `|`, and the bounds of the (blank) line the marker was on."""
    offset = text.index("|")
    text = text.replace("|", "")
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text, start, len(text) if end == -1 else end


@pytest.mark.parametrize(("text", "indents", "between"), [
    # the body of a header: one level deeper, or the body that follows
    ("def f(x):\n|\n", ("    ",), False),
    ("def f(x):\n|\n        y = 1\n", ("        ",), False),
    ("if x:\n\t|\n\tpass\n", ("\t",), False),
    # between two statements of one block: that block, one line
    ("def f(x):\n    a = 1\n|\n    return a\n", ("    ",), True),
    ("def f(x):\n    a = 1\n\n|\n    # note\n    return a\n", ("    ",), True),  # comments do not count
    # the end of a block: it may go on, or the block that encloses it, down to the code below
    ("def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n|\n    return t\n", ("        ", "    "), False),
    # ...and at the end of the file, right under the body: the function, never module level
    ("def f(xs):\n    t = 0\n    for x in xs:\n        t += x\n|", ("        ", "    "), False),
    # ...with a blank line between: module level is one of them
    ("def f(xs):\n    return xs\n\n|", ("    ", ""), False),
    # brace languages: a closing brace below says where the block ends
    ("function f(x) {\n  const a = 1;\n|\n}\n", ("  ",), False),
    ("function f(x) {\n  if (x) {\n    g();\n  }\n|\n  return x;\n}\n", ("  ",), True),
    # module level code around
    ("import os\n|\nimport sys\n", ("",), True),
])
def test_the_indentations_a_blank_line_may_take(text: str, indents: tuple[str, ...], between: bool) -> None:
    source, start, end = at_marker(text)
    language = JS if text.startswith("function") else PY
    found = placement(source, start, end, language)
    assert found is not None and (found.indents, found.between) == (indents, between)


def test_no_code_around_says_nothing() -> None:
    assert placement("\n\n", 1, 1, PY) is None


def test_the_indentation_unit_is_the_files_own() -> None:
    text, start, end = at_marker("def f(x):\n  if x:\n    y = 1\n  while x:\n|\n")
    assert placement(text, start, end, PY) == placement(text, start, end, PY)
    found = placement(text, start, end, PY)
    assert found is not None and found.indents == ("    ",)  # two spaces per level, in this file


def snapshot(text: str) -> tuple[DocumentSnapshot, int, int]:
    source, start, _ = at_marker(text)
    row = source.count("\n", 0, start)
    doc = DocumentSnapshot(uri="file:///w/t.py", version=1, text=source, language_id="python")
    return doc, row, 0


def test_a_column_0_gap_in_a_body_is_one_line_with_its_indentation_added() -> None:
    doc, row, col = snapshot("def f(x):\n    a = 1\n|\n    return a\n")
    cursor = resolve_position(doc.text, row, col, "utf-32")
    assert cursor is not None
    decision = decide_at(doc, cursor)
    assert decision.scope is Scope.LINE and decision.indents == ("    ",)
    shift = indented(doc, cursor, decision)
    assert shift is not None and shift.added == "    "
    assert shift.doc.text == "def f(x):\n    a = 1\n    \n    return a\n"
    assert shift.doc.text[shift.cursor.line_start:shift.cursor.offset] == "    "
    again = decide_at(shift.doc, shift.cursor)  # the document as if indented decides the same
    assert again.scope is Scope.LINE and again.min_indent == 4


def test_at_the_end_of_a_block_a_block_may_not_go_below_the_function() -> None:
    doc, row, col = snapshot("def f(xs):\n    for x in xs:\n        x += 1\n|")
    cursor = resolve_position(doc.text, row, col, "utf-32")
    assert cursor is not None
    decision = decide_at(doc, cursor)
    assert decision.scope is Scope.BLOCK and decision.min_indent == 4  # not module level
    assert indented(doc, cursor, decision) is None  # two indentations: the model's own first line chooses


def test_a_typed_indentation_is_kept_and_a_foreign_one_is_not_replaced() -> None:
    doc, row, _ = snapshot("def f(x):\n    a = 1\n|\n    return a\n")
    typed = doc.with_text(doc.text.replace("a = 1\n\n", "a = 1\n    \n"))
    cursor = resolve_position(typed.text, row, 4, "utf-32")
    assert cursor is not None and indented(typed, cursor, decide_at(typed, cursor)) is None
    tabbed = doc.with_text(doc.text.replace("a = 1\n\n", "a = 1\n\t\n"))
    cursor = resolve_position(tabbed.text, row, 1, "utf-32")
    assert cursor is not None and indented(tabbed, cursor, decide_at(tabbed, cursor)) is None
