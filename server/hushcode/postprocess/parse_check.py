"""Reject a suggestion that breaks a file which parsed before (when tree-sitter can tell).

Tree-sitter's Python grammar accepts a block header with no body (`if switch:` followed by a line
of the same indentation parses as an `if` with an empty block), which Python itself rejects with
"expected an indented block". So where blocks end by dedent, a header that the suggestion writes
on a line of its own, with an empty body and code of its own block after it, counts as a break
too, and so does one on a later line of a block suggestion (the block was cut short there: its
head is kept). A one-line header at the end of its block is left alone: that is where a
programmer types the header and then its body.
"""

from __future__ import annotations

import tree_sitter as ts

from hushcode.postprocess.candidate import Candidate, CompletionContext
from hushcode.syntax.languages import LanguageInfo, error_count, next_statement, parse

_MAX_TRIMS = 4


def keep_file_parsing(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    if ctx.language is None:
        return candidate
    before = error_count(parse(ctx.language, ctx.prefix + ctx.suffix))
    if before:
        return candidate  # the file is mid-edit already: the parse cannot judge the suggestion
    rest = ctx.suffix[candidate.replace_end:]
    lines = candidate.text.split("\n")
    start = len(ctx.prefix.encode("utf-8"))
    # A block cut short by the token limit may end mid-statement: keep its longest head that parses.
    for keep in range(len(lines), max(0, len(lines) - _MAX_TRIMS) , -1):
        text = "\n".join(lines[:keep])
        if not text.strip():
            continue
        tree = parse(ctx.language, ctx.prefix + text + rest)
        first = start + len(text.split("\n", 1)[0].encode("utf-8"))
        if error_count(tree) == 0 and not _bodiless_header(tree, start, first, start + len(text.encode("utf-8")),
                                                           ctx.language):
            return candidate.with_text(text)
    return None


def _bodiless_header(tree: ts.Tree, start: int, first: int, end: int, language: LanguageInfo) -> bool:
    """Does a block header that begins between bytes `start` and `end` have an empty body, with
    a statement of its own block after it, or on a line after the suggestion's first (which ends
    at byte `first`): a block that ends on a header was cut short?"""
    if not language.indentation_scoped:
        return False
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.end_byte < start or node.start_byte > end:
            continue
        if node.type == "block" and start <= node.start_byte <= end and node.parent is not None \
                and node.parent.start_byte >= start \
                and not any(child.type not in language.comments for child in node.named_children):
            statement = node.parent
            while statement.parent is not None and statement.parent.type not in ("block", "module"):
                statement = statement.parent
            if next_statement(statement, language) is not None or node.parent.start_byte > first:
                return True
        stack.extend(node.children)
    return False
