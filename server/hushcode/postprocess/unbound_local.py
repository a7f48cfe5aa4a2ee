"""Do not read a local variable before the function assigns it.

On a blank line above `ans = arr[-k:]`, small models write `ans.sort()`, and above
`odd_count = 0` they write `even_count = n - odd_count`: a line that uses a variable the code
below assigns first. Python makes a name local to the whole function when the function assigns it
anywhere, so such a line raises UnboundLocalError when it runs. The suggestion is cut before the
first line that does this; if nothing is left, it is dropped (the service then shows the model's
next choice, see completion/service.py). syntax/python/early_reads.py decides which reads count (not one in a loop
that assigns the name further down, not one inside a lambda).

Python only; files that do not parse are left alone. Pure: no I/O.
"""

from __future__ import annotations

from hushcode.postprocess.candidate import Candidate, CompletionContext
from hushcode.syntax.python.early_reads import read_before_bound


def drop_unbound_local(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    language = ctx.language
    if language is None or language.name != "python":
        return candidate
    text = candidate.text
    start = len(ctx.prefix)
    reads = read_before_bound(ctx.prefix + text + ctx.suffix[candidate.replace_end:], start, start + len(text),
                              language)
    if not reads:
        return candidate
    return candidate.before_line(text.rfind("\n", 0, reads[0] - start) + 1)  # the line of the first such read
