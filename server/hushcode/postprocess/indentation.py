"""Cut a block where its indentation drops below the block being written.

The first line continues the cursor's line; every later non-blank line must be indented at
least `decision.min_indent` characters, or it belongs to an enclosing scope.
"""

from __future__ import annotations

from hushcode.postprocess.candidate import Candidate, CompletionContext
from hushcode.syntax.decide import Scope, indent_width


def cut_at_dedent(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    if ctx.scope is not Scope.BLOCK:
        return candidate
    lines = candidate.text.split("\n")
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() and indent_width(line) < ctx.decision.min_indent:
            return candidate.with_text("\n".join(lines[:i]))
    return candidate


def keep_to_indents(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    """At a blank line's column 0, where the code around allows several indentations (the end of a
    block: it may go on, or a block that encloses it), the model's own first line chooses among
    them; a first line at any other indentation (column 0 inside a body, one space) is dropped, so
    that the model's next choice is shown."""
    indents = ctx.decision.indents
    before = ctx.line_before
    if len(indents) < 2 or before.strip() or len(before) >= min(len(i) for i in indents):
        return candidate
    first = next((line for line in candidate.text.split("\n") if line.strip()), "")
    return candidate if before + first[: len(first) - len(first.lstrip(" \t"))] in indents else None
