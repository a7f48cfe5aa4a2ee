"""Reject a suggestion that breaks a file which parsed before (when tree-sitter can tell)."""

from __future__ import annotations

from hushcode.postprocess.candidate import Candidate, CompletionContext
from hushcode.syntax.languages import error_count, parse


_MAX_TRIMS = 4


def keep_file_parsing(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    if ctx.language is None:
        return candidate
    before = error_count(parse(ctx.language, ctx.prefix + ctx.suffix))
    if before:
        return candidate  # the file is mid-edit already: the parse cannot judge the suggestion
    rest = ctx.suffix[candidate.replace_end:]
    lines = candidate.text.split("\n")
    # A block cut short by the token limit may end mid-statement: keep its longest head that parses.
    for keep in range(len(lines), max(0, len(lines) - _MAX_TRIMS) , -1):
        text = "\n".join(lines[:keep])
        if text.strip() and error_count(parse(ctx.language, ctx.prefix + text + rest)) == 0:
            return candidate.with_text(text)
    return None
