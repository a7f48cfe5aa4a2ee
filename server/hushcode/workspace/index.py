"""The workspace index: the outline of every source file in the workspace folders.

Memory stays bounded: an entry is an outline plus the file's mtime and size, never a tree or
the file's text (only open documents keep their text, as the editor's buffer).

Threads: the first pass (`build`) and the updates run in worker threads, while the event loop
reads. Parsing happens outside the lock; the lock only guards swapping entries in and out, so a
read never waits for a parse.

The layers: store.py holds the entries and the symbol table behind the lock, scan.py says which
files the folders hold, cache.py keeps the entries on disk; this module puts them together.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from . import cache
from .ignore import DEFAULT_SETTINGS, IgnoreRules, IgnoreSettings, content_skip_reason, language_of
from .outline import outline
from .scan import BuildStats, Found, Progress, Reporter, lower_priority, walk, walk_folders
from .store import EntryStore, FileEntry, to_path

log = logging.getLogger("hushcode.workspace")

__all__ = ["BuildStats", "FileEntry", "Progress", "WorkspaceIndex", "to_path"]


class WorkspaceIndex(EntryStore):
    """Outlines of the workspace's files, a symbol table, and the open documents' buffers."""

    def __init__(self, roots: Sequence[Path], cache_dir: Path | None = None,
                 settings: IgnoreSettings = DEFAULT_SETTINGS) -> None:
        self.cache_dir = cache_dir
        self.settings = settings
        self.parses = 0  # files parsed so far (the persistence test counts them)
        super().__init__(settings.max_files)
        self._rules: dict[Path, IgnoreRules] = {}
        self._stop = threading.Event()
        self._unsaved: set[Path] = set()  # folders whose cache could not be written (warned once)
        for root in roots:
            self._rules[Path(root).resolve()] = IgnoreRules(Path(root).resolve(), settings)

    # ---- reads (any thread) ----------------------------------------------------------------

    @property
    def roots(self) -> tuple[Path, ...]:
        with self._lock:
            return tuple(self._rules)

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
        rules = self._rules.get(self.root_of(path) or Path())
        return rules is None or rules.ignored(path)

    # ---- first pass and folders ---------------------------------------------------------------

    def build(self, progress: Progress | None = None, pause: Callable[[], None] | None = None,
              nice: int = 0) -> BuildStats:
        """Walk every folder and index every file; reuse the persisted entries that are unchanged.

        `progress(done, total)` is called about every 100 ms and at the end (for `$/progress`).
        `pause()` is called between files: the server can block it while a completion runs.
        `nice` > 0 lowers this thread's CPU priority (Linux), so that indexing leaves the cores to
        the model; call it from a thread of its own, as the priority cannot be raised back."""
        lower_priority(nice)
        started = time.perf_counter()
        with self._lock:
            folders = list(self._rules.values())
        walks, truncated = walk_folders(folders, self.settings.max_files)
        total = sum(len(found) for _, found in walks)
        reporter = Reporter(progress, total)
        parsed = reused = 0
        for root, found in walks:
            p, r = self._index_found(root, root, found, reporter, pause)
            parsed, reused = parsed + p, reused + r
        reporter.finish()
        return BuildStats(total, parsed, reused, time.perf_counter() - started, truncated)

    def add_root(self, root: Path, progress: Progress | None = None) -> BuildStats:
        """A new workspace folder (`workspace/didChangeWorkspaceFolders`): index it."""
        root = Path(root).resolve()
        with self._lock:
            self._rules.setdefault(root, IgnoreRules(root, self.settings))
        started = time.perf_counter()
        found = self._walk(root, root)
        reporter = Reporter(progress, len(found))
        parsed, reused = self._index_found(root, root, found, reporter, None)
        reporter.finish()
        return BuildStats(len(found), parsed, reused, time.perf_counter() - started)

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

    def _walk(self, root: Path, top: Path) -> Found:
        """The files to index under `top` in the folder `root` (scan.walk)."""
        rules = self._rules.get(root)
        return [] if rules is None else walk(rules, top, self.roots, self.settings.max_files)

    def _index_found(self, root: Path, top: Path, found: Found, reporter: Reporter | None,
                     pause: Callable[[], None] | None) -> tuple[int, int]:
        """Index the files a walk under `top` found. A file already indexed with the same mtime
        and size, or found so in the persisted cache, is not parsed again; entries under `top`
        that the walk no longer finds (deleted, now ignored) are dropped. Returns (parsed, reused)."""
        records = cache.load(self.cache_dir, root) if self.cache_dir and top == root else {}
        cached_all = bool(records)  # a missing or stale cache must be written even if nothing parsed
        seen: set[Path] = set()
        parsed = reused = 0
        for path, stat in found:
            if self._stop.is_set():
                return parsed, reused
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
            if reporter is not None:
                reporter.step()
        with self._lock:
            stale = [p for p, e in self._files.items() if e.root == root and e.mtime_ns >= 0
                     and top in p.parents and p not in seen]
        for path in stale:
            self._drop(path)
        # Save when the cache would differ: something parsed or dropped, or a file gone since.
        if top == root and self.cache_dir is not None and (parsed or stale or records or not cached_all):
            self.save_root(root)
        return parsed, reused

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
        rules = self._rules.get(root) if root is not None else None
        if root is None or rules is None or not path.is_file() or rules.ignored(path, stat.st_size):
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
        rules = self._rules.get(root) if root is not None else None
        if root is None or rules is None or folder == root or rules.dir_ignored(folder):
            return 0
        return self._index_found(root, folder, self._walk(root, folder), None, None)[0]

    def rescan(self, root: Path | None = None) -> None:
        """Re-read the ignore rules and re-check every file (a `.gitignore` changed). Unchanged
        files cost a stat, not a parse."""
        for each in [root] if root is not None else list(self.roots):
            rules = self._rules.get(each)
            if rules is not None:
                rules.forget()
                self._index_found(each, each, self._walk(each, each), None, None)

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
        except OSError as exc:  # a read-only or full cache directory costs a slower restart, nothing more
            if root not in self._unsaved:
                self._unsaved.add(root)
                log.warning("cannot save the index of %s in %s (%s): the next start parses it again",
                            root, self.cache_dir, exc.strerror or exc)

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

