"""`hushcode bench next-edit`'s pure parts: tasks cut from two versions of a file, the
substitution baseline, applying an answer's edits and scoring the region, the summary."""

from __future__ import annotations

import pytest

from hushcode_bench.next_edit.baselines import substitute, substitution
from hushcode_bench.next_edit.run import server_fields
from hushcode_bench.next_edit.scoring import apply_edits, offset_of, predicted_region, score
from hushcode_bench.next_edit.summary import confidence_curve, figures, format_curve, format_table, summarize
from hushcode_bench.next_edit.tasks import EditTask, file_tasks, hunks

# a rename of `w` in the signature (line 2), then of its use (line 4): one edit task
OLD = """\
import math

def area(w, h):
    \"\"\"The area.\"\"\"
    return w * h


def unrelated(a):
    return a + 1


def also(b):
    return b
"""
NEW = OLD.replace("def area(w, h):", "def area(width, h):").replace("return w * h", "return width * h")


def test_two_nearby_small_hunks_make_one_edit_task_with_the_cursor_on_the_second() -> None:
    edits, _ = file_tasks("geo.py", OLD, NEW)
    assert len(edits) == 1
    task = edits[0]
    assert (task.recent_start, task.recent_end, task.recent_text) == (2, 3, "def area(width, h):\n")
    assert task.before == OLD.replace("def area(w, h):", "def area(width, h):")
    assert (task.cursor_line, task.cursor_character) == (4, 4)  # `return w * h`, at its indentation
    assert (task.region_start, task.region_end) == (2, 7)  # the line, 2 lines of context each side
    assert task.region == 'def area(width, h):\n    """The area."""\n    return w * h\n\n\n'
    assert task.expected == 'def area(width, h):\n    """The area."""\n    return width * h\n\n\n'


def test_a_no_edit_place_is_a_few_lines_from_the_edit_where_the_release_changed_nothing() -> None:
    old = "".join(f"x{i} = {i}\n" for i in range(40))
    new = old.replace("x5 = 5", "x5 = 50")
    edits, places = file_tasks("nums.py", old, new)
    assert edits == []  # one hunk alone: nothing to predict after it
    [place] = places
    assert place.kind == "no-edit"
    assert place.cursor_line == 5 + 1 + 4  # the nearest non-blank line 4 lines below the edit
    assert place.expected == place.region == "x8 = 8\nx9 = 9\nx10 = 10\nx11 = 11\nx12 = 12\n"


def test_no_no_edit_place_where_another_change_of_the_release_is_near() -> None:
    old = "".join(f"x{i} = {i}\n" for i in range(30))
    new = old.replace("x5 = 5", "x5 = 50").replace("x12 = 12", "x12 = 120").replace("x20 = 20", "x20 = 200")
    _, places = file_tasks("nums.py", old, new)
    # lines 4-8 from the changes of lines 5 and 12 are within 12 lines of another change; 4 below
    # the last one (line 25) is the first line 13 lines past the change of line 12
    assert [p.cursor_line for p in places] == [25]


def test_large_or_far_apart_hunks_make_no_task() -> None:
    old = "".join(f"x{i} = {i}\n" for i in range(80))
    far = old.replace("x5 = 5", "x5 = 50").replace("x60 = 60", "x60 = 600")  # 55 lines apart
    assert file_tasks("a.py", old, far)[0] == []
    big = old.replace("x5 = 5\nx6 = 6\nx7 = 7\nx8 = 8\nx9 = 9\n", "y = 1\n" * 5).replace("x12 = 12", "x12 = 0")
    assert file_tasks("a.py", old, big)[0] == []  # the first hunk is 5 lines: a rewrite


def test_whitespace_only_hunks_are_no_edits_and_line_ends_are_kept() -> None:
    assert file_tasks("a.py", "a = 1\nb = 2\n", "a = 1 \nb = 2\n") == ([], [])
    assert hunks(["a\n", "b\n"], ["a\n", "c\n", "b\n"])[0].delta == 1


def test_an_inserted_second_hunk_is_expected_in_the_region() -> None:
    old = "def f(a):\n    x = a\n    y = 2\n    return x\n"
    new = "def f(a, b):\n    x = a\n    y = 2\n    z = b\n    return x\n"
    [task] = file_tasks("f.py", old, new)[0]
    assert task.cursor_line == 3 and task.expected.endswith("    y = 2\n    z = b\n    return x\n")


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("def area(w, h):", "def area(width, h):", ("w", "width")),
    ("x = self._cache[value]", "x = self._cache.get(value)", ("[", ".get(")),
    ("total = a.b + 1", "total = a.c.d + 1", ("b", "c.d")),
    ("a = 1", "a = 1\nb = 2", None),  # only added text: no substitution
])
def test_the_substitution_of_the_last_edit(old: str, new: str, expected: tuple[str, str] | None) -> None:
    assert substitution(old, new) == expected


def test_the_substitution_baseline_replaces_the_next_whole_word_in_the_region() -> None:
    [task] = file_tasks("geo.py", OLD, NEW)[0]
    assert substitute(task) == NEW  # `w` in `return w * h`, not the `w` of a longer name
    assert score(task, substitute(task))["exact"] is True


def test_the_substitution_baseline_leaves_the_file_without_an_occurrence() -> None:
    old = "def f(a):\n    return a\n\n\ndef g(b):\n    return b\n"
    new = "def f(alpha):\n    return a\n\n\ndef g(b):\n    return b + 1\n"
    [task] = file_tasks("f.py", old, new)[0]
    assert substitute(task) == task.before  # no `a` at or after the cursor in the region


def test_edits_are_applied_in_the_negotiated_encoding() -> None:
    text = "s = 'é😀x'\nt = 1\n"
    assert offset_of(text, 0, 7, "utf-16") == 7  # 😀 is two UTF-16 units: x at unit 8, point 7... before it
    edit = {"range": {"start": {"line": 0, "character": 8}, "end": {"line": 0, "character": 9}}, "newText": "y"}
    assert apply_edits(text, [edit], "utf-16") == "s = 'é😀y'\nt = 1\n"
    edit8 = {"range": {"start": {"line": 0, "character": 11}, "end": {"line": 0, "character": 12}}, "newText": "y"}
    assert apply_edits(text, [edit8], "utf-8") == "s = 'é😀y'\nt = 1\n"
    two = [{"range": {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 5}}, "newText": "2"},
           {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "newText": "u"}]
    assert apply_edits(text, two, "utf-16") == "u = 'é😀x'\nt = 2\n"


def _task() -> EditTask:
    return file_tasks("geo.py", OLD, NEW)[0][0]


def test_the_region_of_a_prediction_and_its_scores() -> None:
    task = _task()
    assert score(task, task.before) == {"changed": False, "exact": False,
                                       "similarity": score(task, task.before)["similarity"]}
    assert 0.8 < score(task, task.before)["similarity"] < 1
    right = score(task, NEW)
    assert right["exact"] is True and right["similarity"] == 1.0
    longer = NEW.replace("return width * h\n", "return width * h\n    # done\n")
    assert predicted_region(task, longer).endswith("    # done\n\n\n")  # a line more, the same tail
    assert score(task, longer)["exact"] is False
    outside = NEW.replace("import math", "import maths")  # a change above the region
    assert score(task, outside)["changed"] is True and score(task, outside)["exact"] is True


def test_silence_at_a_no_edit_place() -> None:
    old = "".join(f"x{i} = {i}\n" for i in range(40))
    [place] = file_tasks("nums.py", old, old.replace("x5 = 5", "x5 = 50"))[1]
    assert score(place, place.before) == {"changed": False, "silent": True}
    assert score(place, place.before.replace("x10 = 10", "x10 = 11")) == {"changed": True, "silent": False}


def _record(split: str, kind: str, exact: bool, latency: float, changed: bool = True) -> dict[str, object]:
    result = ({"changed": changed, "exact": exact, "similarity": 1.0 if exact else 0.5} if kind == "edit"
              else {"changed": changed, "silent": not changed})
    return {"split": split, "kind": kind,
            "results": {"hushcode": {**result, "latency_ms": latency}, "nothing": dict(result),
                        "substitution": dict(result)}}


def test_the_figures_of_a_split() -> None:
    records = [_record("dev", "edit", True, 100), _record("dev", "edit", False, 300),
               _record("dev", "no-edit", False, 200, changed=False), _record("dev", "no-edit", False, 400),
               _record("test", "edit", True, 50)]
    dev = figures([r for r in records if r["split"] == "dev"], "hushcode")
    assert dev["edit_tasks"] == 2 and dev["exact"] == 1 and dev["exact_rate"] == 0.5
    assert dev["similarity"] == 0.75 and dev["suggested_on_edit_tasks"] == 2
    assert dev["no_edit_places"] == 2 and dev["silent"] == 1 and dev["silent_rate"] == 0.5
    assert dev["latency_p50_ms"] == 250 and dev["latency_p90_ms"] == pytest.approx(370)
    assert figures(records, "nothing")["latency_p50_ms"] is None  # the baselines are not timed
    summary = summarize(records, ["dev", "test"])
    assert summary["test"]["hushcode"]["no_edit_places"] == 0 and summary["test"]["hushcode"]["silent_rate"] is None
    table = format_table(summary)
    assert "dev    hushcode" in table and "1 (50.0%)" in table and "370" in table


def test_the_confidence_curve_counts_hidden_model_edits_as_silence() -> None:
    nothing_edit = {"changed": False, "exact": False, "similarity": 0.8}
    records = [
        # a model edit at 40%: wrong; a model edit at 95%: exact; an edit the server made itself
        {"split": "dev", "kind": "edit", "results": {
            "hushcode": {"changed": True, "exact": False, "similarity": 0.5, "server_confidence": 40.0},
            "nothing": nothing_edit}},
        {"split": "dev", "kind": "edit", "results": {
            "hushcode": {"changed": True, "exact": True, "similarity": 1.0, "server_confidence": 95.0},
            "nothing": nothing_edit}},
        {"split": "dev", "kind": "edit", "results": {
            "hushcode": {"changed": True, "exact": True, "similarity": 1.0, "server_confidence": None},
            "nothing": nothing_edit}},
        # a no-edit place where the model wrote an edit at 60%
        {"split": "dev", "kind": "no-edit", "results": {
            "hushcode": {"changed": True, "silent": False, "server_confidence": 60.0},
            "nothing": {"changed": False, "silent": True}}},
    ]
    curve = {c["threshold"]: c for c in confidence_curve(records, (0, 50, 70, 99))}
    assert (curve[0]["exact"], curve[0]["suggested_on_edit_tasks"], curve[0]["silent"]) == (2, 3, 0)
    assert curve[0]["similarity"] == round((0.5 + 1 + 1) / 3, 4)
    assert (curve[50]["exact"], curve[50]["suggested_on_edit_tasks"], curve[50]["silent"]) == (2, 2, 0)
    assert curve[50]["similarity"] == round((0.8 + 1 + 1) / 3, 4)
    assert (curve[70]["silent"], curve[70]["silent_rate"]) == (1, 1.0)
    assert (curve[99]["exact"], curve[99]["suggested_on_edit_tasks"]) == (1, 1)  # the server's own edit stays
    table = format_curve({"dev": list(curve.values())})
    assert "min confidence" in table and any(row.split()[:2] == ["dev", "70%"] for row in table.splitlines())


def test_the_servers_log_line_gives_its_result_time_and_confidence() -> None:
    log = ("... next_edit req=n1 doc=a.py result=empty edits=0 total_ms=12.5 prompt=3\n"
           "... next_edit req=n2 doc=a.py result=ok edits=1 total_ms=40.0 prompt=9 stop=stop confidence=87.5 min_lp=-1.20\n")
    assert server_fields(log) == {"server_result": "ok", "server_ms": 40.0, "server_confidence": 87.5}
    assert server_fields(log.splitlines()[0])["server_confidence"] is None
    assert server_fields("")["server_result"] is None
