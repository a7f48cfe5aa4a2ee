"""Whitespace: no doubled space at the cursor, no blank first line on a blank cursor line, no
trailing whitespace, nothing if blank.

Models tokenize a space together with the word after it, so a suggestion often starts with a space
the editor has already typed; and whitespace at the end of a suggestion is text the user would
accept without seeing it. A suggestion of only whitespace is not worth showing.
"""

from __future__ import annotations

from hushcode.postprocess.candidate import Candidate, CompletionContext


def trim_whitespace(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    text = candidate.text
    before = ctx.line_before
    if not before.strip():
        # the cursor's line is still blank (an Enter was just pressed): a suggestion that starts by
        # ending it would leave that line empty and start the code on the next one
        lines = text.split("\n")
        while len(lines) > 1 and not lines[0].strip():
            lines.pop(0)
        text = "\n".join(lines)
    if before and before[-1] in " \t":
        # "return |" + " x" would give two spaces; on an indented blank line the editor already
        # chose the indentation, and more would push the line too deep
        first, sep, rest = text.partition("\n")
        text = first.lstrip(" \t") + sep + rest
    text = "\n".join(line.rstrip() for line in text.split("\n")).rstrip()
    if not text.strip():
        return None
    return candidate.with_text(text)
