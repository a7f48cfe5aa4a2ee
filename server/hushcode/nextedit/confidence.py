"""How sure the model was of the edit it suggests (pure).

A rewrite of the region mostly copies it, and the model is sure of a copy: the whole output's
probabilities say little. What counts is the tokens that write the edit: those whose text lies in
(or, for a deletion, right after) the part of the rewrite that differs from the region. Their
log-probabilities (from the engine, `GenerateResult.token_logprobs`) give the edit's confidence,
as an inline suggestion's first line gives its own (completion/confidence.py): the mean per
token, and the least likely token.

An edit the server makes itself (the last edit made again: calls.py, repeat.py) has no model
behind it and no confidence: it is never held back.
"""

from __future__ import annotations

from collections.abc import Sequence

from hushcode.completion.confidence import Confidence

from .edit import Edit


def spans_in_rewrite(edits: Sequence[Edit], region_start: int) -> list[tuple[int, int]]:
    """Where each edit's new text lies in the rewritten region (offsets into the rewrite)."""
    spans = []
    shift = 0
    for edit in sorted(edits, key=lambda e: e.start):
        start = edit.start - region_start + shift
        spans.append((start, start + len(edit.text)))
        shift += len(edit.text) - (edit.end - edit.start)
    return spans


def edit_confidence(token_logprobs: Sequence[tuple[int, float]], generated_at: int, edits: Sequence[Edit],
                    region_start: int) -> Confidence | None:
    """The confidence of the tokens that wrote `edits`: the generated text starts at offset
    `generated_at` of the rewrite, and `token_logprobs` gives each generated token's end in it
    and its log-probability. None when no generated token wrote them (nothing to judge)."""
    chosen: list[float] = []
    spans = [(a - generated_at, max(b, a + 1) - generated_at) for a, b in spans_in_rewrite(edits, region_start)]
    start = 0
    for end, logprob in token_logprobs:
        if any(start < b and a < end for a, b in spans):
            chosen.append(logprob)
        start = end
    if not chosen:
        return None
    return Confidence(mean=sum(chosen) / len(chosen), lowest=min(chosen))
