"""Token healing for a space at the cursor (prompt/healing.py)."""

from __future__ import annotations

from hushcode.prompt.healing import hold_back_space, restore
from hushcode.prompt.window import Window


def test_the_last_space_of_an_indentation_is_held_back() -> None:
    window, held = hold_back_space(Window(prefix="def f():\n        ", typed="", suffix="\n", anchor=0))
    assert window.prefix == "def f():\n       " and held == " "
    assert restore(" return 1", held) == "return 1"


def test_a_space_within_a_line_is_left_as_typed() -> None:
    for prefix in ("x = ", "def f():\n    x = "):
        window, held = hold_back_space(Window(prefix=prefix, typed="", suffix="", anchor=0))
        assert window.prefix == prefix and held == ""


def test_typed_formats_hold_back_from_the_typed_part() -> None:
    window, held = hold_back_space(Window(prefix="def f():\n", typed="        ", suffix="", anchor=0))
    assert window.typed == "       " and window.prefix == "def f():\n" and held == " "
    window, held = hold_back_space(Window(prefix="def f():\n", typed="    y = ", suffix="", anchor=0))
    assert window.typed == "    y = " and held == ""


def test_nothing_to_hold_back() -> None:
    for prefix in ("x = f(", "def f():\n", "\t\t", "", "    return "):
        window, held = hold_back_space(Window(prefix=prefix, typed="", suffix="", anchor=0))
        assert window.prefix == prefix and held == ""


def test_output_without_the_space_is_kept_as_written() -> None:
    assert restore("(1, 2)", " ") == "(1, 2)"
    assert restore("  two", " ") == " two"  # only the held-back space is dropped
    assert restore(" word", "") == " word"
