"""The prompt window: typed formats, and a start that moves in coarse steps."""

from __future__ import annotations

from hushcode.prompt.window import choose_anchor, cut_window


def test_typed_formats_put_the_cursor_line_after_the_middle() -> None:
    text = "a = 1\nb = 2\nvalue = compute(x)\nc = 3\n"
    offset = text.index("compute")
    w = cut_window(text, offset, None, 1000, 1000, 10, typed_after_middle=True)
    assert w.prefix == "a = 1\nb = 2\n" and w.typed == "value = " and w.suffix == "compute(x)\nc = 3\n"
    plain = cut_window(text, offset, None, 1000, 1000, 10, typed_after_middle=False)
    assert plain.prefix == "a = 1\nb = 2\nvalue = " and plain.typed == ""


def test_anchor_stays_while_typing_new_lines() -> None:
    lengths = [20] * 200
    first = choose_anchor(lengths, 150, None, max_chars=1000)
    assert first == 150 - 30  # refills to 60 % of the budget: 600 chars = 30 lines
    anchors = {choose_anchor(lengths, line, first, max_chars=1000) for line in range(150, 170)}
    assert anchors == {first}  # 20 more lines typed: the window start did not move
    moved = choose_anchor(lengths, 171, first, max_chars=1000)
    assert moved == 171 - 30  # past the budget it jumps, once


def test_anchor_follows_a_jump_upwards() -> None:
    lengths = [20] * 200
    assert choose_anchor(lengths, 40, 120, max_chars=1000) == 10  # cursor above the anchor
    assert choose_anchor(lengths, 121, 120, max_chars=1000) == 121 - 30  # too little context left


def test_suffix_cut_at_a_line_end() -> None:
    text = "x = 1\n" + "".join(f"line{i} = {i}\n" for i in range(100))
    w = cut_window(text, 5, None, 1000, 50, 1000, typed_after_middle=False)
    assert len(w.suffix) <= 50 and w.suffix.endswith(tuple("0123456789"))


def test_small_file_starts_at_line_zero() -> None:
    text = "def f():\n    return 1\n"
    w = cut_window(text, len("def f():\n    "), None, 1000, 1000, 10, typed_after_middle=True)
    assert w.anchor == 0 and w.prefix == "def f():\n" and w.typed == "    "
