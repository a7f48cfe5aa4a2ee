"""Keep the code below the cursor reachable.

Small instruct models jump ahead: on a blank line between statements they write the function's
last line (`return ret` where `ret = 1` belongs, `break` before the loop's remaining work). A
suggestion that ends in a `return`, `raise`/`throw`, `break` or `continue` right before code of
the same block turns that code into dead code, which a programmer almost never means. Such a
suggestion is cut before the jump; if nothing is left, it is dropped (the service then shows the
model's next choice, see completions.py).

Only a jump the suggestion writes on a line of its own counts: when the user typed `ret` and the
model finishes `urn x`, the user chose to return. Tree-sitter decides what is a jump statement and
what follows it in the same block (comments do not count), so the rule is the same in every
language that has a `jumps` row in syntax/languages.py. Files that do not parse are left alone.

Pure: no I/O.
"""

from __future__ import annotations

import tree_sitter as ts

from hushcode.postprocess.candidate import Candidate, CompletionContext
from hushcode.syntax.languages import LanguageInfo, error_count, next_statement, parse


def _jump_at(node: ts.Node | None, start: int, language: LanguageInfo) -> ts.Node | None:
    """The jump statement that begins at byte `start`, if the statement beginning there is one."""
    statement = None
    while node is not None and node.start_byte == start:
        if node.type in language.jumps or (node.named_child_count and node.type == "expression_statement"
                                            and node.named_children[0].type in language.jumps):
            statement = node
        node = node.parent
    return statement


def keep_code_reachable(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    language = ctx.language
    if language is None or not language.jumps or ctx.line_before.strip():
        return candidate
    rest = ctx.suffix[candidate.replace_end:]
    if not rest.strip():
        return candidate
    text = candidate.text
    source = (ctx.prefix + text + rest).encode("utf-8")
    tree = parse(language, source.decode("utf-8"))
    if error_count(tree):
        return candidate  # keep_file_parsing has the say on a suggestion that breaks the parse
    base = len(ctx.prefix.encode("utf-8"))
    end = base + len(text.encode("utf-8"))
    offset = 0  # each line of the suggestion that starts a statement: is it a jump into existing code?
    for line in text.split("\n"):
        body = line.lstrip(" \t")
        start = base + len((text[:offset] + line[: len(line) - len(body)]).encode("utf-8"))
        if body:
            jump = _jump_at(tree.root_node.descendant_for_byte_range(start, start), start, language)
            after = next_statement(jump, language) if jump is not None else None
            if after is not None and after.start_byte >= end:
                return candidate.before_line(offset)
        offset += len(line) + 1
    return candidate
