"""Keep one line when the decision says one line."""

from __future__ import annotations

from hushcode.postprocess.candidate import Candidate, CompletionContext
from hushcode.syntax.decide import Scope


def limit_to_scope(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    if ctx.scope is Scope.LINE:
        return candidate.with_text(candidate.text.split("\n", 1)[0])
    return candidate
