"""nextedit/edit.py: the model's rewrite of the region as the smallest edits, and the filters."""

from __future__ import annotations

from hushcode.documents.history import DocumentHistory
from hushcode.nextedit.edit import Edit, Proposal, apply, propose, restore_ending, smallest_edits
from hushcode.nextedit.region import Region, choose_region
from hushcode.syntax.languages import LANGUAGES

PY = LANGUAGES["python"]
BEFORE = "import math\n\n\ndef area(w, h):\n    s = w * h\n    return s + w\n\n\nprint(area(1, 2))\n"


def renamed() -> tuple[str, DocumentHistory, Region]:
    history = DocumentHistory(BEFORE)
    history.update(BEFORE.replace("area(w,", "area(width,"), 0.0)
    text = history.text
    return text, history, choose_region(text, text.index("width") + 5, PY, history.hunks[-1])


def test_the_smallest_edits_one_per_changed_run_of_lines() -> None:
    original = "def area(width, h):\n    s = w * h\n    return s + w\n"
    rewrite = "def area(width, h):\n    s = width * h\n    return s + width\n"
    # `w` -> `width`: the characters that change are the inserted "idth"
    assert smallest_edits(original, rewrite, 100) == [Edit(100 + 29, 100 + 29, "idth"),
                                                      Edit(100 + 50, 100 + 50, "idth")]
    assert smallest_edits("a = 1\nb = 2\n", "a = 10\nb = 20\n", 0) == [Edit(5, 5, "0"), Edit(11, 11, "0")]
    # a run of lines replaced by another number of lines is one edit, trimmed
    assert smallest_edits("x = f(a, b)\n", "x = f(\n    a, b)\n", 0) == [Edit(6, 6, "\n    ")]
    assert smallest_edits("a\nb\n", "a\nb\n", 0) == []
    assert smallest_edits("a\nb\n", "a\nnew\nb\n", 0) == [Edit(2, 2, "new\n")]


def test_the_answer_keeps_the_regions_last_line_break() -> None:
    assert restore_ending("x = 1\n", "x = 2") == "x = 2\n"
    assert restore_ending("x = 1\r\n", "x = 2") == "x = 2\r\n"
    assert restore_ending("x = 1", "x = 2") == "x = 2"
    assert restore_ending("x = 1\n", "x = 2\n") == "x = 2\n"


def test_a_rename_proposes_the_uses() -> None:
    text, history, region = renamed()
    proposal = propose(text, region, "def area(width, h):\n    s = width * h\n    return s + width",
                       history.hunks[-1], PY)
    assert proposal.dropped is None and len(proposal.edits) == 2
    assert apply(text, proposal.edits) == BEFORE.replace("w", "width").replace("print(area", "print(area")
    assert all(region.start <= e.start <= e.end <= region.end for e in proposal.edits)


def test_an_unchanged_region_is_no_edit() -> None:
    text, history, region = renamed()
    assert propose(text, region, text[region.start:region.end], history.hunks[-1], PY) == Proposal((), "empty")


def test_giving_back_the_last_edit_is_dropped() -> None:
    text, history, region = renamed()
    undo = "def area(w, h):\n    s = w * h\n    return s + w\n"
    assert propose(text, region, undo, history.hunks[-1], PY) == Proposal((), "undo")
    # an undo beside another change: the other change stays
    both = "def area(w, h):\n    s = w * h\n    return s + w + 1\n"
    proposal = propose(text, region, both, history.hunks[-1], PY)
    assert proposal.dropped is None and [e.text for e in proposal.edits] == [" + 1"]


def test_an_edit_that_breaks_the_parse_is_dropped() -> None:
    text, history, region = renamed()
    broken = "def area(width, h):\n    s = (width * h\n    return s + width\n"
    assert propose(text, region, broken, history.hunks[-1], PY) == Proposal((), "parse")
    # the same in a language without a grammar: nothing to check against
    assert propose(text, region, broken, history.hunks[-1], None).dropped is None


def test_an_empty_answer_does_not_erase_the_region() -> None:
    text, history, region = renamed()
    assert propose(text, region, "", history.hunks[-1], PY) == Proposal((), "erased")
    assert propose(text, region, "\n", None, PY) == Proposal((), "erased")
