"""Each open document's recent edits as text hunks (old text, new text, where, when): what a
next-edit suggestion learns from (nextedit/).

`workspace/edits.py` keeps which *lines* were edited, across files, for retrieval; this keeps the
*text* of the last few edits of each document. It is fed the document's text after every
`didChange` and finds the changed span itself (the common head and tail of the old and new text),
so it works the same for incremental and full-document sync. Keystrokes coalesce: a change
within `COALESCE_S` of the last hunk that touches or overlaps the text that hunk wrote merges
into it, so typing `count` over `x` is one hunk `x` -> `count`, not five.

Pure: no I/O, no clock (the caller passes the time); state changes on the event loop only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

COALESCE_S = 2.0  # changes closer than this, touching the last hunk's text, merge into it
MAX_HUNKS = 8  # per document, the newest kept
MAX_HUNK_CHARS = 4000  # a larger change (a paste, a reformat) is no edit to learn from: not kept


@dataclass(frozen=True, slots=True)
class Hunk:
    """One edit: `old` was replaced by `new`, which starts at offset `start` (on line `line`,
    0-based) of the document as it was right after the edit, or as later edits above it moved it."""

    start: int
    old: str
    new: str
    line: int
    at: float  # when the last change merged into it happened (seconds, the caller's clock)

    @property
    def end(self) -> int:
        """Where `new` ends."""
        return self.start + len(self.new)


def _common_head(a: str, b: str, limit: int) -> int:
    """The length of the longest common prefix of `a` and `b`, at most `limit`: a binary search
    over slices (compared in C), so a keystroke in a large document stays cheap."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_tail(a: str, b: str, limit: int) -> int:
    """The length of the longest common suffix of `a` and `b`, at most `limit`."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle:len(a) - low] == b[len(b) - middle:len(b) - low]:
            low = middle
        else:
            high = middle - 1
    return low


def changed_span(old: str, new: str) -> tuple[int, int, int] | None:
    """(start, old_end, new_end): `old[start:old_end]` became `new[start:new_end]`; None when the
    texts are equal. The span is the smallest one: the common head first, then the common tail of
    what is left."""
    if old == new:
        return None
    head = _common_head(old, new, min(len(old), len(new)))
    tail = _common_tail(old, new, min(len(old), len(new)) - head)
    return head, len(old) - tail, len(new) - tail


class DocumentHistory:
    """The hunks of one document, oldest first, and the text they were last measured against."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.hunks: list[Hunk] = []

    def update(self, text: str, now: float) -> None:
        """The document's text is now `text`: record the change (merged into the last hunk when
        it continues it)."""
        before, self.text = self.text, text
        span = changed_span(before, text)
        if span is None:
            return
        start, old_end, new_end = span
        last = self.hunks[-1] if self.hunks else None
        merge = last is not None and now - last.at <= COALESCE_S and start <= last.end and old_end >= last.start
        if merge and last is not None:
            self.hunks.pop()
            first, last_old_end = min(last.start, start), max(last.end, old_end)
            old = before[first:last.start] + last.old + before[last.end:last_old_end]
            new = text[first:last_old_end + (new_end - old_end)]
        else:
            first, old, new = start, before[start:old_end], text[start:new_end]
        # hunks below the change move with it
        delta = new_end - old_end
        lines = text.count("\n", start, new_end) - before.count("\n", start, old_end)
        self.hunks = [replace(h, start=h.start + delta, line=h.line + lines) if h.start >= old_end else h
                      for h in self.hunks]
        if old != new and max(len(old), len(new)) <= MAX_HUNK_CHARS:
            self.hunks.append(Hunk(first, old, new, text.count("\n", 0, first), now))
        del self.hunks[:-MAX_HUNKS]


class EditHistory:
    """The recent edits of every open document (see `DocumentHistory`)."""

    def __init__(self) -> None:
        self._documents: dict[str, DocumentHistory] = {}

    def opened(self, uri: str, text: str) -> None:
        """didOpen: the text edits are measured from; no edits yet."""
        self._documents[uri] = DocumentHistory(text)

    def changed(self, uri: str, text: str, now: float) -> None:
        """didChange: the document's text after the change, at time `now`."""
        history = self._documents.get(uri)
        if history is None:
            self._documents[uri] = DocumentHistory(text)
        else:
            history.update(text, now)

    def closed(self, uri: str) -> None:
        self._documents.pop(uri, None)

    def hunks(self, uri: str) -> tuple[Hunk, ...]:
        """The document's hunks, oldest first (a copy: hunks are immutable)."""
        history = self._documents.get(uri)
        return tuple(history.hunks) if history is not None else ()
