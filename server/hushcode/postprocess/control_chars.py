"""Cut a suggestion at the first control character (NUL, ESC, ...): text a source file never holds.

A damaged model (NaN weights) writes NUL bytes, and a terminal escape in ghost text would reach
the user's editor; tabs and line breaks are ordinary code.
"""

from __future__ import annotations

import re

from hushcode.postprocess.candidate import Candidate, CompletionContext

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def cut_at_control_chars(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    found = _CONTROL.search(candidate.text)
    if found is None:
        return candidate
    return candidate.with_text(candidate.text[:found.start()]) if found.start() else None
