"""Cut at stop strings (special tokens that arrive as plain text), and normalise line breaks.

The stop strings are the prompt's markers and the like (`<|file_sep|>`, `<|im_end|>`): text after
one belongs to another part of a prompt, not to the suggestion. The engine stops at the piece of
text that holds one but keeps that piece, and a model may also spell a marker out as plain text:
either way the marker and what follows it are cut here, before any other filter reads them.
"""

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
