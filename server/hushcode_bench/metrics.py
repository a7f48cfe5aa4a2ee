"""Per-task quality metrics and their aggregates. Pure functions of strings and numbers.

- exact match: equal after stripping trailing whitespace on each line and trailing blank lines;
- edit similarity: 1 - Levenshtein distance / length of the longer string (1.0 for two empty ones);
- identifier match (as in CrossCodeEval): the identifiers outside strings and comments, keywords
  dropped; "exact" compares the sequences, F1 the multisets.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Strings (with prefixes, triple quotes and escapes) are removed before taking identifiers. A
# one-line string left open (a truncated suggestion) runs to the end of its line; an open triple
# quoted string or block comment runs to the end of the text.
_TRIPLE = r"""[rRbBuUfF]{0,2}(?:'''[\s\S]*?(?:'''|\Z)|"{3}[\s\S]*?(?:"{3}|\Z))"""
_ONE_LINE = r"""[rRbBuUfF]{0,2}(?:'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*(?:"|$))|`(?:\\.|[^`\\])*(?:`|\Z)"""
_NOISE = {
    "#": re.compile(f"{_TRIPLE}|{_ONE_LINE}" + r"|\#[^\n]*", re.MULTILINE),
    "//": re.compile(f"{_TRIPLE}|{_ONE_LINE}" + r"|//[^\n]*|/\*[\s\S]*?(?:\*/|\Z)", re.MULTILINE),
}


def normalize(text: str) -> str:
    """Trailing whitespace stripped on every line, trailing blank lines dropped."""
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip("\n")


def first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def exact_match(expected: str, got: str) -> bool:
    return normalize(expected) == normalize(got)


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions of one character each)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def edit_similarity(expected: str, got: str) -> float:
    """1 - normalised Levenshtein distance between the normalised strings, in [0, 1]."""
    a, b = normalize(expected), normalize(got)
    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else 1.0 - levenshtein(a, b) / longest


def identifiers(code: str, keywords: Iterable[str] = (), comment: str = "#") -> list[str]:
    """The identifiers of `code` in order, outside strings and comments, keywords excluded.

    `comment` is the language's line comment ("#" or "//"; "//" also removes /* */ comments).
    """
    skip = set(keywords)
    return [word for word in _IDENTIFIER.findall(_NOISE[comment].sub(" ", code)) if word not in skip]


def identifier_match(
    expected: str, got: str, keywords: Iterable[str] = (), comment: str = "#"
) -> tuple[bool, float]:
    """(identifier sequences equal, F1 of the identifier multisets)."""
    keys = frozenset(keywords)
    want, have = identifiers(expected, keys, comment), identifiers(got, keys, comment)
    if not want and not have:
        return True, 1.0
    common = sum((Counter(want) & Counter(have)).values())
    if common == 0:
        return False, 0.0
    precision, recall = common / len(have), common / len(want)
    return want == have, 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class Scores:
    """The metrics of one completed task."""

    exact: bool
    edit_similarity: float
    identifier_exact: bool
    identifier_f1: float
    empty: bool


def score(kind: str, expected: str, got: str, keywords: Iterable[str] = (), comment: str = "#") -> Scores:
    """All per-task metrics; a `line` task compares only the first line of the suggestion."""
    if kind == "line":
        got = first_line(got)
    id_exact, id_f1 = identifier_match(expected, got, keywords, comment)
    return Scores(
        exact=exact_match(expected, got),
        edit_similarity=edit_similarity(expected, got),
        identifier_exact=id_exact,
        identifier_f1=id_f1,
        empty=not got.strip(),
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def mean(values: Iterable[float | bool]) -> float | None:
    """The arithmetic mean (booleans count as 0/1); None for no values."""
    items = [float(v) for v in values]
    return sum(items) / len(items) if items else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator
