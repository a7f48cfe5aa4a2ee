"""Keep the index current: a watchdog observer on every workspace folder, debounced.

Events are collected by path (watchdog's thread) and handled in a thread of our own once the
folder has been quiet for `debounce_s` (or after `max_delay_s` of continuous change, so a long
`git checkout` still shows up), never on the event loop. A branch switch that rewrites 500 files
is one batch; a file saved twice is indexed once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from .ignore import language_of
from .index import WorkspaceIndex

log = logging.getLogger(__name__)

# The events asked of the system. Opens and reads are left out: every program that reads the
# workspace (a build, `git status`, a test run importing the files) would otherwise flood the
# watcher's thread with events it drops, and that thread would take a core from the model.
EVENTS = [FileCreatedEvent, FileModifiedEvent, FileClosedEvent, FileDeletedEvent, FileMovedEvent,
          DirCreatedEvent, DirDeletedEvent, DirMovedEvent]

# What an event means for the index, per path (a later event for a path replaces an earlier one).
FILE, DIR_GONE, DIR_NEW, RULES = "file", "dir-gone", "dir-new", "rules"


class WorkspaceWatcher:
    """Watches the index's folders and applies changes to it. `start()`, then `stop()`; after
    `index.add_root`/`remove_root`, call `sync_roots()`."""

    def __init__(self, index: WorkspaceIndex, debounce_s: float = 0.2, max_delay_s: float = 2.0,
                 on_change: Callable[[list[Path]], None] | None = None,
                 observer_factory: Callable[[], BaseObserver] = Observer) -> None:
        self.index = index
        self.debounce_s = debounce_s
        self.max_delay_s = max_delay_s
        self.on_change = on_change
        self.unwatched: list[Path] = []  # folders the system refused to watch (inotify limits)
        self._observer_factory = observer_factory
        self._observer: BaseObserver | None = None
        self._watches: dict[Path, ObservedWatch] = {}
        self._pending: dict[Path, str] = {}
        self._first_event = 0.0
        self._last_event = 0.0
        self._cond = threading.Condition()
        self._running = False
        self._thread: threading.Thread | None = None
        self._handler = _Handler(self)

    def start(self) -> None:
        self._observer = self._observer_factory()
        self._running = True
        self.sync_roots()
        self._observer.start()
        self._thread = threading.Thread(target=self._run, name="hushcode-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._running = False
            self._cond.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout)
        if self._thread is not None:
            self._thread.join(timeout)

    def sync_roots(self) -> None:
        """Watch exactly the index's folders."""
        if self._observer is None:
            return
        roots = set(self.index.roots)
        for root in [r for r in self._watches if r not in roots]:
            self._observer.unschedule(self._watches.pop(root))
        self.unwatched = []
        for root in sorted(roots - set(self._watches)):
            try:
                self._watches[root] = self._observer.schedule(self._handler, str(root), recursive=True,
                                                              event_filter=EVENTS)
            except OSError as exc:  # e.g. ENOSPC: fs.inotify.max_user_watches reached
                self.unwatched.append(root)
                log.warning("cannot watch %s (%s): open documents stay current, other files not", root, exc)

    def queue(self, path: Path, what: str) -> None:
        """Record a change (called from watchdog's thread, or by tests)."""
        now = time.monotonic()
        with self._cond:
            if not self._pending:
                self._first_event = now
            self._pending[path] = what
            self._last_event = now
            self._cond.notify_all()

    def flush(self) -> list[Path]:
        """Apply the pending changes now; returns the paths handled."""
        with self._cond:
            batch, self._pending = self._pending, {}
        return self._apply(batch)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._running and not self._pending:
                    self._cond.wait()
                if not self._running:
                    return
                # Wait for a quiet moment, but not forever while changes keep coming.
                now = time.monotonic()
                quiet_at = self._last_event + self.debounce_s
                deadline = self._first_event + self.max_delay_s
                if now < min(quiet_at, deadline):
                    self._cond.wait(min(quiet_at, deadline) - now)
                    continue
                batch, self._pending = self._pending, {}
            self._apply(batch)

    def _apply(self, batch: dict[Path, str]) -> list[Path]:
        done: list[Path] = []
        rules_changed = {self.index.root_of(p) for p, what in batch.items() if what == RULES}
        for root in sorted(r for r in rules_changed if r is not None):
            self._guard(self.index.rescan, root)
        for path, what in sorted(batch.items()):
            if what == DIR_GONE:
                self._guard(self.index.remove_tree, path)
            elif what == DIR_NEW:
                self._guard(self.index.scan, path)
            elif what == FILE:
                self._guard(self.index.update_file, path)
            done.append(path)
        if self.on_change is not None and done:
            self._guard(self.on_change, done)
        return done

    @staticmethod
    def _guard(action: Callable[[Path], object] | Callable[[list[Path]], object], arg: object) -> None:
        try:
            action(arg)  # type: ignore[arg-type]
        except Exception:  # one bad file must not stop the watcher
            log.exception("workspace watcher: %s failed for %s", getattr(action, "__name__", action), arg)


class _Handler(FileSystemEventHandler):
    """Turns watchdog events into queued paths, dropping what can never be indexed early (a
    `npm install` in node_modules must not flood the queue)."""

    def __init__(self, watcher: WorkspaceWatcher) -> None:
        self.watcher = watcher
        self.skip_dirs = watcher.index.settings.skip_dirs

    def on_any_event(self, event: FileSystemEvent) -> None:
        kind = event.event_type
        if kind == "moved":
            self._one(Path(str(event.src_path)), event.is_directory, "deleted")
            self._one(Path(str(event.dest_path)), event.is_directory, "created")
        elif kind in ("created", "modified", "deleted", "closed"):  # not opened, closed_no_write
            self._one(Path(str(event.src_path)), event.is_directory, kind)

    def _one(self, path: Path, is_directory: bool, kind: str) -> None:
        root = self.watcher.index.root_of(path)
        if root is None:
            return
        if path.parts[-3:] == (".git", "info", "exclude"):
            self.watcher.queue(path, RULES)
        elif any(part in self.skip_dirs for part in path.relative_to(root).parts):
            return  # (a .gitignore inside node_modules included: it must not re-check the folder)
        elif path.name == ".gitignore":
            self.watcher.queue(path, RULES)
        elif is_directory:
            # A folder's "modified" only means an entry inside changed: that entry has its own event.
            if kind in ("created", "deleted"):
                self.watcher.queue(path, DIR_NEW if kind == "created" else DIR_GONE)
        elif language_of(path) is not None:
            self.watcher.queue(path, FILE)
