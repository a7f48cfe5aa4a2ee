"""Which files the index takes from the workspace folders, and how a long pass reports progress.

Apart from the index's state (index.py) because it answers another question: the walk decides
*which* files there are (the ignore rules, a nested workspace folder left to its own walk, one
`max_files` limit shared by all the folders) and knows nothing of entries, while the index decides
what each file found becomes (reused, parsed, dropped). A walk and its progress run in worker
threads only, never on the event loop.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .ignore import IgnoreRules

Progress = Callable[[int, int], None]  # (done, total)
Found = list[tuple[Path, os.stat_result]]  # the files a walk found, with their stat


@dataclass(frozen=True)
class BuildStats:
    """What a pass over folders did (the first pass, a folder added): for the log and the status."""

    files: int
    parsed: int
    reused: int  # taken from the persisted cache (mtime and size unchanged)
    seconds: float
    truncated: bool = False  # the folders hold more than `max_files` files: the rest are not indexed


def walk(rules: IgnoreRules, top: Path, roots: Iterable[Path], limit: int) -> Found:
    """The files to index under `top` in the folder of `rules` (at most `limit`), leaving out the
    other workspace folders among `roots` nested inside (they index their own files)."""
    nested = frozenset(r for r in roots if r != rules.root and rules.root in r.parents)
    return list(itertools.islice(rules.walk(top, skip=nested), limit))


def walk_folders(folders: Sequence[IgnoreRules], limit: int) -> tuple[list[tuple[Path, Found]], bool]:
    """Each folder's files to index, at most `limit` in all, and whether the folders hold more.
    Each walk stops at the room left: a huge tree costs no more than the limit."""
    roots = [rules.root for rules in folders]
    walks: list[tuple[Path, Found]] = []
    room, truncated = limit, False
    for rules in folders:
        found = walk(rules, rules.root, roots, room + 1)
        truncated = truncated or len(found) > room
        walks.append((rules.root, found[:room]))
        room -= len(walks[-1][1])
    return walks, truncated


def lower_priority(nice: int) -> None:
    """Lower the calling thread's CPU priority by `nice` (Linux), so that indexing leaves the
    cores to the model. It cannot be raised back: call it from a thread of its own."""
    if nice > 0 and hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        except OSError:
            pass


class Reporter:
    """Calls `progress(done, total)` at most every 100 ms, and once at the end."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0
        self.last = 0.0

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.progress is not None and now - self.last >= 0.1 and self.done < self.total:
            self.progress(self.done, self.total)
            self.last = now

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total)
