"""Next-edit tasks cut from the diff of one file between two releases (pure: text in, tasks out).

A release's diff of a file, line by line (difflib), is a list of hunks. Two nearby small hunks
make an *edit task*: the first is the user's recent edit (applied to the old file, and sent to
the server as an edit so that its history holds it), the second is the edit to predict, with the
cursor at the start of its first changed line. A small hunk with no other change of the release
near a line a few lines away makes a *no-edit place*: the user made that edit and then stands
on code the release left alone, where the right answer is to suggest nothing.

Small hunks only (a few lines each): a next edit, not a rewrite. Lines are kept with their
line ends, so joining them gives the text back.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

MAX_HUNK_LINES = 4  # on either side of a hunk: larger changes are rewrites, not next edits
MAX_GAP = 30  # lines between the two hunks of a task (in the old file)
CONTEXT = 2  # lines of context on each side of the compared region
QUIET = 12  # a no-edit place has no other change of the release within this many lines
NO_EDIT_DISTANCE = (4, 8)  # how far (lines) from the first hunk a no-edit place's cursor is


@dataclass(frozen=True)
class Hunk:
    """Old lines [a0, a1) became new lines [b0, b1)."""

    a0: int
    a1: int
    b0: int
    b1: int

    @property
    def delta(self) -> int:
        """How many lines the hunk adds (negative: removes)."""
        return (self.b1 - self.b0) - (self.a1 - self.a0)


@dataclass(frozen=True)
class EditTask:
    """The file after the first hunk (`before`), the cursor in it, the region the answer is
    compared in (lines [region_start, region_end) of `before`), and the region as the release
    wrote it (`expected`). `recent` is the first hunk as an edit of the old file: lines
    [recent_start, recent_end) of the old file replaced by `recent_text`."""

    path: str
    old: str
    before: str
    recent_start: int
    recent_end: int
    recent_text: str
    cursor_line: int
    cursor_character: int
    region_start: int
    region_end: int
    expected: str
    kind: str  # "edit" or "no-edit"

    @property
    def region(self) -> str:
        """The compared region as it is before the prediction."""
        return "".join(self.before.splitlines(keepends=True)[self.region_start:self.region_end])


def hunks(old_lines: list[str], new_lines: list[str]) -> list[Hunk]:
    """The changed blocks between two versions of a file's lines, in order."""
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    return [Hunk(a0, a1, b0, b1) for tag, a0, a1, b0, b1 in matcher.get_opcodes() if tag != "equal"]


def _small(h: Hunk, old_lines: list[str], new_lines: list[str]) -> bool:
    """A few lines, and more than blank lines or whitespace (a reformat is no edit to predict)."""
    if h.a1 - h.a0 > MAX_HUNK_LINES or h.b1 - h.b0 > MAX_HUNK_LINES:
        return False
    old = "".join(old_lines[h.a0:h.a1]).split()
    new = "".join(new_lines[h.b0:h.b1]).split()
    return old != new


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _after_first(old_lines: list[str], new_lines: list[str], first: Hunk) -> list[str]:
    """The old file with the first hunk applied: what the user has after their recent edit."""
    return old_lines[:first.a0] + new_lines[first.b0:first.b1] + old_lines[first.a1:]


def _recent(path: str, old_lines: list[str], new_lines: list[str], first: Hunk) -> dict[str, object]:
    before = _after_first(old_lines, new_lines, first)
    return {"path": path, "old": "".join(old_lines), "before": "".join(before), "recent_start": first.a0,
            "recent_end": first.a1, "recent_text": "".join(new_lines[first.b0:first.b1])}


def edit_task(path: str, old_lines: list[str], new_lines: list[str], first: Hunk, second: Hunk) -> EditTask:
    """The task of predicting `second` after `first` (both hunks of one diff, `first` above)."""
    recent = _recent(path, old_lines, new_lines, first)
    before = _after_first(old_lines, new_lines, first)
    start, end = second.a0 + first.delta, second.a1 + first.delta  # the second hunk's old lines, in `before`
    after = before[:start] + new_lines[second.b0:second.b1] + before[end:]
    region_start = max(0, start - CONTEXT)
    region_end = min(len(before), end + CONTEXT)
    tail = len(before) - region_end  # lines after the region: the same in `after`
    expected = "".join(after[region_start:len(after) - tail])
    cursor_line = min(start, max(0, len(before) - 1))
    line = before[cursor_line] if before else ""
    return EditTask(**recent, cursor_line=cursor_line, cursor_character=_indent(line),  # type: ignore[arg-type]
                    region_start=region_start, region_end=region_end, expected=expected, kind="edit")


def _quiet(line: int, others: list[Hunk]) -> bool:
    """No hunk of `others` within QUIET lines of old line `line`."""
    return all(h.a1 + QUIET <= line or line + QUIET < h.a0 for h in others)


def no_edit_task(path: str, old_lines: list[str], new_lines: list[str], first: Hunk,
                 others: list[Hunk]) -> EditTask | None:
    """A place a few lines from `first` where the release changed nothing nearby (None when
    there is none): a non-blank line of `before`, the region its lines with context."""
    recent = _recent(path, old_lines, new_lines, first)
    before = _after_first(old_lines, new_lines, first)
    low, high = NO_EDIT_DISTANCE
    candidates = [first.a1 + d for d in range(low, high + 1)] + [first.a0 - d for d in range(low, high + 1)]
    for old_line in candidates:  # below the edit first, nearest first; then above
        if not 0 <= old_line < len(old_lines) or not old_lines[old_line].strip():
            continue
        if not _quiet(old_line, others):
            continue
        line = old_line + first.delta if old_line >= first.a1 else old_line
        region_start, region_end = max(0, line - CONTEXT), min(len(before), line + 1 + CONTEXT)
        region = "".join(before[region_start:region_end])
        return EditTask(**recent, cursor_line=line, cursor_character=_indent(before[line]),  # type: ignore[arg-type]
                        region_start=region_start, region_end=region_end, expected=region, kind="no-edit")
    return None


def file_tasks(path: str, old: str, new: str) -> tuple[list[EditTask], list[EditTask]]:
    """(edit tasks, no-edit places) of one file changed between two releases."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    if old_lines and not old_lines[-1].endswith("\n"):
        old_lines[-1] += "\n"  # a last line without its end would differ from the same line with one
    if new_lines and not new_lines[-1].endswith("\n"):
        new_lines[-1] += "\n"
    found = hunks(old_lines, new_lines)
    edits, quiet = [], []
    for i, first in enumerate(found):
        if not _small(first, old_lines, new_lines):
            continue
        second = found[i + 1] if i + 1 < len(found) else None
        if second is not None and second.a0 - first.a1 <= MAX_GAP and _small(second, old_lines, new_lines):
            edits.append(edit_task(path, old_lines, new_lines, first, second))
        place = no_edit_task(path, old_lines, new_lines, first, found[:i] + found[i + 1:])
        if place is not None:
            quiet.append(place)
    return edits, quiet
