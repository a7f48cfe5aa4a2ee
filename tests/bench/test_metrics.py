"""Metrics on known pairs."""

from __future__ import annotations

import keyword

import pytest

from hushcode_bench.metrics import (
    edit_similarity,
    exact_match,
    identifier_match,
    identifiers,
    levenshtein,
    normalize,
    percentile,
    score,
)

PY_KEYWORDS = frozenset(keyword.kwlist)


@pytest.mark.parametrize(
    ("expected", "got", "same"),
    [
        ("return x", "return x", True),
        ("return x", "return x   ", True),  # trailing whitespace
        ("a = 1\nb = 2", "a = 1  \nb = 2\n\n\n", True),  # trailing blank lines
        ("return x", " return x", False),  # leading whitespace counts
        ("return x", "return y", False),
        ("a\n\nb", "a\nb", False),  # an inner blank line counts
    ],
)
def test_exact_match(expected: str, got: str, same: bool) -> None:
    assert exact_match(expected, got) is same


def test_normalize() -> None:
    assert normalize("a  \n  b \t\n\n \n") == "a\n  b"


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("kitten", "sitting", 3),
        ("", "abc", 3),
        ("abc", "", 3),
        ("flaw", "lawn", 2),
        ("same", "same", 0),
    ],
)
def test_levenshtein(a: str, b: str, distance: int) -> None:
    assert levenshtein(a, b) == distance


def test_edit_similarity() -> None:
    assert edit_similarity("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert edit_similarity("", "") == 1.0
    assert edit_similarity("abc", "") == 0.0
    assert edit_similarity("return x  \n", "return x") == 1.0  # compared after normalising


def test_identifiers_skip_strings_comments_and_keywords() -> None:
    code = 'if not os.path.exists(path):  # missing file\n    return open(path, "r", encoding=enc)'
    assert identifiers(code, PY_KEYWORDS) == [
        "os",
        "path",
        "exists",
        "path",
        "open",
        "path",
        "encoding",
        "enc",
    ]
    assert identifiers('x = """doc\nwith words"""\ny = f"{z}"', PY_KEYWORDS) == ["x", "y"]
    assert identifiers('log("unterminated string', PY_KEYWORDS) == ["log"]  # a truncated suggestion
    js = "const total = items.map(i => i.price) // sum it\n/* note */ return total;"
    assert identifiers(js, {"const", "return"}, comment="//") == [
        "total",
        "items",
        "map",
        "i",
        "i",
        "price",
        "total",
    ]


def test_identifier_match() -> None:
    assert identifier_match("return foo(a, b)", "return foo(a, b)", PY_KEYWORDS) == (True, 1.0)
    # expected foo a b, got foo a: precision 1, recall 2/3
    same, f1 = identifier_match("return foo(a, b)", "return foo(a)", PY_KEYWORDS)
    assert not same and f1 == pytest.approx(0.8)
    # same identifiers in another order: F1 is 1 but the sequence differs
    assert identifier_match("f(a, b)", "f(b, a)") == (False, 1.0)
    assert identifier_match("x = 1", "y = 2") == (False, 0.0)
    assert identifier_match("pass", "", PY_KEYWORDS) == (True, 1.0)  # no identifiers on either side


def test_score_compares_only_the_first_line_of_a_line_task() -> None:
    got = "total += price\n    count += 1"
    line = score("line", "total += price", got, PY_KEYWORDS)
    assert line.exact and line.edit_similarity == 1.0 and line.identifier_exact and not line.empty
    block = score("block", "total += price", got, PY_KEYWORDS)
    assert not block.exact and block.edit_similarity < 1.0
    assert score("rest", "x)", "  \n", PY_KEYWORDS).empty


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 90) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0], 90) == pytest.approx(46.0)
