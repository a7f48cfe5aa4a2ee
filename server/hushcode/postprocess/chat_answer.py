"""Turn a chat model's answer into an insertion: drop code fences, and the part of the cursor's
line that the answer repeats. Only for chat prompts; FIM output passes through untouched."""

from __future__ import annotations

import re

from hushcode.postprocess.candidate import Candidate, CompletionContext

_FENCE = re.compile(r"^\s*```[\w+-]*\s*$")


def unwrap_chat_answer(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    if not ctx.chat:
        return candidate
    lines = candidate.text.split("\n")
    if lines and _FENCE.match(lines[0]):
        lines = lines[1:]
        for i, line in enumerate(lines):
            if _FENCE.match(line):
                lines = lines[:i]
                break
    text = "\n".join(lines)
    before = ctx.line_before
    typed = before.strip()
    stripped = text.lstrip(" \t")
    if typed and stripped.startswith(typed):  # the answer rewrote the whole line
        text = stripped[len(typed):]
        if before.endswith((" ", "\t")):
            text = text.lstrip(" \t")
    elif not before.strip() and text.startswith(before) and before:
        text = text[len(before):]  # the answer repeated the indentation the line already has
    return candidate.with_text(text)
