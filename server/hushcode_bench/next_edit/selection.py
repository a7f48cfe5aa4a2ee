"""Which tasks a run measures: every package's release pairs cut into tasks, then a seeded
sample of at most --limit edit tasks and --no-edit places per package (the same every run)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from hushcode_bench.next_edit.releases import Package, python_files
from hushcode_bench.next_edit.tasks import EditTask, file_tasks


@dataclass(frozen=True)
class Selected:
    """One task of the run, with where it comes from."""

    package: str
    split: str
    old_version: str
    new_version: str
    task: EditTask

    @property
    def folder(self) -> str:
        """The folder its file is in (under the run's scratch workspace): `name-oldversion`."""
        return f"{self.package}-{self.old_version}"

    @property
    def id(self) -> str:
        t = self.task
        return f"{self.package}@{self.old_version}..{self.new_version}:{t.path}:{t.cursor_line + 1}:{t.kind}"


def package_tasks(package: Package, cache: Path) -> tuple[list[Selected], list[Selected]]:
    """All the (edit tasks, no-edit places) of a package's release pairs, in file order."""
    edits: list[Selected] = []
    quiet: list[Selected] = []
    for old, new in package.pairs():
        before, after = python_files(old, cache), python_files(new, cache)
        for path in sorted(before):
            if path not in after or before[path] == after[path]:
                continue
            found, places = file_tasks(path, before[path], after[path])
            edits += [Selected(package.name, package.split, old.version, new.version, t) for t in found]
            quiet += [Selected(package.name, package.split, old.version, new.version, t) for t in places]
    return edits, quiet


def sample(items: list[Selected], count: int, seed: int) -> list[Selected]:
    """At most `count` of `items`, chosen by `seed`, kept in their order."""
    if len(items) <= count:
        return items
    chosen = set(random.Random(seed).sample(range(len(items)), count))
    return [item for i, item in enumerate(items) if i in chosen]


def select(packages: list[Package], cache: Path, limit: int, no_edit: int,
           seed: int) -> tuple[list[Selected], dict[str, dict[str, int]]]:
    """The run's tasks (each package's sample of edit tasks, then of no-edit places), and how many
    candidates each package had."""
    chosen: list[Selected] = []
    candidates = {}
    for package in packages:
        edits, quiet = package_tasks(package, cache)
        candidates[package.name] = {"edit": len(edits), "no-edit": len(quiet)}
        chosen += sample(edits, limit, seed) + sample(quiet, no_edit, seed)
    return chosen, candidates
