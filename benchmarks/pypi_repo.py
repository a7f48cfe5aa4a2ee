"""Make benchmark repositories from pinned PyPI sdists that ship their tests, for `hushcode bench quality`.

Issue 25 asks for completion quality measured on code no one here has seen: real libraries with
their own test suites. `benchmarks/pypi_repos.toml` pins each library (version, sdist sha256,
licence), says which of its files are the source the bench cuts holes in and which are its tests,
and puts it in the **dev** or the **test** split (failures may be read on dev only). This script
writes one repository per library:

    DEST/NAME/<the library's source>     the only Python files the bench cuts holes in
    DEST/NAME/LICENSE...                 the licence files of the sdist
    DEST/NAME/.checks/                   the tests (a hidden folder: never cut), run.sh, pytest.ini,
                                         source.json (name, version, sha256, split)

`sh .checks/run.sh` runs the library's tests against the folder's own source (PYTHONPATH is the
folder, so an installed copy of the library is shadowed) and exits non-zero when a test fails or
the time limit passes. Then:

    .venv/bin/python benchmarks/pypi_repo.py --all /work/data/pypi          # pip-downloads the sdists
    .venv/bin/python benchmarks/pypi_repo.py cachetools /tmp/pypi --sdist cachetools-8.0.3.tar.gz
    nice -n 10 .venv/bin/python benchmarks/pypi_repo.py --all /work/data/pypi --check 20
    .venv/bin/hushcode bench quality /work/data/pypi/cachetools --kinds line --limit 40 \\
        --test-timeout 70 --test-command 'sh .checks/run.sh' ...

`pip download --no-deps --no-binary :all:` is the one network access, and only because the command
was run; the sha256 of the manifest is checked before anything is extracted. The test
dependencies a suite needs beyond pytest are listed in the manifest and installed into this
interpreter's environment only with `--install-deps`. `--check N` tests that a repository works
as a benchmark: the tests pass on the untouched folder, and replacing N sampled single-line
statements of function bodies by `pass` makes them fail (the bench counts a hole only then).
Nothing here is imported by hushcode.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import random
import resource
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tokenize
import tomllib
from dataclasses import dataclass
from pathlib import Path

MANIFEST = Path(__file__).resolve().with_name("pypi_repos.toml")
SPLITS = ("dev", "test")
LICENCE_PREFIXES = ("LICENSE", "LICENCE", "COPYING", "AUTHORS")
PLAIN = '{"completion":{"promptFormat":"psm","postprocess":"off","tokenHealing":false,' \
        '"contextTokens":0,"blankLineCandidates":0}}'
COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.TryStar,
            ast.Match, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)

RUN_SH = """#!/bin/sh
# {name} {version}'s own tests against this folder's source; exits non-zero when one fails or when
# they take more than {timeout} s. Written by hushcode's benchmarks/pypi_repo.py.
cd "$(dirname "$0")/.." || exit 2
export PYTHONPATH="$PWD" PYTHONDONTWRITEBYTECODE=1 PYTEST_DISABLE_PLUGIN_AUTOLOAD=1
exec timeout -k 5 {timeout} "${{PYTHON:-{python}}}" -m pytest -x -q -p no:cacheprovider \\
  -c .checks/pytest.ini --rootdir .checks {args}
"""

PYTEST_INI = """[pytest]
# The library's own pytest settings are left out: they turn on coverage or plugins not installed here.
{extra}
"""


@dataclass(frozen=True)
class Library:
    """One manifest entry: where its source and tests are in the sdist, and how its tests run."""

    name: str
    version: str
    split: str
    license: str
    sdist: str
    sha256: str
    source: tuple[str, ...]
    tests: dict[str, str]
    test_args: tuple[str, ...]
    deselect: tuple[str, ...] = ()
    test_deps: tuple[str, ...] = ()
    pytest_ini: str = ""
    timeout: int = 60


def load_manifest(path: Path) -> list[Library]:
    """The libraries of the manifest, in its order; a malformed entry stops with its name."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    libraries = []
    for entry in data.get("library", []):
        try:
            lib = Library(name=entry["name"], version=entry["version"], split=entry["split"],
                          license=entry["license"], sdist=entry["sdist"], sha256=entry["sha256"].lower(),
                          source=tuple(entry["source"]), tests=dict(entry["tests"]),
                          test_args=tuple(entry["test_args"]), deselect=tuple(entry.get("deselect", ())),
                          test_deps=tuple(entry.get("test_deps", ())), pytest_ini=entry.get("pytest_ini", ""),
                          timeout=int(entry.get("timeout", 60)))
        except (KeyError, TypeError, ValueError) as exc:
            raise SystemExit(f"pypi_repo: {path}: entry {entry.get('name', '?')!r} lacks or mistypes {exc}")
        if lib.split not in SPLITS:
            raise SystemExit(f"pypi_repo: {path}: {lib.name}: split must be one of {SPLITS}, not {lib.split!r}")
        libraries.append(lib)
    names = [lib.name for lib in libraries]
    if len(set(names)) != len(names):
        raise SystemExit(f"pypi_repo: {path}: a library is listed twice")
    return libraries


def download_sdist(lib: Library, folder: Path) -> Path:
    """The pinned sdist, fetched by pip (never a wheel, never a dependency)."""
    spec = f"{lib.name}=={lib.version}"
    print(f"pypi_repo: pip download --no-deps --no-binary :all: {spec}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q",
                    "-d", str(folder), spec], check=True)
    if not (folder / lib.sdist).is_file():
        got = ", ".join(p.name for p in folder.iterdir()) or "nothing"
        raise SystemExit(f"pypi_repo: pip download {spec} gave {got}, not {lib.sdist}")
    return folder / lib.sdist


def verify(sdist: Path, sha256: str) -> None:
    """Stop unless the file is the one the manifest pins."""
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != sha256:
        raise SystemExit(f"pypi_repo: {sdist.name}: sha256 {digest}, the manifest pins {sha256}")


def extract(sdist: Path, folder: Path) -> Path:
    """The sdist's top folder, extracted under `folder` (tarfile's data filter: no links out, no devices)."""
    with tarfile.open(sdist) as archive:
        archive.extractall(folder, filter="data")
    tops = [p for p in folder.iterdir() if p.is_dir()]
    if len(tops) != 1:
        raise SystemExit(f"pypi_repo: {sdist.name}: expected one top folder, found {len(tops)}")
    return tops[0]


def copy_path(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    else:
        shutil.copy2(src, dst)


def source_target(path: str) -> str:
    """Where a source path of the sdist goes in the repository: a leading `src/` is dropped."""
    return path.removeprefix("src/")


def write_repo(lib: Library, sdist: Path, dest: Path, python: str) -> Path:
    """DEST/NAME laid out for the bench from a verified sdist; an earlier one made by this script is replaced."""
    out = dest / lib.name
    if out.exists():
        if not (out / ".checks" / "source.json").is_file():
            raise SystemExit(f"pypi_repo: {out} exists and was not made by this script; not touching it")
        shutil.rmtree(out)
    with tempfile.TemporaryDirectory() as tmp:
        top = extract(sdist, Path(tmp))
        for path in [*lib.source, *lib.tests]:
            if not (top / path).exists():
                raise SystemExit(f"pypi_repo: {lib.sdist} has no {path}")
        for path, target in lib.tests.items():
            copy_path(top / path, out / ".checks" / target)
            if (top / path).is_dir():  # tests inside the package must not stay among its source
                shutil.rmtree(top / path)
            else:
                (top / path).unlink()
        for path in lib.source:
            copy_path(top / path, out / source_target(path))
        for licence in sorted(top.iterdir()):
            if licence.is_file() and licence.name.upper().startswith(LICENCE_PREFIXES):
                shutil.copy2(licence, out / licence.name)
    checks = out / ".checks"
    (checks / "pytest.ini").write_text(PYTEST_INI.format(extra=lib.pytest_ini.strip()), encoding="utf-8")
    (checks / "run.sh").write_text(run_script(lib, python), encoding="utf-8")
    (checks / "run.sh").chmod(0o755)
    meta = {"name": lib.name, "version": lib.version, "split": lib.split, "license": lib.license,
            "sdist": lib.sdist, "sha256": lib.sha256, "test_deps": list(lib.test_deps)}
    (checks / "source.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return out


def run_script(lib: Library, python: str) -> str:
    args = [f".checks/{a}" for a in lib.test_args] + [f"--deselect={d}" for d in lib.deselect]
    return RUN_SH.format(name=lib.name, version=lib.version, timeout=lib.timeout, python=python,
                         args=" ".join(shlex.quote(a) for a in args))


def bench_command(lib: Library, folder: Path) -> str:
    """The `hushcode bench quality` line for this repository, with the plain baseline beside the defaults."""
    return (f"hushcode bench quality {shlex.quote(str(folder))} --kinds line --limit 40 "
            f"--test-timeout {lib.timeout + 10} --test-command 'sh .checks/run.sh' --config default='{{}}' "
            f"--config plain='{PLAIN}' --first-line plain")


def commented_lines(text: str) -> set[int]:
    """1-based numbers of the lines that hold a comment."""
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return {tok.start[0] for tok in tokens if tok.type == tokenize.COMMENT}


def hole_lines(text: str) -> list[int]:
    """0-based lines that hold one whole simple statement inside a function body, as the bench's line
    holes: not a docstring or other bare string, no comment, nothing else on the line, not `pass`."""
    tree = ast.parse(text)
    lines = text.splitlines()
    starts: dict[int, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            starts[node.lineno] = starts.get(node.lineno, 0) + 1
    comments = commented_lines(text)
    found = set()
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(func):
            if (node is func or not isinstance(node, ast.stmt) or isinstance(node, (*COMPOUND, ast.Pass))
                    or node.lineno != node.end_lineno or starts[node.lineno] != 1 or node.lineno in comments):
                continue
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str):
                continue
            line = lines[node.lineno - 1]
            if len(line) - len(line.lstrip()) == node.col_offset:
                found.add(node.lineno - 1)
    return sorted(found)


def with_pass(text: str, index: int) -> str:
    """The text with line `index` (0-based) replaced by `pass` at the same indentation and line ending."""
    lines = text.splitlines(keepends=True)
    line = lines[index]
    body = line.rstrip("\r\n")
    lines[index] = body[: len(body) - len(body.lstrip())] + "pass" + line[len(body):]
    return "".join(lines)


def source_files(folder: Path) -> list[Path]:
    """The Python files the bench may cut holes in: none under a hidden folder."""
    return sorted(p for p in folder.rglob("*.py") if not any(part.startswith(".") for part in
                                                             p.relative_to(folder).parts))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_tests(folder: Path, timeout: int) -> tuple[int, float, float]:
    """The exit status of run.sh, its wall seconds, and its CPU seconds (steadier on a shared machine)."""
    start, cpu = time.monotonic(), children_cpu()
    try:
        rc = subprocess.run(["sh", ".checks/run.sh"], check=False, cwd=folder, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, timeout=timeout + 15).returncode
    except subprocess.TimeoutExpired:
        rc = 124
    return rc, time.monotonic() - start, children_cpu() - cpu


def check(lib: Library, folder: Path, n: int, seed: int) -> dict[str, object]:
    """Whether the repository works as a benchmark: its tests pass untouched, and how many of `n`
    sampled line holes filled with `pass` they notice. Runs in a copy; the folder is never written."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / lib.name
        shutil.copytree(folder, work)
        rc, seconds, cpu = run_tests(work, lib.timeout)
        result: dict[str, object] = {"name": lib.name, "split": lib.split, "passes": rc == 0,
                                     "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2)}
        if rc != 0:
            return result
        candidates = [(path, i) for path in source_files(work) for i in hole_lines(path.read_text("utf-8"))]
        holes = sorted(random.Random(seed).sample(candidates, min(n, len(candidates))))
        noticed, missed = 0, []
        for path, i in holes:
            text = path.read_text(encoding="utf-8")
            path.write_text(with_pass(text, i), encoding="utf-8")
            rc, _, _ = run_tests(work, lib.timeout)
            path.write_text(text, encoding="utf-8")
            noticed += rc != 0
            if rc == 0:
                missed.append(f"{path.relative_to(work)}:{i + 1}: {text.splitlines()[i].strip()}")
        result.update(candidates=len(candidates), sampled=len(holes), noticed=noticed, missed=missed)
        return result


def install_deps(libraries: list[Library]) -> None:
    deps = sorted({d for lib in libraries for d in lib.test_deps})
    if deps:
        print(f"pypi_repo: pip install {' '.join(deps)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *deps], check=True)


def save_checks(path: Path, results: list[dict[str, object]]) -> None:
    """Merge this run's figures into DEST/check.json, one entry per library."""
    earlier = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    names = {r["name"] for r in results}
    merged = [r for r in earlier if r["name"] not in names] + results
    path.write_text(json.dumps(sorted(merged, key=lambda r: str(r["name"])), indent=1) + "\n", encoding="utf-8")


def build(lib: Library, dest: Path, sdist: Path | None) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        path = sdist or download_sdist(lib, Path(tmp))
        verify(path, lib.sha256)
        return write_repo(lib, path, dest, sys.executable)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", nargs="?", help="a library of the manifest (or --all)")
    parser.add_argument("dest", type=Path, help="the folder that gets one repository per library")
    parser.add_argument("--all", action="store_true", help="every library of the manifest")
    parser.add_argument("--sdist", type=Path, help="a downloaded sdist of NAME (checked against the sha256)")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--install-deps", action="store_true", help="pip install the suites' test dependencies")
    parser.add_argument("--no-build", action="store_true", help="use the repositories already in DEST")
    parser.add_argument("--check", type=int, metavar="N", help="test N sampled `pass` holes per repository")
    parser.add_argument("--seed", type=int, default=0, help="which holes --check samples")
    args = parser.parse_args()
    libraries = load_manifest(args.manifest)
    if args.all == bool(args.name) or (args.sdist and args.all):
        parser.error("give one NAME (optionally with --sdist) or --all")
    chosen = libraries if args.all else [lib for lib in libraries if lib.name == args.name]
    if not chosen:
        parser.error(f"{args.name} is not in {args.manifest}")
    if args.install_deps:
        install_deps(chosen)
    results = []
    for lib in chosen:
        folder = args.dest / lib.name if args.no_build else build(lib, args.dest, args.sdist)
        if lib.test_deps and not args.install_deps:
            print(f"# {lib.name}'s tests need {', '.join(lib.test_deps)} (--install-deps)", file=sys.stderr)
        print(f"# {lib.name} {lib.version} ({lib.split}): {folder}\n{bench_command(lib, folder)}")
        if args.check is not None:
            results.append(check(lib, folder, args.check, args.seed))
            print(json.dumps(results[-1]), flush=True)
    if results:
        save_checks(args.dest / "check.json", results)
    return 0 if all(r["passes"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
