"""Both cursor placements at a blank line: the column-0 hole, its expected text, the hole check, the
task file, the scoring of a line hole and the share of module-level text in a body."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hushcode_bench.holes import cut_tasks, load_tasks, save_tasks
from hushcode_bench.languages import language_for
from hushcode_bench.placement import (
    COLUMN0,
    INDENT,
    base_kind,
    place,
    placed,
    row_kinds,
    writes_column0,
)
from hushcode_bench.quality.run import column0_text
from hushcode_bench.quality.summary import summarize
from hushcode_bench.quality.testrun import neutral_document
from hushcode_bench.scoring import score_task
from hushcode_bench.sources import SourceFile

TEXT = '''\
def total(items, tax):
    """The sum of the prices, with tax."""
    subtotal = sum(item.price for item in items)
    return subtotal * (1 + tax)
'''
TEXTS = {"shop.py": TEXT}


def tasks(kinds: list[str], limit: int = 10) -> list:
    spec = language_for("shop.py")
    assert spec is not None
    return cut_tasks([SourceFile("shop.py", spec, TEXT)], kinds, limit=limit)


def line_task(expected: str):
    return next(t for t in tasks(["line"]) if t.expected == expected)


def test_a_column0_hole_removes_the_indentation_and_expects_it_back() -> None:
    indent = line_task("subtotal = sum(item.price for item in items)")
    at0 = place(indent, TEXT, COLUMN0)
    assert at0.kind == "line@0" and base_kind(at0.kind) == "line"
    assert at0.expected == "    subtotal = sum(item.price for item in items)"
    assert at0.column == 0 and at0.line == indent.line and at0.end == indent.end
    assert at0.id == f"line@0:shop.py:{indent.line + 1}:1"
    document = at0.document(TEXT)
    line = document.split("\n")[at0.line]
    assert line == ""  # the blank line a formatter leaves, the cursor at its start
    assert document[: at0.start].endswith('with tax."""\n')
    # the indent placement of the same hole: the cursor after the indentation, as before
    assert indent.document(TEXT).split("\n")[indent.line] == "    " and indent.column == 4
    assert place(at0, TEXT, INDENT) == indent and place(indent, TEXT, INDENT) is indent


def test_blocks_have_both_placements_rest_holes_one() -> None:
    block = tasks(["block"])[0]
    at0 = place(block, TEXT, COLUMN0)
    assert at0.kind == "block@0" and at0.expected == "    " + block.expected
    rest = tasks(["rest"])[0]
    assert place(rest, TEXT, COLUMN0) is rest
    assert row_kinds(["line", "rest", "block"], [INDENT, COLUMN0]) == ("line", "line@0", "rest", "block", "block@0")
    assert row_kinds(["line"], [COLUMN0]) == ("line@0",)


def test_placed_gives_the_same_holes_at_each_placement_grouped_by_row() -> None:
    cut = tasks(["line"])
    both = placed(cut, TEXTS, ["line"], [INDENT, COLUMN0])
    assert [t.kind for t in both] == ["line"] * len(cut) + ["line@0"] * len(cut)
    assert [t.end for t in both[: len(cut)]] == [t.end for t in both[len(cut) :]]
    assert placed(cut, TEXTS, ["line"], [INDENT]) == cut
    # a task file of one placement reproduces the other on the same holes, and the same tasks again
    only0 = placed(cut, TEXTS, ["line"], [COLUMN0])
    assert placed(only0, TEXTS, ["line"], [INDENT]) == cut
    assert placed(both, TEXTS, ["line"], [INDENT, COLUMN0]) == both
    assert placed(both, TEXTS, ["rest"], [INDENT]) == []  # --kinds filters by the base kind


def test_task_file_keeps_the_column0_tasks(tmp_path: Path) -> None:
    both = placed(tasks(["line", "block"]), TEXTS, ["line", "block"], [INDENT, COLUMN0])
    save_tasks(tmp_path / "tasks.json", both, TEXTS, seed=0)
    loaded, files = load_tasks(tmp_path / "tasks.json")
    assert loaded == both and files == TEXTS
    assert placed(loaded, files, ["line", "block"], [COLUMN0]) == [t for t in both if t.kind.endswith("@0")]


@pytest.mark.parametrize("kind", ["line", "block"])
def test_the_hole_check_fills_both_placements_alike(kind: str) -> None:
    """`pass` at the hole's indentation: at column 0 it would be an IndentationError the tests would
    'notice', and the hole would count though the tests may not notice a missing statement."""
    indent = tasks([kind])[0]
    at0 = place(indent, TEXT, COLUMN0)
    neutral = neutral_document(at0, TEXT)
    assert neutral == neutral_document(indent, TEXT)
    assert "\n    pass\n" in neutral
    compile(neutral, "shop.py", "exec")


def test_a_column0_line_is_scored_with_its_indentation() -> None:
    at0 = place(line_task("return subtotal * (1 + tax)"), TEXT, COLUMN0)
    document = at0.document(TEXT)

    def scores(got: str) -> dict:
        completed = document[: at0.start] + got + document[at0.start :]
        return score_task(at0, got, completed, parsed=True)

    right = scores("    return subtotal * (1 + tax)")
    assert right["exact"] and right["parses"]
    module_level = scores("return subtotal * (1 + tax)")  # the right code, at column 0
    assert not module_level["exact"] and module_level["identifier_exact"]
    assert scores("    return subtotal\n    # more")["edit_similarity"] < 1  # a line task: first line only


@pytest.mark.parametrize(
    ("shown", "column", "expected"),
    [
        ("return x", 0, True),  # the first line itself at column 0
        ("    return x", 0, False),
        ("return x", 4, False),  # after the indentation the first line is not at column 0
        ("if x:\n        y = 1\n    return y", 4, False),
        ("return x\n\ndef other():", 4, True),  # a later line leaves the body
        ("x = 1\n\n", 4, False),  # blank lines say nothing
    ],
)
def test_writes_column0(shown: str, column: int, expected: bool) -> None:
    assert writes_column0(shown, column) is expected


def test_module_level_text_counts_only_shown_suggestions_on_indented_lines() -> None:
    at0 = place(line_task("return subtotal * (1 + tax)"), TEXT, COLUMN0)
    assert column0_text(at0, TEXT, "return subtotal") is True
    assert column0_text(at0, TEXT, "    return subtotal") is False
    assert column0_text(at0, TEXT, "") is None  # nothing shown: not counted
    # a hole whose line is not indented is not inside a body: not counted either
    top = dataclasses.replace(at0, start=0, end=13, expected="x = compute()")
    assert column0_text(top, "x = compute()\n", "x = 1") is None
    results = [
        {"kind": "line@0", "exact": False, "edit_similarity": 0.5, "identifier_exact": False, "identifier_f1": 0.5,
         "empty": False, "latency_ms": 10.0, "column0_text": flag, "tested": True, "passed": passed}
        for flag, passed in ((True, False), (False, True), (None, True))
    ]
    figures = summarize({"default": results}, ["line@0"])["default"]["line@0"]
    assert figures["column0_text"] == 0.5 and figures["column0_text_n"] == 2
    assert figures["passed_n"] == 2 and figures["tested_n"] == 3
