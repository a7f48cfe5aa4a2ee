"""benchmarks/pypi_repo.py offline: the manifest, the repository it lays out from a small sdist made
here, the `pass` holes, and a check run of that repository's tests (no network anywhere)."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import random
import subprocess
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "pypi_repo.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pypi_repo", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["pypi_repo"] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


pypi_repo = load_script()

LIBRARY = '''"""A tiny library."""


def double(x):
    """Twice x."""
    y = x * 2
    return y


def greet(name):
    if not name:
        raise ValueError("no name")  # a comment: not a hole
    return "hello " + name
'''

TEST = '''from fakelib import double, greet


def test_double():
    assert double(3) == 6


def test_greet():
    assert greet("x") == "hello x"
'''


def make_sdist(folder: Path) -> Path:
    """fakelib-1.0.tar.gz laid out like a setuptools sdist: src/ layout, tests in the package and beside it."""
    files = {"PKG-INFO": "Name: fakelib\n", "LICENSE": "MIT\n", "setup.py": "",
             "src/fakelib/__init__.py": LIBRARY, "src/fakelib/tests/__init__.py": "",
             "src/fakelib/tests/test_inner.py": TEST, "tests/test_outer.py": TEST}
    sdist = folder / "fakelib-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"fakelib-1.0/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return sdist


def write_manifest(folder: Path, sdist: Path, split: str = "dev") -> Path:
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    path = folder / "manifest.toml"
    path.write_text(f'''[[library]]
name = "fakelib"
version = "1.0"
split = "{split}"
license = "MIT"
sdist = "fakelib-1.0.tar.gz"
sha256 = "{digest}"
source = ["src/fakelib"]
tests = {{ "tests" = "tests", "src/fakelib/tests" = "inner_tests" }}
test_args = ["tests", "inner_tests"]
deselect = ["tests/test_outer.py::test_greet"]
test_deps = ["examplelib==1.0"]
timeout = 30
''')
    return path


def test_the_manifest_pins_six_libraries_or_more_split_by_repository() -> None:
    libraries = pypi_repo.load_manifest(pypi_repo.MANIFEST)
    splits = [lib.split for lib in libraries]
    assert len(libraries) >= 6 and splits.count("dev") >= 2 and splits.count("test") >= 3
    for lib in libraries:
        assert len(lib.sha256) == 64 and int(lib.sha256, 16) >= 0
        assert lib.sdist.endswith(".tar.gz") and lib.version in lib.sdist
        assert lib.source and lib.tests and lib.test_args and lib.license


def test_the_split_is_the_seeded_draw_written_in_the_manifest() -> None:
    """The split was drawn once (see the manifest's comment); a change to it would show here."""
    libraries = pypi_repo.load_manifest(pypi_repo.MANIFEST)
    first = sorted(["boltons", "cachetools", "inflection", "isodate", "more-itertools", "parse", "tabulate", "toolz"])
    random.Random(25).shuffle(first)
    assert {lib.name for lib in libraries if lib.split == "dev"} == set(first[:3])
    assert {lib.name for lib in libraries if lib.split == "test"} >= set(first[3:])


def test_a_malformed_entry_stops_with_its_name(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, make_sdist(tmp_path), split="train")
    with pytest.raises(SystemExit, match="fakelib: split must be one of"):
        pypi_repo.load_manifest(manifest)
    manifest.write_text('[[library]]\nname = "x"\n')
    with pytest.raises(SystemExit, match="'x' lacks"):
        pypi_repo.load_manifest(manifest)


def test_a_sdist_other_than_the_pinned_one_is_refused(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path)
    with pytest.raises(SystemExit, match="the manifest pins"):
        pypi_repo.verify(sdist, "0" * 64)
    pypi_repo.verify(sdist, hashlib.sha256(sdist.read_bytes()).hexdigest())


def test_the_repository_holds_the_source_and_hides_the_tests(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path)
    (lib,) = pypi_repo.load_manifest(write_manifest(tmp_path, sdist))
    out = pypi_repo.write_repo(lib, sdist, tmp_path / "dest", "/usr/bin/python3")
    assert out == tmp_path / "dest" / "fakelib"
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == [".checks/inner_tests/__init__.py", ".checks/inner_tests/test_inner.py", ".checks/pytest.ini",
                     ".checks/run.sh", ".checks/source.json", ".checks/tests/test_outer.py", "LICENSE",
                     "fakelib/__init__.py"]
    assert [p.name for p in pypi_repo.source_files(out)] == ["__init__.py"]
    run = (out / ".checks" / "run.sh").read_text()
    assert "timeout -k 5 30 \"${PYTHON:-/usr/bin/python3}\" -m pytest -x -q -p no:cacheprovider" in run
    assert ".checks/tests .checks/inner_tests --deselect=tests/test_outer.py::test_greet" in run
    meta = json.loads((out / ".checks" / "source.json").read_text())
    assert meta["split"] == "dev" and meta["sha256"] == lib.sha256 and meta["test_deps"] == ["examplelib==1.0"]
    (out / "stray.txt").write_text("")
    pypi_repo.write_repo(lib, sdist, tmp_path / "dest", "/usr/bin/python3")  # its own output is replaced
    assert not (out / "stray.txt").exists()


def test_a_folder_it_did_not_make_is_never_replaced(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path)
    (lib,) = pypi_repo.load_manifest(write_manifest(tmp_path, sdist))
    (tmp_path / "dest" / "fakelib").mkdir(parents=True)
    with pytest.raises(SystemExit, match="not made by this script"):
        pypi_repo.write_repo(lib, sdist, tmp_path / "dest", "/usr/bin/python3")


def test_holes_are_single_line_statements_of_function_bodies() -> None:
    lines = LIBRARY.splitlines()
    assert [lines[i] for i in pypi_repo.hole_lines(LIBRARY)] == ["    y = x * 2", "    return y",
                                                                 '    return "hello " + name']
    text = "def f(a):\n    if a: return 1\n    b = 1; c = 2\n    d = [\n        1]\n    return a\n"
    assert pypi_repo.hole_lines(text) == [5]


def test_pass_takes_the_line_at_its_indentation_and_keeps_its_ending() -> None:
    text = "def f(a):\r\n\tif a:\r\n\t\treturn 1\r\n\treturn 2"
    assert pypi_repo.with_pass(text, 2) == "def f(a):\r\n\tif a:\r\n\t\tpass\r\n\treturn 2"
    assert pypi_repo.with_pass(text, 3) == "def f(a):\r\n\tif a:\r\n\t\treturn 1\r\n\tpass"


def test_the_check_runs_the_tests_untouched_and_with_pass_holes(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path)
    manifest = write_manifest(tmp_path, sdist)
    done = subprocess.run([sys.executable, str(SCRIPT), "fakelib", str(tmp_path / "dest"), "--sdist", str(sdist),
                           "--manifest", str(manifest), "--check", "3"], check=False, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert "hushcode bench quality" in done.stdout and "--test-command 'sh .checks/run.sh'" in done.stdout
    assert "fakelib's tests need examplelib==1.0 (--install-deps)" in done.stderr
    (result,) = json.loads((tmp_path / "dest" / "check.json").read_text())
    # greet's outer test is deselected, but the inner copy notices its return
    assert result["passes"] and result["sampled"] == 3 and result["noticed"] == 3
    assert (tmp_path / "dest" / "fakelib" / "fakelib" / "__init__.py").read_text() == LIBRARY


def test_install_deps_asks_pip_for_the_listed_dependencies_only(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(pypi_repo.subprocess, "run", lambda cmd, check: calls.append(cmd))
    (lib,) = pypi_repo.load_manifest(write_manifest(tmp_path, make_sdist(tmp_path)))
    pypi_repo.install_deps([lib])
    assert calls == [[sys.executable, "-m", "pip", "install", "-q", "examplelib==1.0"]]
    pypi_repo.install_deps(pypi_repo.load_manifest(pypi_repo.MANIFEST))  # every suite needs pytest alone
    assert len(calls) == 1
