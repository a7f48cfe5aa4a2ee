"""Keep one line when the decision says one line.

syntax/decide.py chooses one line where more would overrun the code that follows (mid-line, after
a complete statement). The engine stops at the first piece of text that holds a line break, but
keeps that piece, which may carry the start of the next line: this filter cuts there.
"""

from __future__ import annotations

from hushcode.postprocess.candidate import Candidate, CompletionContext
from hushcode.syntax.decide import Scope


def limit_to_scope(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    if ctx.scope is Scope.LINE:
        return candidate.with_text(candidate.text.split("\n", 1)[0])
    return candidate
