"""Where a rewrite of the region ends when the model goes on copying the file (nextedit/edit.py)."""

from __future__ import annotations

from hushcode.nextedit.edit import FENCE, cut_at, ends_of, rejoin_text
from hushcode.nextedit.region import Region

TEXT = "def f(a):\n    b = a\n    return b\n\n\ndef g():\n    pass\n"


def _region(text: str, first: int, last: int) -> Region:
    lines = text.splitlines(keepends=True)
    return Region(first, last, sum(map(len, lines[:first])), sum(map(len, lines[:last + 1])))


def test_the_rejoin_text_is_the_next_two_lines_with_code() -> None:
    assert rejoin_text(TEXT, _region(TEXT, 0, 1)) == "\n    return b\n\n\ndef g():"


def test_a_rewrite_that_runs_on_is_cut_where_it_rejoins_the_file() -> None:
    ends = ends_of(TEXT, _region(TEXT, 0, 1))
    generated = "def f(a):\n    b = a + 1\n    return b\n\n\ndef g():\n    return 2\n"
    assert cut_at(generated, ends) == "def f(a):\n    b = a + 1\n"
    assert cut_at("def f(a):\n    b = 2\n", ends) == "def f(a):\n    b = 2\n"


def test_an_instruct_models_closing_fence_ends_the_rewrite() -> None:
    ends = ends_of(TEXT, _region(TEXT, 0, 1))
    assert cut_at("def f(a):\n    b = a + 1\n```\n", ends) == "def f(a):\n    b = a + 1\n"
    fenced = 'x = """\n```\n"""\ny = 1\n'
    assert FENCE not in ends_of(fenced, _region(fenced, 0, 2))


def test_a_text_the_region_itself_holds_is_no_rejoin_text() -> None:
    text = "x = 1\ny = 2\nx = 1\ny = 2\n"
    assert rejoin_text(text, _region(text, 0, 1)) is None
    longer = "x = 1\ny = 2\nx = 1\ny = 2\nz = 3\n"
    assert rejoin_text(longer, _region(longer, 0, 1)) == "\nx = 1\ny = 2\nz = 3"


def test_nothing_after_the_region_gives_no_rejoin_text() -> None:
    assert rejoin_text(TEXT, _region(TEXT, 5, 6)) is None
