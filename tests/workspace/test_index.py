"""The index: first pass with progress, persistence, open documents, folders, symbols."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from hushcode.workspace import cache
from hushcode.workspace.index import WorkspaceIndex, to_path


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def project(root: Path, count: int = 5) -> None:
    write(root, {f"mod{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(count)})


def names(index: WorkspaceIndex) -> set[str]:
    return {d.name for p in index.files() for d in index.outline_of(p).definitions}  # type: ignore[union-attr]


def test_first_pass_reports_progress(tmp_path: Path) -> None:
    project(tmp_path, 12)
    calls: list[tuple[int, int]] = []
    stats = WorkspaceIndex([tmp_path]).build(progress=lambda done, total: calls.append((done, total)))
    assert stats.files == stats.parsed == 12
    assert calls[-1] == (12, 12) and all(t == 12 for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_persisted_entries_are_reused_without_parsing(tmp_path: Path) -> None:
    ws, store = tmp_path / "ws", tmp_path / "cache"
    project(ws, 6)
    first = WorkspaceIndex([ws], cache_dir=store)
    first.build()
    assert first.parses == 6
    assert not any(p.name == "index.json" for p in ws.rglob("*"))  # never inside the workspace
    assert cache.cache_file(store, ws.resolve()).is_file()

    (ws / "mod2.py").write_text("def changed(y):\n    return y\n")  # size changes too
    second = WorkspaceIndex([ws], cache_dir=store)
    stats = second.build()
    assert second.parses == 1 and (stats.parsed, stats.reused) == (1, 5)
    assert "changed" in names(second) and "f2" not in names(second)
    assert names(second) - {"changed"} == names(first) - {"f2"}


def test_a_stale_cache_version_is_ignored(tmp_path: Path) -> None:
    ws, store = tmp_path / "ws", tmp_path / "cache"
    project(ws, 3)
    WorkspaceIndex([ws], cache_dir=store).build()
    path = cache.cache_file(store, ws.resolve())
    path.write_text(path.read_text().replace(cache.cache_version(), "older"))
    again = WorkspaceIndex([ws], cache_dir=store)
    again.build()
    assert again.parses == 3
    path.write_text("{not json")
    WorkspaceIndex([ws], cache_dir=store).build()  # a corrupt cache is rebuilt, not an error


def test_open_document_wins_over_disk(tmp_path: Path) -> None:
    project(tmp_path, 2)
    index = WorkspaceIndex([tmp_path])
    index.build()
    uri = (tmp_path / "mod0.py").as_uri()
    index.set_open_document(uri, "def typed_in_editor():\n    pass\n")
    assert "typed_in_editor" in names(index) and "f0" not in names(index)
    (tmp_path / "mod0.py").write_text("def saved_on_disk():\n    pass\n")
    index.update_file(tmp_path / "mod0.py")
    assert "saved_on_disk" not in names(index)  # the buffer still wins
    assert index.text(tmp_path / "mod0.py") == "def typed_in_editor():\n    pass\n"
    index.close_document(uri)
    assert "saved_on_disk" in names(index) and "typed_in_editor" not in names(index)


def test_open_document_outside_the_folders(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    project(ws, 1)
    index = WorkspaceIndex([ws])
    index.build()
    index.set_open_document(tmp_path / "scratch.py", "def scratch():\n    pass\n")
    assert index.definitions("scratch")[0][0] == tmp_path / "scratch.py"
    index.close_document(tmp_path / "scratch.py")
    assert index.definitions("scratch") == []


def test_folders_added_and_removed(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write(a, {"one.py": "def one():\n    pass\n"})
    write(b, {"two.ts": "export function two() {}\n"})
    index = WorkspaceIndex([a])
    index.build()
    index.add_root(b)
    assert {"one", "two"} <= names(index) and index.roots == (a.resolve(), b.resolve())
    assert index.relative(b.resolve() / "two.ts") == "two.ts"
    index.remove_root(b)
    assert "two" not in names(index) and list(index.roots) == [a.resolve()]


def test_symbol_table_follows_updates(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": "def shared():\n    pass\n", "b.py": "def shared():\n    pass\n"})
    index = WorkspaceIndex([tmp_path])
    index.build()
    assert [p.name for p, _ in index.definitions("shared")] == ["a.py", "b.py"]
    (tmp_path / "a.py").write_text("def other():\n    pass\n")
    assert index.update_file(tmp_path / "a.py")
    assert [p.name for p, _ in index.definitions("shared")] == ["b.py"]
    (tmp_path / "b.py").unlink()
    assert index.update_file(tmp_path / "b.py")  # gone: removed
    assert index.definitions("shared") == [] and len(index) == 1
    assert not index.update_file(tmp_path / "a.py")  # unchanged: no parse
    os.utime(tmp_path / "a.py", ns=(1, 1))
    assert index.update_file(tmp_path / "a.py")


def test_reads_while_the_first_pass_runs(tmp_path: Path) -> None:
    project(tmp_path, 60)
    index = WorkspaceIndex([tmp_path])
    seen: list[int] = []
    errors: list[Exception] = []

    def reader() -> None:
        try:
            while not done.is_set():
                seen.append(len(index.files()))
                index.definitions("f1")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    done = threading.Event()
    thread = threading.Thread(target=reader)
    thread.start()
    index.build(pause=lambda: None)
    done.set()
    thread.join()
    assert not errors and len(index) == 60 and seen == sorted(seen)


def test_to_path_accepts_uris(tmp_path: Path) -> None:
    assert to_path((tmp_path / "a b.py").as_uri()) == tmp_path / "a b.py"
    assert to_path(str(tmp_path / "x.py")) == tmp_path / "x.py"


def test_progress_spans_every_folder_and_nested_folders_are_walked_once(tmp_path: Path) -> None:
    outer, inner = tmp_path / "outer", tmp_path / "outer" / "inner"
    write(outer, {"a.py": "def a():\n    pass\n"})
    write(inner, {"b.py": "def b():\n    pass\n", "c.py": "def c():\n    pass\n"})
    calls: list[tuple[int, int]] = []
    index = WorkspaceIndex([outer, inner])
    stats = index.build(progress=lambda done, total: calls.append((done, total)))
    assert stats.files == 3 and calls[-1] == (3, 3)
    assert index.entry(inner / "b.py").root == inner.resolve()  # type: ignore[union-attr]
    assert index.entry(outer / "a.py").root == outer.resolve()  # type: ignore[union-attr]
