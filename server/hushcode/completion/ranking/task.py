"""What a blank line is ranked with: its rules, the lines below it, and how a candidate starts.

Pure: built from the document text on the server (the rules run their own syntax analysis).
"""

from __future__ import annotations

import re

from hushcode.completion.ranking.policy import BlankLineTask
from hushcode.completion.ranking.rules import RULES
from hushcode.completion.ranking.rules.base import BlankLine
from hushcode.syntax.decide import indent_width
from hushcode.syntax.languages import LanguageInfo

AFTER_LINES = 3  # the lines below a blank line that its candidates are ranked on
_AFTER_CHARS = 300  # ...at most this many of their characters (a minified line is not scored whole)
READ_LINES = 12  # where a rule asks to read further down (a name read there): at most this many
_READ_CHARS = 600  # ...and of their characters
_NON_SPACE = re.compile(r"\S")


def lines_below(text: str, offset: int, count: int = AFTER_LINES) -> tuple[str, bool]:
    """The `count` lines after the cursor's line that a blank line's candidates are ranked on ("\\n"
    when none): what a candidate must lead into; and whether the document ends after them (only
    blank lines follow). Read in place, without splitting the rest of the file."""
    start = text.find("\n", offset)
    if start == -1:
        return "\n", True
    end = start
    for _ in range(count):
        found = text.find("\n", end + 1)
        end = len(text) if found == -1 else found
        if found == -1:
            break
    below = text[start:end]
    ends = _NON_SPACE.search(text, end) is None  # in place: no copy of the rest of the document
    return (below if below.strip() else "\n"), ends


def blank_line_task(text: str, cursor: int, line_start: int, language: LanguageInfo | None, held: str,
                    candidates: int, return_line: bool, end_of_text: int | None) -> BlankLineTask:
    """The task for a blank line at `cursor`. `held`: the text before the cursor that the prompt
    left out (see prompt/healing.py); `end_of_text`: the model's end-of-text token."""
    # after the line's indentation, a candidate's own leading whitespace is not shown (the cleanup
    # drops it): the candidates are compared as shown, starting with the space the prompt held back
    indented = line_start < cursor and text[cursor - 1] in " \t"
    near, _ = lines_below(text, cursor, AFTER_LINES)
    next_code = next((ln for ln in near.split("\n") if ln.strip()), None)
    same_block = next_code is not None and indent_width(next_code) == indent_width(text[line_start:cursor])
    view = BlankLine(text=text, cursor=cursor, line_start=line_start, language=language, same_block=same_block,
                     return_line=return_line)
    rules = tuple(rule for cls in RULES if (rule := cls.from_blank_line(view)) is not None)
    count = min(max([AFTER_LINES, *(rule.rows_below() for rule in rules)]), READ_LINES)
    lines, ends = lines_below(text, cursor, count)
    below = lines[:_AFTER_CHARS if count == AFTER_LINES else _READ_CHARS]
    return BlankLineTask(candidates=candidates, below=below, lead=held if indented else None, rules=rules,
                         end_of_text=end_of_text if ends and len(below) == len(lines) else None)
