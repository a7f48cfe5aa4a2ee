"""Never suggest, inside a body, the test code that tutorials put after a function.

Small models trained on snippets end a function with its demonstration: `# Test the function`,
`print(f(3))`, `assert f(2) == 4`, `if __name__ == "__main__":`. Inside a function body that code
is wrong wherever the user is (and at the body's end it would run on every call); where the
cursor's blank line belongs to module level (syntax/indentation.py), it may be what the user
wants, and is kept. The suggestion is cut before the first such line, or dropped when it starts
with one.
"""

from __future__ import annotations

import re

from hushcode.postprocess.candidate import Candidate, CompletionContext

_MAIN = re.compile(r"if\s+__name__\s*==")
_COMMENT = re.compile(r"(?:#|//)\s*(?:tests?|testing|examples?|usage|driver|sample|check(?:ing)?|demo)\b",
                      re.IGNORECASE)
_DEFINITION = re.compile(r"^([ \t]*)(?:async\s+)?(?:def|function|func|fn)\s+(\w+)", re.MULTILINE)


def _enclosing_function(prefix: str, level: int) -> str | None:
    """The name of the function whose body holds a line at `level` columns (the nearest definition
    above, indented less)."""
    for match in reversed(list(_DEFINITION.finditer(prefix))):
        if len(match.group(1)) < level:
            return match.group(2)
    return None


def _scaffolding(line: str, function: str | None) -> bool:
    code = line.strip()
    if _MAIN.match(code) or _COMMENT.match(code):
        return True
    return function is not None and re.match(rf"(?:print|assert|console\.log)\s*\(?\s*{re.escape(function)}\s*\(",
                                             code) is not None


def drop_test_scaffolding(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    levels = ctx.decision.indents
    level = min((len(i) for i in levels), default=len(ctx.line_before) if not ctx.line_before.strip() else 0)
    if level == 0:
        return candidate  # module level: a test there may be what the user asks for
    function = _enclosing_function(ctx.prefix, level)
    offset = 0
    for line in candidate.text.split("\n"):
        if _scaffolding(line, function):
            return candidate.before_line(offset) if offset else None
        offset += len(line) + 1
    return candidate
