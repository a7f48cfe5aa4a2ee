"""The index's entries, its symbol table and the open buffers, behind one lock.

Readers (the event loop, retrieval) and writers (the first pass, the watcher) run in different
threads. Writers parse outside the lock and only swap entries in under it, so a read never waits
for a parse.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from .outline import Definition, Outline


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: Path
    root: Path | None  # None: an open document outside every workspace folder
    language: str
    mtime_ns: int  # -1 for an open document: its text is the buffer's, not the disk's
    size: int
    outline: Outline


def to_path(uri_or_path: str | Path) -> Path:
    """A `file://` URI or a path, as an absolute path."""
    text = str(uri_or_path)
    if text.startswith("file:"):
        text = unquote(urlparse(text).path)
    return Path(os.path.abspath(text))


class EntryStore:
    """Outlines by path, definitions by name, and the editor's buffers by path."""

    def __init__(self, max_files: int = 1 << 62) -> None:
        self.max_files = max_files
        self._lock = threading.RLock()
        self._files: dict[Path, FileEntry] = {}
        self._symbols: dict[str, dict[Path, tuple[Definition, ...]]] = {}
        self._open: dict[Path, str] = {}

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, Path) and path in self._files

    def entry(self, uri_or_path: str | Path) -> FileEntry | None:
        return self._files.get(to_path(uri_or_path))

    def outline_of(self, path: Path) -> Outline | None:
        entry = self._files.get(path)
        return entry.outline if entry is not None else None

    def files(self) -> list[Path]:
        with self._lock:
            return sorted(self._files)

    def files_in(self, folder: Path) -> list[Path]:
        """The indexed files directly in `folder` (not in its subfolders), in no set order."""
        with self._lock:
            return [p for p in self._files if p.parent == folder]

    def definitions(self, name: str) -> list[tuple[Path, Definition]]:
        """Every definition of `name` in the workspace, in a stable order (by path, then line)."""
        with self._lock:
            per_file = list(self._symbols.get(name, {}).items())
        return sorted(((p, d) for p, defs in per_file for d in defs), key=lambda x: (x[0], x[1].start_byte))

    def open_documents(self) -> dict[Path, str]:
        with self._lock:
            return dict(self._open)

    def _put(self, entry: FileEntry) -> bool:
        """Swap in an entry read from disk, unless the document is open (its buffer wins) or the
        index is full (`max_files`: files created later in a huge tree are left out)."""
        with self._lock:
            if entry.path in self._open:
                return False
            if entry.path not in self._files and len(self._files) >= self.max_files:
                return False
            self._swap(entry.path, entry)
        return True

    def _swap(self, path: Path, entry: FileEntry) -> None:
        with self._lock:
            self._unindex_symbols(path)
            self._files[path] = entry
            for d in entry.outline.definitions:
                per_file = self._symbols.setdefault(d.name, {})
                per_file[path] = (*per_file.get(path, ()), d)

    def _drop(self, path: Path) -> bool:
        with self._lock:
            if path not in self._files:
                return False
            self._unindex_symbols(path)
            del self._files[path]
        return True

    def _unindex_symbols(self, path: Path) -> None:
        """Remove a file's names from the symbol table (only its own names: no full sweep)."""
        old = self._files.get(path)
        if old is None:
            return
        for name in {d.name for d in old.outline.definitions}:
            per_file = self._symbols.get(name)
            if per_file is not None:
                per_file.pop(path, None)
                if not per_file:
                    del self._symbols[name]
