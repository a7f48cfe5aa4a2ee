"""The regions the user edited recently, across files, for the "recent edits" context.

The server records each `textDocument/didChange` content change (its range, in the document as
it was, and the inserted text). Nearby edits merge into one region, later regions of the file
shift by the lines an edit added or removed, and only the newest `max_regions` are kept, so
memory stays small however long the session.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path

from .store import to_path


@dataclass(frozen=True, slots=True)
class EditRegion:
    path: Path
    start_line: int  # 0-based, in the document as it is now
    end_line: int  # inclusive
    seq: int  # larger is newer


class RecentEdits:
    """A bounded, thread-safe log of edited regions (recorded on the event loop, read by
    retrieval in a worker thread)."""

    def __init__(self, max_regions: int = 16, merge_lines: int = 3, max_region_lines: int = 40) -> None:
        self.max_regions = max_regions
        self.merge_lines = merge_lines
        self.max_region_lines = max_region_lines
        self._regions: list[EditRegion] = []
        self._seq = 0
        self._lock = threading.Lock()

    def record(self, uri_or_path: str | Path, start_line: int, end_line: int, new_text: str) -> None:
        """One content change: lines start_line..end_line (before the change) were replaced by
        `new_text`. A full-document change (no range) should go through `record_full`."""
        path = to_path(uri_or_path)
        new_end = start_line + new_text.count("\n")
        delta = new_end - end_line
        with self._lock:
            self._seq += 1
            shifted = [self._shift(r, path, end_line, delta) for r in self._regions]
            region = EditRegion(path, start_line, new_end, self._seq)
            kept: list[EditRegion] = []
            for r in shifted:
                if r.path == path and r.start_line - self.merge_lines <= region.end_line \
                        and region.start_line <= r.end_line + self.merge_lines:
                    region = replace(region, start_line=min(r.start_line, region.start_line),
                                     end_line=max(r.end_line, region.end_line))
                else:
                    kept.append(r)
            if region.end_line - region.start_line >= self.max_region_lines:  # keep the newest part
                region = replace(region, start_line=max(region.start_line, new_end - self.max_region_lines + 1))
            kept.append(region)
            self._regions = kept[-self.max_regions:]

    def record_full(self, uri_or_path: str | Path, old_text: str, new_text: str) -> None:
        """A full-document change: the changed lines are those between the common first and
        last lines of the old and new text."""
        old, new = old_text.split("\n"), new_text.split("\n")
        head = 0
        while head < min(len(old), len(new)) and old[head] == new[head]:
            head += 1
        tail = 0
        while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
            tail += 1
        if head == len(old) == len(new):
            return
        inserted = "\n".join(new[head:len(new) - tail])
        self.record(uri_or_path, head, max(head, len(old) - tail - 1), inserted)

    def forget(self, uri_or_path: str | Path) -> None:
        """A file was deleted: its regions mean nothing any more."""
        path = to_path(uri_or_path)
        with self._lock:
            self._regions = [r for r in self._regions if r.path != path]

    def regions(self) -> list[EditRegion]:
        """The regions, newest first."""
        with self._lock:
            return sorted(self._regions, key=lambda r: -r.seq)

    @staticmethod
    def _shift(region: EditRegion, path: Path, after_line: int, delta: int) -> EditRegion:
        if region.path != path or delta == 0 or region.start_line <= after_line:
            return region
        return replace(region, start_line=region.start_line + delta, end_line=region.end_line + delta)
