"""Cut at stop strings (special tokens that arrive as plain text), and normalise line breaks."""

from __future__ import annotations

from hushcode.postprocess.candidate import Candidate, CompletionContext


def cut_at_stops(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    text = candidate.text.replace("\r\n", "\n")
    cut = len(text)
    for stop in ctx.stop_texts:
        index = text.find(stop) if stop else -1
        if index != -1:
            cut = min(cut, index)
    return candidate.with_text(text[:cut])
