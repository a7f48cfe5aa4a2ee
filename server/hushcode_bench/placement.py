"""Where the cursor stands at a hole that starts a line: after its indentation, or at column 0.

A `line` (or `block`) hole leaves an empty line. An auto-indenting editor puts the cursor after
the indentation (``indent``, the bench's historical placement); but formatters strip the
whitespace of blank lines, so users also meet that line with the cursor at **column 0**
(``column0``). At column 0 the hole removes the indentation as well: the cursor is at the line's
start, the expected text includes the indentation, and the suggestion is inserted at column 0, so
pass@1 tests the file as the user would have it.

A column-0 task is a task of its own kind, the base kind with ``@0`` (``line@0``, ``block@0``):
it gets its own rows in every table, its own id, and a task file stores it as it is. Both
placements of a hole are derived from each other, so a task file of either placement
reproduces the other on the same holes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from hushcode_bench.holes import Task

INDENT, COLUMN0 = "indent", "column0"
PLACEMENTS = (INDENT, COLUMN0)
CHOICES = {INDENT: (INDENT,), COLUMN0: (COLUMN0,), "both": PLACEMENTS}
AT_COLUMN0 = "@0"
PLACED = ("line", "block")  # the kinds whose cursor stands at a line's indentation


def base_kind(kind: str) -> str:
    """`line` for `line@0`: the kind that says how a hole is cut and scored."""
    return kind.removesuffix(AT_COLUMN0)


def kind_at(kind: str, placement: str) -> str:
    """The kind of `kind`'s holes with the cursor at `placement` (a rest hole has one placement)."""
    base = base_kind(kind)
    return base + AT_COLUMN0 if placement == COLUMN0 and base in PLACED else base


def row_kinds(kinds: Sequence[str], placements: Sequence[str]) -> tuple[str, ...]:
    """The kinds of the rows: each kind at each placement it has, in order (`line`, `line@0`, ...)."""
    return tuple(dict.fromkeys(kind_at(kind, p) for kind in kinds for p in placements))


def _indentation(text: str, start: int, end: int) -> tuple[int, int]:
    """(start of the line holding `start`, end of its indentation, at most `end`)."""
    line_start = text.rfind("\n", 0, start) + 1
    stripped = text[line_start:end].lstrip(" \t")
    return line_start, end - len(stripped)


def place(task: Task, text: str, placement: str) -> Task:
    """`task` (either placement) with the cursor at `placement`; `text` is its file's original text."""
    kind = kind_at(task.kind, placement)
    if kind == task.kind:
        return task
    line_start, indented = _indentation(text, task.start, task.end)
    start = line_start if placement == COLUMN0 else indented
    column = start - line_start
    return dataclasses.replace(
        task,
        id=f"{kind}:{task.path}:{task.line + 1}:{column + 1}",
        kind=kind,
        start=start,
        expected=text[start : task.end],
        column=column,
    )


def placed(tasks: Iterable[Task], texts: dict[str, str], kinds: Sequence[str], placements: Sequence[str]) -> list[Task]:
    """The tasks of `kinds` at each of `placements`, grouped by row kind (as `row_kinds`), each
    group in its original order; a task file of one placement gives the other on the same holes."""
    wanted = row_kinds(kinds, placements)
    found: dict[str, Task] = {}
    for task in tasks:
        if base_kind(task.kind) not in kinds:
            continue
        for placement in placements:
            moved = place(task, texts[task.path], placement)
            found.setdefault(moved.id, moved)
    return [t for kind in wanted for t in found.values() if t.kind == kind]


def indented(task: Task, text: str) -> bool:
    """Does the hole's line start with whitespace in the original file (inside a body, it does)?"""
    line_start = text.rfind("\n", 0, task.start) + 1
    return text[line_start : line_start + 1] in (" ", "\t")


def writes_column0(shown: str, column: int) -> bool:
    """Does the shown text put code at column 0: its first line when the cursor is at column 0, or
    any later line, starting with something other than whitespace?"""
    lines = shown.split("\n")
    at_zero = lines if column == 0 else lines[1:]
    return any(line.strip() and line[0] not in " \t" for line in at_zero)

