"""The settings-file watcher (real watchdog): edits, atomic saves and new files are seen; reads are not."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hushcode.config.watch import ConfigWatcher


class Calls:
    def __init__(self) -> None:
        self.count = 0
        self.event = threading.Event()

    def __call__(self) -> None:
        self.count += 1
        self.event.set()

    def wait(self) -> bool:
        fired = self.event.wait(10)
        self.event.clear()
        return fired


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[ConfigWatcher, Calls]]:
    calls = Calls()
    watcher = ConfigWatcher(calls, debounce_s=0.05)
    yield watcher, calls
    watcher.stop()


def test_an_edit_is_seen(tmp_path: Path, watched: tuple[ConfigWatcher, Calls]) -> None:
    watcher, calls = watched
    file = tmp_path / ".hushcode.toml"
    file.write_text("[completion]\n")
    watcher.watch([file])
    file.write_text("[completion]\nenabled = false\n")
    assert calls.wait()


def test_an_atomic_save_is_seen(tmp_path: Path, watched: tuple[ConfigWatcher, Calls]) -> None:
    watcher, calls = watched
    file = tmp_path / ".hushcode.toml"
    file.write_text("")
    watcher.watch([file])
    tmp = tmp_path / ".hushcode.toml.swp"
    tmp.write_text("[completion]\n")
    os.replace(tmp, file)
    assert calls.wait()


def test_a_file_in_a_folder_that_does_not_exist_yet(tmp_path: Path, watched: tuple[ConfigWatcher, Calls]) -> None:
    watcher, calls = watched
    file = tmp_path / "xdg" / "hushcode" / "config.toml"
    watcher.watch([file])
    (tmp_path / "xdg").mkdir()
    assert calls.wait()  # the caller re-reads and calls watch() again, now one folder deeper
    watcher.watch([file])
    file.parent.mkdir()
    assert calls.wait()
    watcher.watch([file])
    file.write_text("[model]\n")
    assert calls.wait()


def test_other_files_and_reads_are_ignored(tmp_path: Path, watched: tuple[ConfigWatcher, Calls]) -> None:
    watcher, calls = watched
    file = tmp_path / ".hushcode.toml"
    file.write_text("x = 1\n")
    watcher.watch([file])
    (tmp_path / "main.py").write_text("print()\n")
    file.read_text()
    other = tmp_path / "sub"
    other.mkdir()
    assert not calls.event.wait(0.5)
    assert calls.count == 0
    file.write_text("x = 2\n")  # the watcher still works
    assert calls.wait()


def test_unwatched_files_after_watch_changes(tmp_path: Path, watched: tuple[ConfigWatcher, Calls]) -> None:
    watcher, calls = watched
    a, b = tmp_path / "a" / ".hushcode.toml", tmp_path / "b" / ".hushcode.toml"
    a.parent.mkdir()
    b.parent.mkdir()
    watcher.watch([a])
    watcher.watch([b])  # a's folder was removed from the workspace
    a.write_text("x = 1\n")
    assert not calls.event.wait(0.5)
    b.write_text("x = 1\n")
    assert calls.wait()
