"""Drop output that repeats what already stands after the cursor.

Instruct models often ignore the suffix and write it out again. A trailing run of completion
lines equal to the lines that follow the cursor is cut; a one-line completion that only
repeats the rest of the line or the next line is dropped. On a blank line, a block whose first
line is the next line below restates the code below instead of inserting before it (the
small models' "skip ahead"): it is dropped too.
"""

from __future__ import annotations

from hushcode.postprocess.candidate import Candidate, CompletionContext
from hushcode.syntax.decide import Scope


def _norm(line: str) -> str:
    return line.strip()


def drop_suffix_repeat(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    text = candidate.text
    after_cursor_line = ctx.suffix.split("\n")[1:]
    next_lines = [_norm(x) for x in after_cursor_line if x.strip()][:50]
    if ctx.scope is Scope.LINE:
        line = _norm(text)
        rest = _norm(ctx.line_after)
        if line and (line == rest or (next_lines and line == next_lines[0] and not ctx.line_before.strip())):
            return None
        return candidate
    lines = text.split("\n")
    if not next_lines:
        return candidate
    # earliest i such that the non-blank lines from i on are a prefix of the lines below the cursor
    for i in range(len(lines)):
        tail = [_norm(x) for x in lines[i:] if x.strip()]
        if tail and tail == next_lines[: len(tail)] and (len(tail) >= 2 or len(tail[0]) > 3):
            return candidate.with_text("\n".join(lines[:i]))
    first = next((_norm(x) for x in lines if x.strip()), "")
    if not ctx.line_before.strip() and first == next_lines[0]:
        return None
    return candidate
