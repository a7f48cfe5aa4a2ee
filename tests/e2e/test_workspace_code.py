"""Opening a folder never runs its code (docs/security.md, "Your code is never run").

Editors start `hushcode serve` with the workspace as the working directory. A workspace holding
files named like standard modules (`types.py`, `json.py`, a `ctypes/` package) or a
`sitecustomize.py` used to shadow the standard library in the engine (`python -m` puts the working
directory first on the import path): the engine died on every start, after running the folder's
code. Each file here writes a marker file when imported; after a real completion, none exists.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hushcode.isolation import python_command
from tests.e2e import lsp


def runpy_imports() -> set[str]:
    """What this Python imports itself while loading `runpy`, before any `-m` module runs (`types`
    among them): only an isolated interpreter (`python -I -m hushcode`) keeps those out."""
    code = "import sys; before = set(sys.modules); import runpy; print(*(set(sys.modules) - before))"
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return set(proc.stdout.split())

MODULES = ("types", "random", "json", "enum", "typing", "signal", "queue", "sitecustomize", "usercustomize")
PACKAGES = ("ctypes", "logging")
SAMPLE = "def add(a, b):\n    \n"


def hostile_folder(root: Path, markers: Path, skip: tuple[str, ...] = ()) -> Path:
    """A workspace whose modules each write `markers/NAME` when imported (with builtins only)."""
    root.mkdir()
    markers.mkdir()
    for name in (*MODULES, *PACKAGES):
        if name in skip:
            continue
        code = f"open({str(markers / name)!r}, 'w').write('imported')\n"
        target = root / name / "__init__.py" if name in PACKAGES else root / f"{name}.py"
        target.parent.mkdir(exist_ok=True)
        target.write_text(code, encoding="utf-8")
    (root / "startup.py").write_text(f"open({str(markers / 'startup')!r}, 'w').write('x')\n", encoding="utf-8")
    (root / "sample.py").write_text(SAMPLE, encoding="utf-8")
    return root


def imported(markers: Path) -> list[str]:
    return sorted(p.name for p in markers.iterdir())


def console_script() -> str:
    script = Path(sys.executable).with_name("hushcode")
    if not script.exists():
        pytest.fail(f"the hushcode command is not installed next to {sys.executable} (scripts/setup.sh makes it)")
    return str(script)


async def complete_in(folder: Path, command: list[str], env: dict[str, str] | None = None) -> str:
    """Start the server as an editor does (working directory: the workspace), complete once."""
    session = lsp.Session({"HUSHCODE_COMPLETION_DEBOUNCE_MS": "0", **(env or {})},
                          command=[*lsp.NO_NETWORK, "env", "-C", str(folder), *command])
    session.root = folder
    async with session as client:
        status = await lsp.wait_for_state(client, {"ready", "error"}, timeout=120)
        assert status["state"] == "ready", status
        uri = (folder / "sample.py").as_uri()
        lsp.open_document(client, uri, SAMPLE)
        result = await lsp.inline(client, uri, 1, 4)
        assert result is not None and result.items, await lsp.status(client)
        text = result.items[0].insert_text
        assert isinstance(text, str)
        assert lsp.error_messages(client) == []
        return text


async def test_the_hushcode_command_in_a_hostile_workspace_runs_none_of_its_code(
        model_path: Path, tmp_path: Path) -> None:
    folder = hostile_folder(tmp_path / "ws", tmp_path / "markers")
    text = await complete_in(folder, [console_script(), "serve", "--log-level", "DEBUG"],
                             {"HUSHCODE_MODEL": str(model_path), "PYTHONSTARTUP": str(folder / "startup.py")})
    assert text.strip()
    assert imported(tmp_path / "markers") == []


async def test_python_dash_I_dash_m_hushcode_with_pythonpath_on_the_workspace_runs_none_of_its_code(
        model_path: Path, tmp_path: Path) -> None:
    """The documented `python -I -m hushcode serve`, with PYTHONPATH and PYTHONSTARTUP naming the
    workspace as well: neither the server nor its engine imports from it."""
    folder = hostile_folder(tmp_path / "ws", tmp_path / "markers")
    env = {"HUSHCODE_MODEL": str(model_path), "PYTHONPATH": str(folder), "PYTHONSTARTUP": str(folder / "startup.py")}
    text = await complete_in(folder, [sys.executable, "-I", "-m", "hushcode", "serve", "--log-level", "DEBUG"], env)
    assert text.strip()
    assert imported(tmp_path / "markers") == []


async def test_plain_python_dash_m_hushcode_imports_nothing_more_from_the_workspace(
        model_path: Path, tmp_path: Path) -> None:
    """Plain `python -m hushcode serve`: Python itself imports `types` (and the rest of
    `runpy_imports()`) from the working directory while loading runpy, before hushcode runs, so the
    docs give `python -I -m`. Every other name is safe: the server drops the folder from its path
    first thing, and its engine is isolated."""
    skip = tuple(runpy_imports())
    assert "types" in skip  # what the issue saw; the other hostile names stay in the folder
    folder = hostile_folder(tmp_path / "ws", tmp_path / "markers", skip=skip)
    text = await complete_in(folder, [sys.executable, "-m", "hushcode", "serve", "--log-level", "DEBUG"],
                             {"HUSHCODE_MODEL": str(model_path)})
    assert text.strip()
    assert imported(tmp_path / "markers") == []


@pytest.mark.parametrize("how", ["command", "python -I -m"])
def test_hushcode_complete_inside_a_hostile_folder_runs_none_of_its_code(
        model_path: Path, tmp_path: Path, how: str) -> None:
    folder = hostile_folder(tmp_path / "ws", tmp_path / "markers")
    argv = [console_script()] if how == "command" else [sys.executable, "-I", "-m", "hushcode"]
    env = {**os.environ, "HUSHCODE_MODEL": str(model_path), "PYTHONPATH": str(folder),
           "PYTHONSTARTUP": str(folder / "startup.py"), "HUSHCODE_COMPLETION_TIMEOUT_MS": "120000"}
    if how == "command":
        env.pop("PYTHONPATH")  # the console script starts in its own bin/ folder, but honours PYTHONPATH
    proc = subprocess.run([*lsp.NO_NETWORK, *argv, "complete", "sample.py:2:5"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip()
    assert imported(tmp_path / "markers") == []


def test_a_child_gets_no_working_directory_no_pythonpath_and_the_hushcode_in_use(tmp_path: Path) -> None:
    """What every child process of hushcode sees as its import path (`python -m hushcode.isolation`
    prints it), started from a hostile folder with PYTHONPATH on it."""
    folder = hostile_folder(tmp_path / "ws", tmp_path / "markers")
    env = {**os.environ, "PYTHONPATH": f"{folder}{os.pathsep}.", "PYTHONSTARTUP": str(folder / "startup.py")}
    proc = subprocess.run(python_command("hushcode.isolation"), cwd=folder, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    path = proc.stdout.splitlines()
    assert str(folder) not in path and "" not in path and "." not in path
    import hushcode

    assert str(Path(hushcode.__file__).resolve().parents[1]) in path
    assert imported(tmp_path / "markers") == []
