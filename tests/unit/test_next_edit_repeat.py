"""The last edit made again where what it changed recurs (nextedit/repeat.py): real tree-sitter
parses, no model."""

from __future__ import annotations

from hushcode.documents.history import DocumentHistory
from hushcode.nextedit.region import choose_region
from hushcode.nextedit.repeat import changes_of, made_again
from hushcode.syntax.languages import LANGUAGES, parse

PY = LANGUAGES["python"]


def again(before: str, after: str, cursor_at: str) -> str | None:
    """The region around `cursor_at` (in `after`) with the edit before -> after made again, or
    None; the region's text when nothing else changed outside it."""
    history = DocumentHistory(before)
    history.update(after, 0.0)
    hunk = history.hunks[-1]
    region = choose_region(after, after.index(cursor_at), PY, hunk)
    made = made_again(after, region.start, region.end, hunk, parse(PY, after), PY)
    return None if made is None else after[:region.start] + made + after[region.end:]


def test_a_renamed_parameter_is_renamed_at_its_uses_in_code_only() -> None:
    before = ("def area(w, h):\n"
              "    # w is the width\n"
              "    s = w * h\n"
              "    return s + w + shape.w + f'{w}'\n")
    after = before.replace("area(w,", "area(width,")
    assert again(before, after, "s = w") == after.replace("s = w", "s = width").replace("s + w", "s + width")


def test_a_changed_call_is_changed_again_where_it_is_written_the_same() -> None:
    before = ("def walk(v, cls):\n"
              "    if v is None:\n"
              "        return 0\n"
              "    elif isinstance(v, (tuple, list)):\n"
              "        return 1\n"
              "    elif isinstance(v, dict):\n"
              "        return 2\n")
    after = before.replace("elif isinstance(v, (tuple, list))", "elif issubclass(cls, (tuple, list))")
    assert again(before, after, "elif isinstance") == after.replace("elif isinstance(v, dict)", "elif issubclass(cls, dict)")


def test_punctuation_alone_is_no_context_for_a_changed_literal() -> None:
    before = "Field(\n    repr=True,\n    init=True,\n    order=False,\n)\n"
    after = before.replace("repr=True", "repr=False")
    assert again(before, after, "init") is None  # `=True,` says nothing of `init`


def test_a_literal_that_recurs_in_its_line_takes_the_context_that_finds_it_once() -> None:
    before = ("def t():\n"
              "    a = build(C, None, False, False, True)\n"
              "    b = build(D, None, False, False, True)\n")
    after = before.replace("(C, None, False, False, True)", "(C, None, False, KW_NO, True)")
    assert again(before, after, "b = ") == after.replace("(D, None, False, False, True)", "(D, None, False, KW_NO, True)")


def test_a_comments_words_are_changed_again_in_comments_only() -> None:
    before = ("# ends at 2am (DST time; 1am standard time) in November\n"
              "END = 1\n"
              "# starts at 2am (DST time; 1am standard time) in March\n"
              "START = 'DST time; 1am standard time'\n")
    after = before.replace("# ends at 2am (DST time; 1am standard time)", "# ends at 2am (daylight time)")
    expected = after.replace("# starts at 2am (DST time; 1am standard time)", "# starts at 2am (daylight time)")
    assert again(before, after, "START") == expected  # the string is left as it is


def test_nothing_to_repeat() -> None:
    source = "def f(a):\n    x = g(a)\n    y = g(a)\n    return x\n"
    # whitespace only
    assert again(source, source.replace("x = g(a)", "x = g( a )"), "y =") is None
    # a pure insertion has nothing to find again (calls.py repeats added arguments)
    assert again(source, source.replace("return x", "return x + 1"), "y =") is None
    # the changed use's name is nowhere else but at its binding, which stays
    assert again(source, source.replace("return x", "return y"), "y =") is None


def test_a_changed_use_changes_other_uses_not_the_names_binding() -> None:
    source = "def f(a, b):\n    x = g(a)\n    y = g(x)\n    h(key=x)\n    return x\n"
    after = source.replace("y = g(x)", "y = g(b)")
    # the binding `x = ...` and the keyword argument's name stay; the other uses follow
    assert again(source, after, "return") == after.replace("return x", "return b").replace("h(key=x)", "h(key=b)")


def test_a_renamed_binding_renames_its_rebinding_and_uses_not_keyword_names() -> None:
    source = "def f(w):\n    w = w * 2\n    return g(w=w)\n"
    after = source.replace("def f(w)", "def f(width)")
    assert again(source, after, "return") == "def f(width):\n    width = width * 2\n    return g(w=width)\n"


def test_the_hunk_must_still_describe_the_text() -> None:
    before = "x = g(a)\ny = g(a)\n"
    history = DocumentHistory(before)
    history.update(before.replace("x = g(a)", "x = h(a)"), 0.0)
    hunk = history.hunks[-1]
    later = "z = 1\n" + history.text  # the text moved on without the history hearing of it
    assert changes_of(later, hunk, parse(PY, later), PY) == []


def test_a_renamed_attribute_is_renamed_on_the_same_object_only() -> None:
    source = "def f(self, other):\n    self.x = 1\n    y = self.x + other.x + x\n    return y\n"
    after = source.replace("self.x = 1", "self.size = 1")
    assert again(source, after, "return") == after.replace("y = self.x", "y = self.size")
