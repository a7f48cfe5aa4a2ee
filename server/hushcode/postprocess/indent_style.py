"""Indent the suggestion the way the file (or the editor's formatting options) does.

A suggestion indented with spaces in a tab-indented file (or the reverse) mixes the two, which
Python can reject (TabError) and every language shows as a ragged diff. The editor's formatting
options win when it sends them, else the style most of the file's lines use.
"""

from __future__ import annotations

import re

from hushcode.postprocess.candidate import Candidate, CompletionContext

_LEADING = re.compile(r"^[ \t]+", re.MULTILINE)


def file_uses_tabs(text: str) -> bool | None:
    """True for tab-indented text, False for spaces, None when it cannot tell."""
    tabs = spaces = 0
    for match in _LEADING.finditer(text):
        if match.group(0).startswith("\t"):
            tabs += 1
        else:
            spaces += 1
    if tabs == spaces == 0:
        return None
    return tabs > spaces


def match_indent_style(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    if "\n" not in candidate.text:
        return candidate
    uses_tabs = (not ctx.insert_spaces) if ctx.insert_spaces is not None else file_uses_tabs(ctx.prefix + ctx.suffix)
    if uses_tabs is None:
        return candidate
    unit = " " * ctx.tab_size
    first, *rest = candidate.text.split("\n")

    def fix(line: str) -> str:
        match = _LEADING.match(line)
        if not match:
            return line
        lead = match.group(0)
        if uses_tabs:
            columns = len(lead.expandtabs(ctx.tab_size))
            return "\t" * (columns // ctx.tab_size) + " " * (columns % ctx.tab_size) + line[len(lead):]
        return lead.replace("\t", unit) + line[len(lead):]

    return candidate.with_text("\n".join([first, *map(fix, rest)]))
