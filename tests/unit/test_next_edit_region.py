"""nextedit/region.py: the lines a next-edit suggestion may rewrite."""

from __future__ import annotations

from hushcode.documents.history import DocumentHistory, Hunk
from hushcode.nextedit.region import ABOVE, BELOW, MAX_LINES, MAX_SPAN, Rename, choose_region, rename_of
from hushcode.syntax.languages import LANGUAGES

PY = LANGUAGES["python"]

SOURCE = """import math


def area(w, h):
    s = w * h
    return s + w


def other(w):
    return w
"""


def renamed(before: str, old: str, new: str) -> tuple[str, Hunk]:
    """`before` with the first `old` typed over with `new`, and the hunk the history recorded."""
    history = DocumentHistory(before)
    after = before.replace(old, new, 1)
    history.update(after, 0.0)
    return after, history.hunks[-1]


def test_a_rename_is_read_with_the_letters_around_the_hunk() -> None:
    text, hunk = renamed(SOURCE, "area(w,", "area(width,")
    assert (hunk.old, hunk.new) == ("", "idth")
    assert rename_of(text, hunk, PY) == Rename("w", "width")


def test_not_a_rename() -> None:
    text, hunk = renamed(SOURCE, "w * h", "w * h + 1")  # punctuation in the new text
    assert rename_of(text, hunk, PY) is None
    text, hunk = renamed("x = 1\n", "x = 1", "x = 12")  # a number is no identifier
    assert rename_of(text, hunk, PY) is None
    text, hunk = renamed("if x:\n    pass\n", "if x", "iff x")  # the old name is a keyword
    assert rename_of(text, hunk, PY) is None
    stale = Hunk(start=0, old="a", new="zz", line=0, at=0.0)  # the document no longer holds "zz" there
    assert rename_of("yy = 1\n", stale, PY) is None


def test_the_cursor_window_stays_in_its_function() -> None:
    text = SOURCE
    region = choose_region(text, text.index("s = w"), PY, None)
    assert (region.first, region.last) == (3, 5)  # def area .. return: the function's lines
    assert text[region.start:region.end] == "def area(w, h):\n    s = w * h\n    return s + w\n"
    assert region.rename is None and region.implied == ()


def test_the_cursor_window_outside_functions() -> None:
    text = "".join(f"x{i} = {i}\n" for i in range(40))
    region = choose_region(text, text.index("x20"), PY, None)
    assert (region.first, region.last) == (20 - ABOVE, 20 + BELOW) and region.lines == MAX_LINES
    region = choose_region(text, len(text), PY, None)  # the empty last line
    assert (region.first, region.last) == (40 - ABOVE, 40) and region.end == len(text)
    region = choose_region("", 0, None, None)
    assert (region.first, region.last, region.start, region.end) == (0, 0, 0, 0)


def test_a_rename_takes_in_the_lines_that_still_use_the_old_name() -> None:
    text, hunk = renamed(SOURCE, "area(w,", "area(width,")
    region = choose_region(text, hunk.end, PY, hunk)
    assert region.rename == Rename("w", "width")
    assert region.implied == (4, 5)  # `other`'s own `w` is another name
    assert (region.first, region.last) == (3, 5)


def test_a_far_use_moves_the_region_there() -> None:
    body = "".join(f"    y{i} = {i}\n" for i in range(30))
    before = f"def f(a):\n{body}    return a\n\n\nprint(a)\n"
    text, hunk = renamed(before, "f(a)", "f(alpha)")
    region = choose_region(text, hunk.end, PY, hunk)
    # the cursor's window (lines 0..8) cannot grow to line 31 within MAX_SPAN lines: the region
    # is the window around that use; `print(a)` is outside the renamed function
    assert region.implied == (31,) and (region.first, region.last) == (31 - ABOVE, 31)
    assert region.lines <= MAX_SPAN


def test_renaming_a_function_looks_through_the_file_nearest_first() -> None:
    before = "def area(w, h):\n    return w * h\n\n\nx = area(1, 2)\ny = area(3, 4)\n" + "z = 0\n" * 30 + \
        "print(area(5, 6))\n"
    text, hunk = renamed(before, "def area", "def surface")
    region = choose_region(text, hunk.end, PY, hunk)
    assert region.rename == Rename("area", "surface")
    assert region.implied == (4, 5) and (region.first, region.last) == (0, 5)


def test_the_window_grows_to_take_in_the_uses() -> None:
    body = "".join(f"    y{i} = {i}\n" for i in range(12))
    before = f"def f(a):\n{body}    return a + 1\n"
    text, hunk = renamed(before, "f(a)", "f(alpha)")
    region = choose_region(text, hunk.end, PY, hunk)
    assert region.implied == (13,)
    assert (region.first, region.last) == (0, 13)  # the window (0..8) grown to line 13


CALLS = ("def f(u):\n    a = load(u)\n    b = load(u + 'x')\n    c = load(u, strict=True)\n"
         "    d = load(\n        u)\n    return a\n\n\ndef g():\n    e = load('y')\n")


def test_a_changed_call_takes_in_the_other_calls_of_its_callee() -> None:
    text, hunk = renamed(CALLS, "load(u)", "load(u, strict=True)")
    region = choose_region(text, hunk.end, PY, hunk)
    assert region.rename is None
    # `b`'s call; not `c`'s, already as the changed call is, nor `d`'s, over two lines (one line
    # is filled), nor `g`'s (another function)
    assert region.implied == (2,)


def test_a_changed_call_outside_functions_looks_through_the_file() -> None:
    before = "a = load(1)\n" + "z = 0\n" * 5 + "def f():\n    return load(2)\n"
    text, hunk = renamed(before, "load(1)", "load(1, strict=True)")
    assert choose_region(text, hunk.end, PY, hunk).implied == (7,)


def test_a_changed_callee_takes_in_the_calls_of_the_old_one() -> None:
    before = "x = api.get(1)\ny = 2\nz = api.get(3)\nw = api.session().get(4)\n"
    text, hunk = renamed(before, "api.get(1)", "api.session().get(1)")
    assert rename_of(text, hunk, PY) is None  # "session()." is no identifier
    region = choose_region(text, hunk.end, PY, hunk)
    assert region.implied == (2,)


def test_an_edit_outside_any_call_implies_no_calls() -> None:
    text, hunk = renamed(CALLS, "a = load", "aa = load")
    region = choose_region(text, hunk.end, PY, hunk)
    assert region.rename == Rename("a", "aa") and region.implied == (6,)  # the rename's use, not the calls


def test_a_changed_call_in_javascript() -> None:
    before = "const a = fetch(u);\nconst b = fetch(v);\n"
    text, hunk = renamed(before, "fetch(u)", "fetch(u, opts)")
    region = choose_region(text, hunk.end, LANGUAGES["javascript"], hunk)
    assert region.implied == (1,)
