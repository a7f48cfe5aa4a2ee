"""The workspace index: the outline of every source file in the workspace folders.

Memory stays bounded: an entry is an outline plus the file's mtime and size, never a tree or
the file's text (only open documents keep their text, as the editor's buffer).

Threads: the first pass (`build`) and the updates run in worker threads, while the event loop
reads. Parsing happens outside the lock; the lock only guards swapping entries in and out, so a
read never waits for a parse.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from . import cache
from .ignore import DEFAULT_SETTINGS, IgnoreRules, IgnoreSettings, content_skip_reason, language_of
from .outline import Definition, Outline, outline

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: Path
    root: Path | None  # None: an open document outside every workspace folder
    language: str
    mtime_ns: int  # -1 for an open document: its text is the buffer's, not the disk's
    size: int
    outline: Outline


@dataclass(frozen=True)
class BuildStats:
    files: int
    parsed: int
    reused: int  # taken from the persisted cache (mtime and size unchanged)
    seconds: float


def to_path(uri_or_path: str | Path) -> Path:
    """A `file://` URI or a path, as an absolute path."""
    text = str(uri_or_path)
    if text.startswith("file:"):
        text = unquote(urlparse(text).path)
    return Path(os.path.abspath(text))


class WorkspaceIndex:
    """Outlines of the workspace's files, a symbol table, and the open documents' buffers."""

    def __init__(self, roots: Sequence[Path], cache_dir: Path | None = None,
                 settings: IgnoreSettings = DEFAULT_SETTINGS) -> None:
        self.cache_dir = cache_dir
        self.settings = settings
        self.parses = 0  # files parsed so far (the persistence test counts them)
        self._lock = threading.RLock()
        self._rules: dict[Path, IgnoreRules] = {}
        self._files: dict[Path, FileEntry] = {}
        self._symbols: dict[str, dict[Path, tuple[Definition, ...]]] = {}
        self._open: dict[Path, str] = {}
        self._stop = threading.Event()
        for root in roots:
            self._rules[Path(root).resolve()] = IgnoreRules(Path(root).resolve(), settings)

    # ---- reads (any thread) ----------------------------------------------------------------

    @property
    def roots(self) -> tuple[Path, ...]:
        with self._lock:
            return tuple(self._rules)

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

    def definitions(self, name: str) -> list[tuple[Path, Definition]]:
        """Every definition of `name` in the workspace, in a stable order (by path, then line)."""
        with self._lock:
            per_file = list(self._symbols.get(name, {}).items())
        return sorted(((p, d) for p, defs in per_file for d in defs), key=lambda x: (x[0], x[1].start_byte))

    def open_documents(self) -> dict[Path, str]:
        with self._lock:
            return dict(self._open)

    def text(self, path: Path) -> str | None:
        """The text of a file as the user sees it: the open buffer, else the file on disk."""
        with self._lock:
            if path in self._open:
                return self._open[path]
        try:
            if path.stat().st_size > self.settings.max_bytes:
                return None
            return path.read_text("utf-8", errors="replace")
        except OSError:
            return None

    def root_of(self, path: Path) -> Path | None:
        """The innermost workspace folder holding `path`."""
        holding = [r for r in self.roots if path == r or r in path.parents]
        return max(holding, key=lambda r: len(r.parts)) if holding else None

    def relative(self, path: Path) -> str:
        """How a path is shown in a prompt: relative to its folder, else its name."""
        root = self.root_of(path)
        return path.relative_to(root).as_posix() if root is not None else path.name

    def ignored(self, path: Path) -> bool:
        root = self.root_of(path)
        return root is None or self._rules[root].ignored(path)

    # ---- first pass and folders ---------------------------------------------------------------

    def build(self, progress: Progress | None = None, pause: Callable[[], None] | None = None,
              nice: int = 0) -> BuildStats:
        """Walk every folder and index every file; reuse the persisted entries that are unchanged.

        `progress(done, total)` is called about every 100 ms and at the end (for `$/progress`).
        `pause()` is called between files: the server can block it while a completion runs.
        `nice` > 0 lowers this thread's CPU priority (Linux), so that indexing leaves the cores to
        the model; call it from a thread of its own, as the priority cannot be raised back."""
        if nice > 0 and hasattr(os, "setpriority"):
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
            except OSError:
                pass
        started = time.perf_counter()
        totals = [0, 0, 0]
        for root in self.roots:
            files, parsed, reused = self._build_root(root, progress, pause)
            totals = [totals[0] + files, totals[1] + parsed, totals[2] + reused]
        return BuildStats(totals[0], totals[1], totals[2], time.perf_counter() - started)

    def add_root(self, root: Path, progress: Progress | None = None) -> BuildStats:
        """A new workspace folder (`workspace/didChangeWorkspaceFolders`): index it."""
        root = Path(root).resolve()
        with self._lock:
            self._rules.setdefault(root, IgnoreRules(root, self.settings))
        started = time.perf_counter()
        files, parsed, reused = self._build_root(root, progress, None)
        return BuildStats(files, parsed, reused, time.perf_counter() - started)

    def remove_root(self, root: Path) -> None:
        root = Path(root).resolve()
        self.save_root(root)
        with self._lock:
            self._rules.pop(root, None)
            gone = [p for p, e in self._files.items() if e.root == root and p not in self._open]
        for path in gone:
            self._drop(path)

    def close(self) -> None:
        """Stop a running first pass at the next file (server shutdown)."""
        self._stop.set()

    def _build_root(self, root: Path, progress: Progress | None,
                    pause: Callable[[], None] | None, start: Path | None = None) -> tuple[int, int, int]:
        """Index every file under `start` (default: the whole folder). A file already indexed
        with the same mtime and size, or found so in the persisted cache, is not parsed again;
        entries under `start` that the walk no longer finds (deleted, now ignored) are dropped."""
        rules = self._rules[root]
        top = start or root
        records = cache.load(self.cache_dir, root) if self.cache_dir and start is None else {}
        found = list(rules.walk(top))
        seen: set[Path] = set()
        last_report = 0.0
        parsed = reused = 0
        for done, (path, stat) in enumerate(found, 1):
            if self._stop.is_set():
                break
            if pause is not None:
                pause()
            seen.add(path)
            old = self._files.get(path)
            record = records.pop(path.relative_to(root).as_posix(), None)
            cached = cache.decode(record) if record is not None else None
            if old is not None and (old.mtime_ns, old.size) == (stat.st_mtime_ns, stat.st_size):
                reused += 1
            elif cached is not None and (cached.mtime_ns, cached.size) == (stat.st_mtime_ns, stat.st_size):
                self._put(FileEntry(path, root, cached.outline.language, stat.st_mtime_ns, stat.st_size,
                                    cached.outline))
                reused += 1
            elif self._index_file(path, root, stat):
                parsed += 1
            now = time.monotonic()
            if progress is not None and (now - last_report >= 0.1 or done == len(found)):
                progress(done, len(found))
                last_report = now
        if progress is not None and not found:
            progress(0, 0)
        if not self._stop.is_set():
            with self._lock:
                stale = [p for p, e in self._files.items() if e.root == root and e.mtime_ns >= 0
                         and (p == top or top in p.parents) and p not in seen]
            for path in stale:
                self._drop(path)
            if start is None:
                self.save_root(root)
        return len(found), parsed, reused

    # ---- updates (worker threads) -------------------------------------------------------------

    def update_file(self, path: Path) -> bool:
        """Re-index one file from disk after it changed; True when the index changed. An open
        document is left alone (its buffer wins); a file now ignored or gone is removed."""
        path = to_path(path)
        root = self.root_of(path)
        try:
            stat = path.stat()
        except OSError:
            return self.remove_file(path)
        if root is None or not path.is_file() or self._rules[root].ignored(path, stat.st_size):
            return self.remove_file(path)
        with self._lock:
            if path in self._open:
                return False
            old = self._files.get(path)
        if old is not None and (old.mtime_ns, old.size) == (stat.st_mtime_ns, stat.st_size):
            return False
        return self._index_file(path, root, stat) or self.remove_file(path)

    def remove_file(self, path: Path) -> bool:
        path = to_path(path)
        with self._lock:
            if path in self._open:
                return False
        return self._drop(path)

    def remove_tree(self, folder: Path) -> int:
        """A deleted or moved-away folder: drop every entry under it."""
        folder = to_path(folder)
        with self._lock:
            gone = [p for p in self._files if folder in p.parents and p not in self._open]
        return sum(self._drop(p) for p in gone)

    def scan(self, folder: Path) -> int:
        """Index a folder that appeared (created, or moved in): returns the files indexed."""
        folder = to_path(folder)
        root = self.root_of(folder)
        if root is None or folder == root or self._rules[root].dir_ignored(folder):
            return 0
        return self._build_root(root, None, None, start=folder)[1]

    def rescan(self, root: Path | None = None) -> None:
        """Re-read the ignore rules and re-check every file (a `.gitignore` changed). Unchanged
        files cost a stat, not a parse."""
        for each in [root] if root is not None else list(self.roots):
            rules = self._rules.get(each)
            if rules is not None:
                rules.forget()
                self._build_root(each, None, None, start=each)

    def set_open_document(self, uri_or_path: str | Path, text: str) -> None:
        """The editor's buffer for a document: it wins over the file on disk until closed."""
        path = to_path(uri_or_path)
        language = language_of(path)
        with self._lock:
            self._open[path] = text
        if language is None:
            return  # kept for similar-code retrieval, but there is nothing to outline
        parsed = outline(str(path), text, language)
        with self._lock:
            self.parses += 1
            if self._open.get(path) is text:  # a newer buffer may have arrived meanwhile
                self._swap(path, FileEntry(path, self.root_of(path), language, -1, len(text), parsed))

    def close_document(self, uri_or_path: str | Path) -> None:
        """The editor closed the document: the file on disk counts again (or nothing, when it
        is not a workspace file)."""
        path = to_path(uri_or_path)
        with self._lock:
            self._open.pop(path, None)
        self.update_file(path)

    # ---- persistence --------------------------------------------------------------------------

    def save(self) -> None:
        """Persist every folder's entries (the server calls this on shutdown and now and then)."""
        for root in self.roots:
            self.save_root(root)

    def save_root(self, root: Path) -> None:
        if self.cache_dir is None:
            return
        with self._lock:
            entries = {p.relative_to(root).as_posix(): cache.CachedFile(e.mtime_ns, e.size, e.outline)
                       for p, e in self._files.items() if e.root == root and e.mtime_ns >= 0}
        try:
            cache.save(self.cache_dir, root, entries)
        except OSError:
            pass  # a read-only or full cache directory costs a slower restart, nothing more

    # ---- internals ----------------------------------------------------------------------------

    def _index_file(self, path: Path, root: Path, stat: os.stat_result) -> bool:
        language = language_of(path)
        if language is None:
            return False
        try:
            data = path.read_bytes()
        except OSError:
            return False
        if content_skip_reason(data, self.settings) is not None:
            self._drop(path)
            return False
        parsed = outline(str(path), data, language)
        with self._lock:
            self.parses += 1
        return self._put(FileEntry(path, root, language, stat.st_mtime_ns, stat.st_size, parsed))

    def _put(self, entry: FileEntry) -> bool:
        """Swap in an entry read from disk, unless the document is open (its buffer wins)."""
        with self._lock:
            if entry.path in self._open:
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
