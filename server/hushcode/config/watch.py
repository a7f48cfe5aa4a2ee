"""Watch the settings files (the user file and each folder's project files) for live reload.

A small watchdog observer of its own: it watches only the folders that hold those files, not
recursively, so it costs one watch per folder whatever the size of the workspace. A file that
does not exist yet is watched through its nearest existing folder, so creating it (or its
folder) is seen too. Changes are debounced (an editor's save can be several events) and then
`on_change` is called from a thread of ours; the caller re-reads and compares.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

log = logging.getLogger(__name__)

# "opened" and "closed_no_write" come from reading the files: reacting to them would loop.
_CHANGES = {"created", "modified", "deleted", "moved", "closed"}


class ConfigWatcher:
    """`watch(files)` (again whenever the set changes), then `stop()`."""

    def __init__(self, on_change: Callable[[], None], debounce_s: float = 0.2,
                 observer_factory: Callable[[], BaseObserver] = Observer) -> None:
        self.on_change = on_change
        self.debounce_s = debounce_s
        self._observer_factory = observer_factory
        self._observer: BaseObserver | None = None
        self._files: frozenset[Path] = frozenset()
        self._watches: dict[Path, ObservedWatch] = {}
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._handler = _Handler(self)

    def watch(self, files: Iterable[Path]) -> None:
        """Watch exactly these files (by their folders)."""
        files = frozenset(Path(f).absolute() for f in files)
        folders = {_existing_folder(f) for f in files}
        with self._lock:
            self._files = files
            if self._observer is None:
                self._observer = self._observer_factory()
                self._observer.daemon = True
                self._observer.start()
            for folder in [f for f in self._watches if f not in folders]:
                self._observer.unschedule(self._watches.pop(folder))
            for folder in sorted(folders - set(self._watches)):
                try:
                    self._watches[folder] = self._observer.schedule(self._handler, str(folder), recursive=False)
                except OSError as exc:  # e.g. inotify limits: settings then change on restart only
                    log.warning("cannot watch %s for settings changes (%s)", folder, exc)

    def stop(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            observer, self._observer = self._observer, None
            self._watches.clear()
        if observer is not None:
            observer.stop()
            observer.join(2)

    def concerns(self, path: Path) -> bool:
        """A watched file, or a folder on the way to one that does not exist yet."""
        return any(path == f or path in f.parents for f in self._files)

    def changed(self) -> None:
        """Called for each relevant event: (re)start the quiet-time timer."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.debounce_s, self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        try:
            self.on_change()
        except Exception:  # a failing reload must not end the watcher
            log.exception("reloading settings failed")


def _existing_folder(file: Path) -> Path:
    folder = file.parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    return folder


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: ConfigWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGES or (event.is_directory and event.event_type == "modified"):
            return  # a folder's "modified" only means that some entry in it changed
        paths = [event.src_path, getattr(event, "dest_path", "")]
        if any(p and self.watcher.concerns(Path(str(p))) for p in paths):
            self.watcher.changed()
