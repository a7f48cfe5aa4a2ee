"""Minimal cleanup of a generated completion.

- cut at stop strings (the engine already stops on stop *tokens*; these catch spellings
  that arrive as plain text);
- one line when the decision says so;
- nothing when the result is empty or only whitespace.
"""

from __future__ import annotations

from collections.abc import Iterable

from hushcode.syntax.decide import Scope


def cut_at_stops(text: str, stops: Iterable[str]) -> str:
    """Cut `text` at the earliest occurrence of any stop string."""
    cut = len(text)
    for stop in stops:
        if stop:
            index = text.find(stop)
            if index != -1:
                cut = min(cut, index)
    return text[:cut]


def first_line(text: str) -> str:
    """The text up to the first line break."""
    return text.split("\n", 1)[0]


def clean_completion(text: str, scope: Scope, stops: Iterable[str] = ()) -> str | None:
    """Apply the minimal cleanup; None means "show nothing"."""
    text = cut_at_stops(text.replace("\r\n", "\n"), stops)
    if scope is Scope.LINE:
        text = first_line(text)
    text = text.rstrip()
    if not text.strip():
        return None
    return text
