"""The workspace as context for completions: the index, kept current, and retrieval.

This is the server side of `workspace/`: it owns the index and its watcher, runs the first
pass in a background thread at low CPU priority (indexing never delays a completion), feeds
open documents and edits to the index, and keeps per-document *rings* of retrieved snippets
that change only when the user switches files or pauses, never per keystroke, so the KV cache
holding them stays warm.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from hushcode.workspace.cache import default_cache_dir
from hushcode.workspace.edits import RecentEdits
from hushcode.workspace.ignore import DEFAULT_SETTINGS, IgnoreSettings
from hushcode.workspace.index import WorkspaceIndex, to_path
from hushcode.workspace.retrieval import retrieve
from hushcode.workspace.snippet import Snippet
from hushcode.workspace.watcher import WorkspaceWatcher

log = logging.getLogger("hushcode.workspace")

MAX_FILES_ENV = "HUSHCODE_INDEX_MAX_FILES"
PAUSE_S = 1.5  # a request after this long a pause may refresh the ring


def _ignore_settings() -> IgnoreSettings:
    """The index's limits; ``HUSHCODE_INDEX_MAX_FILES`` changes how many files it holds."""
    value = os.environ.get(MAX_FILES_ENV, "").strip()
    if value.isdigit() and int(value) > 0:
        return dataclasses.replace(DEFAULT_SETTINGS, max_files=int(value))
    if value:
        log.warning("%s=%r is not a positive whole number; using %d", MAX_FILES_ENV, value, DEFAULT_SETTINGS.max_files)
    return DEFAULT_SETTINGS


@dataclass
class _Ring:
    snippets: list[Snippet]
    line: int


class WorkspaceContext:
    """Index, watcher, recent edits and snippet rings for one server."""

    def __init__(self, roots: list[Path], cache_dir: Path | None = None) -> None:
        self.index = WorkspaceIndex(roots, cache_dir if cache_dir is not None else default_cache_dir(),
                                    _ignore_settings())
        self.edits = RecentEdits()
        self.watcher: WorkspaceWatcher | None = None
        self.ready = False
        self.files_indexed = 0
        self.truncated = False  # the workspace has more files than the index holds
        self._rings: dict[str, _Ring] = {}
        self._last_uri: str | None = None
        self._last_request = 0.0
        # the first pass runs niced on this thread; the priority cannot be raised back, so it is
        # its own thread, never one of the shared pool that retrieval uses
        self._indexer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hushcode-index")
        self._pending: dict[str, str] = {}  # typed-in buffers not yet re-parsed (debounced)
        self._flush: dict[str, asyncio.TimerHandle] = {}

    async def start(self, progress: Callable[[int, int], None]) -> None:
        """The first pass (in a thread of its own, niced: indexing leaves the cores to the model),
        then the watcher."""
        started = time.perf_counter()
        stats = await asyncio.get_running_loop().run_in_executor(self._indexer, self.index.build, progress, None, 10)
        self.files_indexed = stats.files
        self.truncated = stats.truncated
        self.ready = True
        log.info("indexed %d files (%d parsed, %d from cache) in %.1f s", stats.files, stats.parsed, stats.reused,
                 time.perf_counter() - started)
        self.watcher = WorkspaceWatcher(self.index)
        self.watcher.start()

    def stop(self) -> None:
        self.index.close()
        self._indexer.shutdown(wait=False)
        if self.watcher is not None:
            self.watcher.stop()

    def opened(self, uri: str, text: str) -> None:
        self.index.set_open_document(uri, text)

    def changed(self, uri: str, new_text: str) -> None:
        """A keystroke: re-parse the buffer once typing pauses (300 ms), off the event loop."""
        self._pending[uri] = new_text
        loop = asyncio.get_running_loop()
        if (handle := self._flush.pop(uri, None)) is not None:
            handle.cancel()
        self._flush[uri] = loop.call_later(0.3, lambda: asyncio.ensure_future(self._apply(uri)))

    async def _apply(self, uri: str) -> None:
        self._flush.pop(uri, None)
        text = self._pending.pop(uri, None)
        if text is not None:
            await asyncio.to_thread(self._set_buffer, uri, text)

    def _set_buffer(self, uri: str, new_text: str) -> None:
        old_text = self.index.open_documents().get(to_path(uri))
        self.index.set_open_document(uri, new_text)
        if old_text is not None:
            self.edits.record_full(uri, old_text, new_text)

    def closed(self, uri: str) -> None:
        if (handle := self._flush.pop(uri, None)) is not None:
            handle.cancel()
        self._pending.pop(uri, None)
        self.index.close_document(uri)
        self._rings.pop(uri, None)

    def add_root(self, root: Path) -> None:
        self.index.add_root(root)
        if self.watcher is not None:
            self.watcher.sync_roots()

    def remove_root(self, root: Path) -> None:
        self.index.remove_root(root)
        if self.watcher is not None:
            self.watcher.sync_roots()

    def relative_path(self, uri: str) -> str | None:
        path = to_path(uri)
        return self.index.relative(path) if self.index.root_of(path) is not None else None

    async def snippets(self, uri: str, text: str, offset: int, local_window: tuple[int, int],
                       budget_chars: int) -> list[Snippet]:
        """The ring for this document: refreshed on a file switch, after a pause, or when the
        cursor moved far; otherwise the same snippets as last time."""
        now = time.monotonic()
        line = text.count("\n", 0, offset)
        ring = self._rings.get(uri)
        refresh = (ring is None or uri != self._last_uri or now - self._last_request > PAUSE_S
                   or abs(line - ring.line) > 40)
        self._last_uri, self._last_request = uri, now
        if not refresh and ring is not None:
            return ring.snippets
        found = await asyncio.to_thread(retrieve, self.index, uri, text, offset, budget_chars, local_window,
                                        self.edits.regions())
        self._rings[uri] = _Ring(found, line)
        return found
