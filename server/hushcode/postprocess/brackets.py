"""Brackets: never double an auto-closed bracket, and stop at one that closes an outer scope.

- One line: a closer may close a bracket opened earlier on the cursor line that the rest of the
  line does not close (`print(len(x` completed with `))`). Closers the completion leaves
  unmatched at its end that the rest of the line already has (the editor auto-closed them) are
  *replaced*: the suggestion's range extends over them instead of doubling them. Any other
  unmatched closer cuts the suggestion.
- A block: the first unmatched closer ends the block (it closes the enclosing scope, which
  the code below the cursor already does), except one that closes a bracket the cursor line
  opened and leaves open (a block after `foo(` may end with its `)`).
"""

from __future__ import annotations

from hushcode.postprocess.candidate import Candidate, CompletionContext
from hushcode.syntax.decide import Scope

_PAIRS = {")": "(", "]": "[", "}": "{"}
_OPENERS = set(_PAIRS.values())


def unmatched_closers(text: str) -> list[int]:
    """Offsets of closers with no opener before them in `text` (quotes skipped roughly)."""
    return _scan(text)[1]


def open_brackets(text: str) -> list[str]:
    """The openers `text` leaves unclosed, outermost first (quotes skipped roughly)."""
    return _scan(text)[0]


def _scan(text: str) -> tuple[list[str], list[int]]:
    stack: list[str] = []
    found: list[int] = []
    quote: str | None = None
    escaped = False
    for i, ch in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote or ch == "\n":
                quote = None
            continue
        if ch in "\"'`":
            quote = ch
        elif ch in _OPENERS:
            stack.append(ch)
        elif ch in _PAIRS:
            if stack and stack[-1] == _PAIRS[ch]:
                stack.pop()
            elif stack:
                return stack, found + [i]  # mismatched: treat as the end of what we can trust
            else:
                found.append(i)
    return stack, found


def _closing_line_openers(ctx: CompletionContext, text: str, closers: list[int]) -> list[int]:
    """`closers` without those that close a bracket the cursor line opened and its rest leaves open."""
    waiting = open_brackets(ctx.line_before)
    del waiting[max(0, len(waiting) - len(unmatched_closers(ctx.line_after))):]  # the rest closes these
    kept = []
    for i in closers:
        if waiting and waiting[-1] == _PAIRS[text[i]]:
            waiting.pop()
        else:
            kept.append(i)
    return kept


def fix_brackets(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    text = candidate.text
    closers = _closing_line_openers(ctx, text, unmatched_closers(text))
    if ctx.scope is Scope.BLOCK:
        return candidate.with_text(text[: closers[0]]) if closers else candidate
    if ctx.scope is not Scope.LINE:
        return candidate
    tail = ctx.line_after
    body = text.rstrip()
    # 1. trailing unmatched closers that the rest of the line already holds: replace them
    trailing = [i for i in closers if body[i:].strip() and all(c in ")]};" for c in body[i:])]
    if closers and trailing and closers[0] == trailing[0]:
        typed = "".join(body[i] for i in closers)
        if tail.startswith(typed):
            return Candidate(text=body, replace_end=len(typed) + (1 if body.endswith(";") and
                                                                   tail[len(typed):].startswith(";") else 0))
    if closers:
        return candidate.with_text(text[: closers[0]])  # 2. an unmatched closer the line cannot take
    # 3. an auto-closed quote: the completion closes a string the editor already closed
    for quote in "\"'`":
        if tail.startswith(quote) and body.endswith(quote) and (ctx.line_before + body).count(quote) % 2 == 0:
            return Candidate(text=body, replace_end=1)
    return candidate
