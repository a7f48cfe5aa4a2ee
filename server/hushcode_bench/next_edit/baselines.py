"""The baselines every next-edit run is compared with (pure).

- `nothing`: suggest nothing. Right at every no-edit place, never right where an edit is due.
- `substitution`: repeat the last edit's text substitution at the next occurrence: the tokens the
  first hunk replaced (`w` -> `width`) are replaced at their first occurrence at or after the
  cursor, within the compared region. The cheapest "do it again" a tool could offer.
"""

from __future__ import annotations

import difflib
import re

from hushcode_bench.next_edit.tasks import EditTask

_TOKEN = re.compile(r"\w+|[^\w\s]")


def substitution(old: str, new: str) -> tuple[str, str] | None:
    """The one token substitution that turns `old` into `new` (their first differing run of
    tokens, as text), or None when the edit is no substitution (only added or removed text, or
    whitespace)."""
    a, b = list(_TOKEN.finditer(old)), list(_TOKEN.finditer(new))
    matcher = difflib.SequenceMatcher(None, [m.group() for m in a], [m.group() for m in b], autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "replace":
            return old[a[a0].start():a[a1 - 1].end()], new[b[b0].start():b[b1 - 1].end()]
    return None


def _pattern(text: str) -> re.Pattern[str]:
    """`text` as a regex of its tokens: any whitespace between them, and whole words at the ends
    (`w` must not match inside `width`)."""
    body = r"\s*".join(re.escape(token) for token in _TOKEN.findall(text))
    head = r"(?<!\w)" if text[:1].isalnum() or text[:1] == "_" else ""
    tail = r"(?!\w)" if text[-1:].isalnum() or text[-1:] == "_" else ""
    return re.compile(head + body + tail)


def first_hunk_texts(task: EditTask) -> tuple[str, str]:
    """The first hunk's old lines and new lines."""
    old_lines = task.old.splitlines(keepends=True)
    return "".join(old_lines[task.recent_start:task.recent_end]), task.recent_text


def substitute(task: EditTask) -> str:
    """The file after the substitution baseline (the file unchanged when it has nothing)."""
    found = substitution(*first_hunk_texts(task))
    if found is None:
        return task.before
    old, new = found
    lines = task.before.splitlines(keepends=True)
    region_start = sum(len(x) for x in lines[:task.region_start])
    region_end = sum(len(x) for x in lines[:task.region_end])
    cursor = sum(len(x) for x in lines[:task.cursor_line]) + task.cursor_character
    match = _pattern(old).search(task.before, max(cursor, region_start), region_end)
    if match is None:
        return task.before
    return task.before[:match.start()] + new + task.before[match.end():]
