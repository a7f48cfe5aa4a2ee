"""Hole cutting: each kind's cursor and expected text, reproducibility, no mid-identifier cuts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hushcode_bench.holes import Task, cut_tasks, load_tasks, save_tasks
from hushcode_bench.languages import language_for
from hushcode_bench.sources import SourceFile

SNIPPET = '''\
import os


def read_config(path, default=None):
    """Read a config file; return `default` when it is missing."""
    if not os.path.exists(path):
        return default
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    values = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")  # trailing comment: not a line task
        values[key.strip()] = value.strip()
    return values


def one_liner(x): return x + 1


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def norm(self):
        """Euclidean norm."""
        return (self.x ** 2 + self.y ** 2) ** 0.5
'''


def source(text: str = SNIPPET, path: str = "config.py") -> SourceFile:
    spec = language_for(path)
    assert spec is not None
    return SourceFile(path, spec, text)


def all_tasks(kind: str, src: SourceFile | None = None, seed: int = 0) -> list[Task]:
    return cut_tasks([src or source()], [kind], limit=1000, seed=seed)


def cursor_line(task: Task, text: str = SNIPPET) -> tuple[str, str]:
    """(text before the cursor on its line, text after it) in the holed document."""
    doc = task.document(text)
    start = doc.rfind("\n", 0, task.start) + 1
    end = doc.find("\n", task.start)
    return doc[start : task.start], doc[task.start : end if end != -1 else len(doc)]


def test_line_tasks_remove_one_whole_statement_and_keep_its_indentation() -> None:
    tasks = all_tasks("line")
    expected = {t.expected for t in tasks}
    assert "return default" in expected
    assert "text = handle.read()" in expected
    assert "self.x = x" in expected
    assert "values[key.strip()] = value.strip()" in expected
    assert not any(
        "Read a config" in e or "Euclidean" in e for e in expected
    )  # docstrings are not code lines
    assert not any("partition" in e for e in expected)  # a line with a trailing comment is not whole
    assert not any("one_liner" in e or e == "x + 1" for e in expected)  # not inside a body block
    for task in tasks:
        before, after = cursor_line(task)
        assert before.strip() == "" and after.strip() == ""  # the cursor stands on an empty indented line
        assert SNIPPET[task.start : task.end] == task.expected
        assert "\n" not in task.expected
        line = SNIPPET.split("\n")[task.line]
        assert line.strip() == task.expected and task.column == len(line) - len(line.lstrip())


def test_rest_tasks_cut_at_token_boundaries_to_the_end_of_the_line() -> None:
    tasks = all_tasks("rest")
    assert tasks
    for task in tasks:
        before, after = cursor_line(task)
        assert after == ""  # the rest of the line is the hole
        assert before.strip()  # something was typed already
        assert not (re.match(r"\w", before[-1]) and re.match(r"\w", task.expected[0])), (
            task.id
        )  # no mid-identifier cut
        assert re.search(r"\w", task.expected)
        assert SNIPPET[task.start : task.end] == task.expected
        original_line = SNIPPET.split("\n")[task.line]
        assert original_line.rstrip().endswith(task.expected)
        assert (before + task.expected).strip() == original_line.strip()


def test_rest_cuts_never_land_inside_a_string() -> None:
    text = 'def f():\n    print("hello world, nice day", sep="")\n'
    cuts = set()
    for seed in range(20):
        for task in all_tasks("rest", source(text), seed=seed):
            assert task.document(text)[: task.start].count('"') % 2 == 0, task.id
            cuts.add(task.expected)
    assert len(cuts) > 2 and '"hello world, nice day", sep="")' in cuts


def test_block_tasks_are_whole_bodies_after_the_docstring() -> None:
    tasks = {t.expected.split("\n")[0]: t for t in all_tasks("block")}
    read = tasks["if not os.path.exists(path):"]
    assert read.expected.endswith("return values")
    before, after = cursor_line(read)
    assert before == "    " and after == ""  # an empty, indented first body line
    assert '"""Read a config file' in read.document(SNIPPET)  # the docstring stays
    init = tasks["self.x = x"]
    assert init.expected == "self.x = x\n        self.y = y"
    assert "return (self.x ** 2 + self.y ** 2) ** 0.5" in tasks
    assert not any("x + 1" in e for e in tasks)  # `def f(): return ...` has no body to cut


def test_block_length_limit() -> None:
    tasks = cut_tasks([source()], ["block"], limit=1000, max_block_lines=2)
    assert {t.expected.split("\n")[0] for t in tasks} == {
        "self.x = x",
        "return (self.x ** 2 + self.y ** 2) ** 0.5",
    }


def test_same_seed_same_tasks_and_a_larger_limit_only_adds() -> None:
    sources = [source(), source(SNIPPET.replace("config", "settings"), "settings.py")]
    first = cut_tasks(sources, ["line", "rest", "block"], limit=4, seed=0)
    again = cut_tasks(sources, ["line", "rest", "block"], limit=4, seed=0)
    assert first == again
    assert [t.kind for t in first].count("line") == 4
    larger = cut_tasks(sources, ["line", "rest", "block"], limit=6, seed=0)
    assert set(first) <= set(larger)
    other = cut_tasks(sources, ["line", "rest"], limit=4, seed=1)
    assert {t.id for t in other} != {t.id for t in first if t.kind != "block"}


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown task kind"):
        cut_tasks([source()], ["lines"], limit=1)


@pytest.mark.parametrize(
    ("path", "text", "body"),
    [
        (
            "a.js",
            "function add(a, b) {\n  const s = a + b;\n  return s;\n}\n",
            "const s = a + b;\n  return s;",
        ),
        ("a.ts", "class C {\n  m(x: number): number {\n    return x * 2;\n  }\n}\n", "return x * 2;"),
        (
            "a.go",
            "package p\n\nfunc Add(a, b int) int {\n\ts := a + b\n\treturn s\n}\n",
            "s := a + b\n\treturn s",
        ),
        ("a.rs", "fn add(a: i32, b: i32) -> i32 {\n    let s = a + b;\n    s\n}\n", "let s = a + b;\n    s"),
    ],
)
def test_other_languages_get_block_and_line_tasks(path: str, text: str, body: str) -> None:
    src = source(text, path)
    blocks = all_tasks("block", src)
    assert [t.expected for t in blocks] == [body]
    before, after = cursor_line(blocks[0], text)
    assert before.strip() == "" and after == ""
    lines = all_tasks("line", src)
    assert {t.expected for t in lines} == {line.strip() for line in body.split("\n")}


def test_non_ascii_offsets_are_code_points() -> None:
    text = 'def greet(name):\n    s = "héllo wörld 😀"\n    return s + name\n'
    for task in (
        all_tasks("line", source(text)) + all_tasks("rest", source(text)) + all_tasks("block", source(text))
    ):
        assert text[task.start : task.end] == task.expected


def test_task_file_round_trip(tmp_path: Path) -> None:
    tasks = cut_tasks([source()], ["line", "block"], limit=3)
    save_tasks(tmp_path / "tasks.json", tasks, {"config.py": SNIPPET}, seed=0)
    loaded, files = load_tasks(tmp_path / "tasks.json")
    assert loaded == tasks and files == {"config.py": SNIPPET}
    (tmp_path / "bad.json").write_text('{"version": 1, "tasks": [], "files": 3}')
    with pytest.raises(ValueError):
        load_tasks(tmp_path / "bad.json")
