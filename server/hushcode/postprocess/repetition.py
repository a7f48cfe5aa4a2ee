"""Guard against a model stuck in a loop: cut at the second repeat of a line or pair of lines."""

from __future__ import annotations

from hushcode.postprocess.candidate import Candidate, CompletionContext


def cut_repetition(ctx: CompletionContext, candidate: Candidate) -> Candidate | None:
    lines = candidate.text.split("\n")
    keys = [line.strip() for line in lines]
    for i in range(len(lines)):
        for period in (1, 2, 3):
            # the same `period` lines three times in a row: keep the first time
            window = keys[i: i + 3 * period]
            if len(window) < 3 * period or not any(k for k in window[:period]):
                continue
            if all(window[j] == window[j % period] for j in range(3 * period)):
                return candidate.with_text("\n".join(lines[: i + period]))
    return candidate
