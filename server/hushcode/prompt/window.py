"""The window of text around the cursor that goes into a prompt, with a start that moves in
coarse steps.

Every prompt token that changes invalidates the KV cache from that token on. If the window
slid by one line per Enter, every Enter would re-evaluate the whole prompt. The start is
therefore an *anchor*: it stays on the same line while the window still fits its budget, and
when it must move, it jumps to a line that leaves room for many more lines.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    prefix: str  # from the anchor line to the cursor (typed formats: to the start of the cursor line)
    typed: str  # typed formats: the cursor line's text before the cursor; otherwise ""
    suffix: str  # the rest of the cursor line and the lines below, within budget
    anchor: int  # the first line of the window


def choose_anchor(line_lengths: list[int], cursor_line: int, previous: int | None, max_chars: int,
                  refill: float = 0.6) -> int:
    """The first line of the prefix window.

    1. Keep `previous` while lines previous..cursor_line fit in `max_chars` and still hold a
       useful amount of text (the user may have moved up, close to the anchor).
    2. Otherwise start at the line that fills about `refill` of the budget, so that many lines
       can be typed before the anchor has to move again.
    """
    def chars(start: int) -> int:
        return sum(line_lengths[start:cursor_line])

    if previous is not None and 0 <= previous <= cursor_line:
        used = chars(previous)
        if used <= max_chars and (previous == 0 or used >= max_chars * refill / 2):
            return previous
    start = cursor_line
    used = 0
    while start > 0 and used + line_lengths[start - 1] <= max_chars * refill:
        start -= 1
        used += line_lengths[start]
    return start


def cut_window(text: str, offset: int, anchor_hint: int | None, max_prefix_chars: int, max_suffix_chars: int,
               max_suffix_lines: int, typed_after_middle: bool) -> Window:
    """Cut the prompt window around code point `offset`."""
    lines = text.split("\n")
    before = text[:offset]
    cursor_line = before.count("\n")
    line_start = len(before) - len(before.split("\n")[-1])
    lengths = [len(line) + 1 for line in lines]
    anchor = choose_anchor(lengths, cursor_line, anchor_hint, max_prefix_chars)
    window_start = sum(lengths[:anchor])
    split = line_start if typed_after_middle else offset
    prefix = text[window_start:split]
    typed = text[line_start:offset] if typed_after_middle else ""
    after = text[offset:]
    below = after.split("\n")[: max_suffix_lines + 1]
    suffix = "\n".join(below)
    if len(suffix) > max_suffix_chars:  # cut at a line end, so the cut point stays put while typing
        cut = suffix.rfind("\n", 0, max_suffix_chars)
        suffix = suffix[: cut if cut > 0 else max_suffix_chars]
    return Window(prefix=prefix, typed=typed, suffix=suffix, anchor=anchor)
