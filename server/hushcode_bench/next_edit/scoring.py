"""Scoring a next-edit answer (pure): apply its edits, cut the compared region, compare.

The region is compared as whole lines: the lines the release's edit covers, with context. The
text above the region and below it is the same before and after the release's edit, so the
predicted region is what lies between those two parts in the predicted file (when an edit
reached outside the region, that cut is off and the region does not match: it should not).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from hushcode_bench.next_edit.tasks import EditTask

try:  # rapidfuzz's Indel ratio when installed; difflib's ratio (the same idea, slower) otherwise
    from rapidfuzz.fuzz import ratio as _ratio

    SIMILARITY = "rapidfuzz.fuzz.ratio"

    def similarity(a: str, b: str) -> float:
        """How alike two texts are, 0 to 1."""
        return float(_ratio(a, b)) / 100
except ImportError:
    SIMILARITY = "difflib.SequenceMatcher.ratio"

    def similarity(a: str, b: str) -> float:
        """How alike two texts are, 0 to 1."""
        return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def offset_of(text: str, line: int, character: int, encoding: str) -> int:
    """The code-point offset of an LSP position (1: the line's start; 2: code units to points)."""
    lines = text.split("\n")
    line = min(max(line, 0), len(lines) - 1)
    start = sum(len(x) + 1 for x in lines[:line])
    content, units = lines[line], 0
    for i, char in enumerate(content):
        if units >= character:
            return start + i
        units += _units(char, encoding)
    return start + len(content)


def apply_edits(text: str, edits: Sequence[dict[str, Any]], encoding: str) -> str:
    """`text` with LSP text edits applied (all positions in `text`, applied last first)."""
    spans = []
    for edit in edits:
        start, end = edit["range"]["start"], edit["range"]["end"]
        spans.append((offset_of(text, start["line"], start["character"], encoding),
                      offset_of(text, end["line"], end["character"], encoding), str(edit["newText"])))
    for start, end, new in sorted(spans, key=lambda s: (s[0], s[1]), reverse=True):
        text = text[:start] + new + text[end:]
    return text


def predicted_region(task: EditTask, predicted: str) -> str:
    """The region of `predicted` (the file after the answer's edits): between the lines above the
    region and the lines below it, counted as in the task's file."""
    lines = predicted.splitlines(keepends=True)
    tail = len(task.before.splitlines(keepends=True)) - task.region_end
    return "".join(lines[task.region_start:max(task.region_start, len(lines) - tail)])


def score(task: EditTask, predicted: str) -> dict[str, Any]:
    """The figures of one answer: did it change the file, does the region match the release's,
    how alike they are; for a no-edit place, whether it stayed silent."""
    region = predicted_region(task, predicted)
    changed = predicted != task.before
    record: dict[str, Any] = {"changed": changed}
    if task.kind == "edit":
        record["exact"] = region == task.expected
        record["similarity"] = round(similarity(region, task.expected), 4)
    else:
        record["silent"] = not changed
    return record
