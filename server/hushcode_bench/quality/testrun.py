"""Run the repository's own tests on completed files, in a throwaway copy (pass@1).

The user's files are never touched: the repository is copied once into a temporary directory
(without .git and caches; virtual environments and node_modules are linked, not copied), and each
completed file is written into the copy, tested, and put back. Python writes no bytecode there, so
a stale .pyc can never stand in for a file that changed within the same second.

Only holes the tests notice count for pass@1: `check_tests` fills each hole with a do-nothing
statement first, and a task whose tests still pass that way is left out.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hushcode_bench.holes import Task
from hushcode_bench.languages import language_named, neutral_statement

SKIPPED = frozenset(
    {".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".bench"}
)
LINKED = frozenset({".venv", "venv", "node_modules", ".tox", ".nox", "target"})


@dataclass(frozen=True)
class SuiteOutcome:
    """One run of the test command."""

    passed: bool
    seconds: float
    timed_out: bool
    tail: str  # the last lines of its output, for the report


class SuiteRunner:
    """The test command, run in a private copy of the repository."""

    def __init__(self, root: Path, command: str, timeout: float) -> None:
        self.root = root.resolve()
        self.command = command
        self.timeout = timeout
        self._tmp = Path(tempfile.mkdtemp(prefix="hushcode-bench-"))
        self.copy = self._tmp / self.root.name
        self._cache: dict[tuple[str, str], SuiteOutcome] = {}
        self._copied = False

    def prepare(self) -> SuiteOutcome:
        """Copy the repository and run the command once on the untouched copy."""
        links: list[Path] = []

        def ignore(folder: str, names: list[str]) -> set[str]:
            linked = {n for n in names if n in LINKED and os.path.isdir(os.path.join(folder, n))}
            links.extend(Path(folder, n).relative_to(self.root) for n in linked)
            return linked | {n for n in names if n in SKIPPED}

        shutil.copytree(self.root, self.copy, symlinks=True, ignore=ignore)
        for rel in links:
            (self.copy / rel).symlink_to(self.root / rel, target_is_directory=True)
        self._copied = True
        return self._execute()

    def run_with(self, path: str, text: str) -> SuiteOutcome:
        """Run the command with `path` (relative to the root) replaced by `text`; cached by content."""
        key = (path, hashlib.sha256(text.encode("utf-8")).hexdigest())
        if key not in self._cache:
            target = self.copy / path
            if target.is_symlink() or not target.resolve().is_relative_to(self.copy.resolve()):
                # writing would go through the link into the user's files
                raise ValueError(f"{path} is a link in the repository; not testing it")
            original = target.read_bytes()
            try:
                target.write_text(text, encoding="utf-8")
                self._cache[key] = self._execute()
            finally:
                target.write_bytes(original)
        return self._cache[key]

    def _execute(self) -> SuiteOutcome:
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        started = time.perf_counter()
        # A session of its own, so that a timeout ends the whole tree the shell started.
        process = subprocess.Popen(
            self.command,
            shell=True,
            cwd=self.copy,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        timed_out = False
        try:
            output, _ = process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
        tail = "\n".join(output.decode("utf-8", "replace").rstrip().splitlines()[-5:])
        return SuiteOutcome(
            passed=process.returncode == 0 and not timed_out,
            seconds=round(time.perf_counter() - started, 2),
            timed_out=timed_out,
            tail=tail,
        )

    def close(self) -> None:
        """Remove the copy (links into the repository are removed, never followed)."""
        shutil.rmtree(self._tmp, ignore_errors=True)


def neutral_document(task: Task, text: str) -> str:
    """The file with the hole's statement replaced by a do-nothing one (`pass` in Python).

    Tests that still pass on it do not notice the hole, so it cannot tell good completions from
    bad ones. The statement stands at the indentation of the hole's line, whatever the cursor's
    place: a rest-of-line task neutralises its whole line (a half line would just not parse), and
    a hole cut at column 0 (``line@0``) keeps its indentation, so both placements of a hole give
    the same file and the same verdict.
    """
    line_start = text.rfind("\n", 0, task.start) + 1
    line = text[line_start : task.end]
    start = line_start + len(line) - len(line.lstrip())
    return text[:start] + neutral_statement(language_named(task.language)) + text[task.end :]


def check_tests(
    runner: SuiteRunner, tasks: list[Task], texts: dict[str, str], progress: Callable[[str], None]
) -> tuple[SuiteOutcome, dict[str, bool]]:
    """Run the tests once untouched, then once per task with its hole neutralised."""
    baseline = runner.prepare()
    progress(f"tests on the untouched copy: {'pass' if baseline.passed else 'FAIL'} ({baseline.seconds} s)")
    if not baseline.passed:
        progress("pass@1 is not measured: the test command fails without any change\n" + baseline.tail)
        return baseline, {}
    tested = {}
    for i, task in enumerate(tasks, 1):
        try:
            tested[task.id] = not runner.run_with(task.path, neutral_document(task, texts[task.path])).passed
        except ValueError as exc:
            progress(str(exc))
            continue
        progress(f"hole check {i}/{len(tasks)} {task.id}: {'noticed' if tested[task.id] else 'not noticed'}")
    progress(f"tests notice {sum(tested.values())} of {len(tasks)} holes")
    return baseline, tested
