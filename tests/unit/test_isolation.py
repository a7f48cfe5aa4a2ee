"""isolation.py: the server's own import path loses the user's folders; children's argv."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import hushcode
from hushcode import isolation

HUSHCODE_ROOT = str(Path(hushcode.__file__).resolve().parents[1])


@pytest.fixture
def saved_path() -> Iterator[list[str]]:
    saved = list(sys.path)
    yield saved
    sys.path[:] = saved


@pytest.mark.parametrize("entry", ["", ".", "{cwd}", "{cwd}/"])
def test_the_working_directory_is_dropped_however_it_is_spelled(
        saved_path: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    sys.path.insert(0, entry.format(cwd=tmp_path))
    isolation.forget_user_paths()
    assert all(os.path.realpath(p or ".") != str(tmp_path.resolve()) for p in sys.path)
    assert [p for p in saved_path if os.path.realpath(p or ".") != str(tmp_path.resolve())] == sys.path


def test_pythonpath_folders_are_dropped_but_the_one_holding_hushcode_stays(
        saved_path: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "project" / "src"
    user.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(user), "project", HUSHCODE_ROOT]))
    sys.path[1:1] = [str(user), str(tmp_path / "project"), HUSHCODE_ROOT]
    isolation.forget_user_paths()
    assert str(user) not in sys.path and str(tmp_path / "project") not in sys.path
    assert HUSHCODE_ROOT in sys.path


def test_pythonpath_folders_outside_the_workspace_stay_and_children_get_them(
        saved_path: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PYTHONPATH naming packages elsewhere (a shared venv's site-packages, as the test run as
    `nobody` uses) is how this Python finds its libraries: the engine needs it too."""
    workspace, elsewhere = tmp_path / "workspace", tmp_path / "libs"
    workspace.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(workspace)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(elsewhere), "src"]))
    sys.path[1:1] = [str(elsewhere), str(workspace / "src")]
    isolation.forget_user_paths()
    assert str(elsewhere) in sys.path and str(workspace / "src") not in sys.path
    roots = isolation.python_command("hushcode.worker.main")[4].split(os.pathsep)
    assert str(elsewhere.resolve()) in roots and not any(r.startswith(str(workspace.resolve())) for r in roots)


def test_a_child_runs_isolated_with_hushcode_given_back() -> None:
    argv = isolation.python_command("hushcode.worker.main", "--flag")
    assert argv[:3] == [sys.executable, "-I", "-c"]
    assert argv[-2:] == ["hushcode.worker.main", "--flag"]
    assert HUSHCODE_ROOT in argv[4].split(os.pathsep)
    assert Path(isolation.child_cwd()) == Path(hushcode.__file__).resolve().parent


def test_pythonpath_folders_inside_a_workspace_opened_elsewhere_are_not_given_to_children(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`hushcode doctor FOLDER` run from another folder, or an editor whose workspace is not its
    working directory: the workspace's PYTHONPATH folders stay out of the children's path."""
    here, workspace = tmp_path / "here", tmp_path / "workspace"
    here.mkdir()
    (workspace / "src").mkdir(parents=True)
    monkeypatch.chdir(here)
    monkeypatch.setenv("PYTHONPATH", str(workspace / "src"))
    monkeypatch.setattr(isolation, "_workspaces", [])
    src = str((workspace / "src").resolve())
    monkeypatch.setattr(sys, "path", [*sys.path, src])  # as Python put it there from PYTHONPATH
    roots = isolation.python_command("hushcode.worker.main")[4].split(os.pathsep)
    assert str((workspace / "src").resolve()) in roots  # nothing says it is a user's folder yet
    isolation.add_workspace(str(workspace))
    roots = isolation.python_command("hushcode.worker.main")[4].split(os.pathsep)
    assert not any(r.startswith(str(workspace.resolve())) for r in roots)
    assert src not in sys.path  # nor does this process import from it any more


def test_a_parent_in_isolated_mode_gives_children_no_pythonpath_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`python -I -m hushcode ...` ignores PYTHONPATH: a folder it names (a `numpy.py` there,
    say) is on no import path of this process, so no child gets it either."""
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setenv("PYTHONPATH", str(elsewhere))
    monkeypatch.setattr(sys, "path", [p for p in sys.path if os.path.realpath(p or ".") != str(elsewhere.resolve())])
    roots = isolation.python_command("hushcode.worker.main")[4].split(os.pathsep)
    assert str(elsewhere.resolve()) not in roots and HUSHCODE_ROOT in roots
