"""The watcher with a real watchdog observer on a temporary folder: create, modify, rename,
delete, folders, .gitignore, and an open buffer that wins over the disk."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hushcode.workspace.index import WorkspaceIndex
from hushcode.workspace.watcher import WorkspaceWatcher

DEADLINE_S = 10.0


def eventually(check: Callable[[], bool], what: str) -> None:
    """Poll until `check()` holds; fail with `what` after the deadline."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    pytest.fail(f"not within {DEADLINE_S} s: {what}")


def names(index: WorkspaceIndex) -> set[str]:
    return {d.name for p in index.files() for d in index.outline_of(p).definitions}  # type: ignore[union-attr]


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[Path, WorkspaceIndex, list[list[Path]]]]:
    root = tmp_path.resolve()
    (root / ".gitignore").write_text("ignored/\n*.tmp.py\n")
    (root / "start.py").write_text("def start():\n    pass\n")
    index = WorkspaceIndex([root])
    index.build()
    batches: list[list[Path]] = []
    watcher = WorkspaceWatcher(index, debounce_s=0.05, on_change=batches.append)
    watcher.start()
    try:
        yield root, index, batches
    finally:
        watcher.stop()


def test_create_modify_rename_delete(watched: tuple[Path, WorkspaceIndex, list[list[Path]]]) -> None:
    root, index, _ = watched
    (root / "new.py").write_text("def created():\n    pass\n")
    eventually(lambda: "created" in names(index), "a created file is indexed")
    (root / "new.py").write_text("def modified():\n    pass\n")
    eventually(lambda: "modified" in names(index) and "created" not in names(index), "a modified file")
    (root / "new.py").rename(root / "renamed.py")
    eventually(lambda: [p.name for p, _ in index.definitions("modified")] == ["renamed.py"], "a renamed file")
    (root / "renamed.py").unlink()
    eventually(lambda: "modified" not in names(index), "a deleted file leaves the index")
    assert "start" in names(index)


def test_folders_created_moved_and_deleted(watched: tuple[Path, WorkspaceIndex, list[list[Path]]],
                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    root, index, _ = watched
    outside = tmp_path_factory.mktemp("outside")
    (outside / "pkg").mkdir()
    (outside / "pkg" / "mod.py").write_text("def moved_in():\n    pass\n")
    (outside / "pkg").rename(root / "pkg")
    eventually(lambda: "moved_in" in names(index), "a folder moved in is scanned")
    (root / "pkg").rename(root / "pkg2")
    eventually(lambda: [p.parent.name for p, _ in index.definitions("moved_in")] == ["pkg2"], "a folder renamed")
    for path in (root / "pkg2").iterdir():
        path.unlink()
    (root / "pkg2").rmdir()
    eventually(lambda: "moved_in" not in names(index), "a deleted folder leaves the index")


def test_gitignored_files_are_not_indexed(watched: tuple[Path, WorkspaceIndex, list[list[Path]]]) -> None:
    root, index, batches = watched
    (root / "ignored").mkdir()
    (root / "ignored" / "hidden.py").write_text("def hidden():\n    pass\n")
    (root / "scratch.tmp.py").write_text("def scratch():\n    pass\n")
    (root / "visible.py").write_text("def visible():\n    pass\n")
    eventually(lambda: "visible" in names(index), "the visible file is indexed")
    eventually(lambda: any(root / "ignored" / "hidden.py" in b for b in batches), "the ignored file was seen")
    eventually(lambda: any(root / "scratch.tmp.py" in b for b in batches), "the ignored file was seen")
    assert "hidden" not in names(index) and "scratch" not in names(index)
    # A .gitignore that changes re-checks the folder.
    (root / ".gitignore").write_text("ignored/\n")
    eventually(lambda: "scratch" in names(index), "un-ignored after the .gitignore changed")
    (root / ".gitignore").write_text("ignored/\nvisible.py\n")
    eventually(lambda: "visible" not in names(index), "ignored after the .gitignore changed")


def test_open_buffer_wins_over_disk_events(watched: tuple[Path, WorkspaceIndex, list[list[Path]]]) -> None:
    root, index, batches = watched
    index.set_open_document(root / "start.py", "def from_buffer():\n    pass\n")
    before = len(batches)
    (root / "start.py").write_text("def from_disk():\n    pass\n")
    eventually(lambda: any(root / "start.py" in b for b in batches[before:]), "the save was seen")
    assert "from_buffer" in names(index) and "from_disk" not in names(index)
    index.close_document(root / "start.py")
    assert "from_disk" in names(index)


def test_saves_are_debounced(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    index = WorkspaceIndex([root])
    index.build()
    batches: list[list[Path]] = []
    watcher = WorkspaceWatcher(index, debounce_s=0.3, on_change=batches.append)
    watcher.start()
    try:
        for i in range(5):
            (root / "busy.py").write_text(f"def v{i}():\n    pass\n")
        eventually(lambda: "v4" in names(index), "the last save is indexed")
        parses = index.parses
        assert sum(b.count(root / "busy.py") for b in batches) == 1 and parses == 1
    finally:
        watcher.stop()


def test_reading_files_sends_the_watcher_nothing(tmp_path: Path) -> None:
    """Programs that only read the workspace (a build, `git status`, tests importing it) must not
    keep the watcher's thread busy: the system is asked for changes only, not for opens."""
    (tmp_path / "a.py").write_text("x = 1\n")
    index = WorkspaceIndex([tmp_path], cache_dir=None)
    index.build()
    watcher = WorkspaceWatcher(index, debounce_s=0.05)
    seen: list[str] = []
    handler = watcher._handler
    original = handler.on_any_event
    handler.on_any_event = lambda event: (seen.append(event.event_type), original(event))  # type: ignore[method-assign]
    watcher.start()
    try:
        for _ in range(50):
            (tmp_path / "a.py").read_bytes()
        (tmp_path / "b.py").write_text("y = 2\n")  # a change after the reads: it arrives, and after them
        deadline = time.monotonic() + 10
        while "created" not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        watcher.stop()
    assert "created" in seen
    assert not {"opened", "closed_no_write"} & set(seen), seen
