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
