"""nextedit/calls.py: the call the last edit changed, its siblings, and the change made again."""

from __future__ import annotations

from hushcode.documents.history import DocumentHistory, Hunk
from hushcode.nextedit.calls import call_change, repeat, siblings
from hushcode.nextedit.region import choose_region
from hushcode.syntax.languages import LANGUAGES, parse

PY = LANGUAGES["python"]


def edited(before: str, old: str, new: str) -> tuple[str, Hunk]:
    history = DocumentHistory(before)
    after = before.replace(old, new, 1)
    history.update(after, 0.0)
    return after, history.hunks[-1]


def made(text: str, hunk: Hunk, language: str = "python") -> list[str]:
    """The text after the change is made again at each sibling it repeats on."""
    info = LANGUAGES[language]
    tree = parse(info, text)
    change = call_change(text, hunk, tree)
    assert change is not None
    out = []
    for sibling in siblings(text, change, tree):
        edit = repeat(text, change, sibling)
        if edit is not None:
            start, end, new = edit
            out.append((text[:start] + new + text[end:]).splitlines()[sibling.line])
    return out


QUERY = ("def parse(pairs, encoding):\n    for key, value in pairs:\n"
         "        key = unquote(key.replace('+', ' '))\n        if value:\n"
         "            value = unquote(value.replace('+', ' '))\n        other = unquote()\n")


def test_arguments_added_at_the_end_are_added_to_the_siblings() -> None:
    text, hunk = edited(QUERY, "unquote(key.replace('+', ' '))", "unquote(key.replace('+', ' '), encoding=encoding)")
    # `other = unquote()` has no argument to add them after: left to the model
    assert made(text, hunk) == ["            value = unquote(value.replace('+', ' '), encoding=encoding)"]


def test_a_sibling_that_has_them_already_is_left_alone() -> None:
    before = "a = f(1)\nb = f(2, strict=True)\n"
    text, hunk = edited(before, "f(1)", "f(1, strict=True)")
    assert made(text, hunk) == []


def test_a_changed_callee_is_changed_at_the_siblings() -> None:
    before = "x = api.get(1)\ny = 2\nz = api.get(3, 4)\nw = api.session().get(5)\n"
    text, hunk = edited(before, "api.get(1)", "api.session().get(1)")
    assert made(text, hunk) == ["z = api.session().get(3, 4)"]


def test_a_replaced_argument_does_not_repeat_mechanically() -> None:
    before = "a = f(1, x)\nb = f(2, x)\n"
    text, hunk = edited(before, "f(1, x)", "f(1, y)")
    tree = parse(PY, text)
    change = call_change(text, hunk, tree)
    assert change is not None and change.added is None
    assert [s.line for s in siblings(text, change, tree)] == [1]  # a sibling: the model's to fill
    assert repeat(text, change, siblings(text, change, tree)[0]) is None


def test_an_edit_in_no_call_is_no_call_change() -> None:
    text, hunk = edited("a = 1\nb = f(2)\n", "a = 1", "a = 10")
    assert call_change(text, hunk, parse(PY, text)) is None


def test_in_javascript_too() -> None:
    before = "const a = fetch(u);\nconst b = fetch(v);\n"
    text, hunk = edited(before, "fetch(u)", "fetch(u, opts)")
    assert made(text, hunk, "javascript") == ["const b = fetch(v, opts);"]


def test_the_region_holds_the_siblings_of_the_changed_call() -> None:
    text, hunk = edited(QUERY, "unquote(key.replace('+', ' '))", "unquote(key.replace('+', ' '), encoding=encoding)")
    region = choose_region(text, text.index("if value"), PY, hunk)
    assert region.call is not None and region.implied == (4, 5)
    assert [s.line for s in region.siblings] == [4, 5]
