"""Which files of the user's repository the benchmark may cut holes in.

Inside a git work tree the list comes from ``git ls-files`` (tracked plus untracked, minus what
.gitignore excludes); elsewhere from walking the directory. Either way vendored and generated
directories, hidden directories, huge files and binary files are skipped, and only languages
that ``languages`` cuts are kept. The result is sorted, so the same tree always yields the
same list.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hushcode.syntax.languages import LanguageInfo
from hushcode_bench.languages import language_for

MAX_BYTES = 256 * 1024  # larger files are generated or data more often than hand-written code
VENDORED = frozenset(
    {
        "node_modules",
        "vendor",
        "third_party",
        "third-party",
        "site-packages",
        "dist",
        "build",
        "target",
        "__pycache__",
        "venv",
        "bower_components",
    }
)


@dataclass(frozen=True)
class SourceFile:
    """One file to cut holes in: its path relative to the root (POSIX), language and text."""

    path: str
    language: LanguageInfo
    text: str  # line breaks normalised to "\n"


def _skipped_dir(part: str) -> bool:
    return part.startswith(".") or part in VENDORED or part.endswith(".egg-info")


def _git_files(root: Path) -> list[str] | None:
    """Paths under `root` that git tracks or would track; None outside a work tree or when git
    ignores `root` as a whole (the user asked for it by name: walk it instead)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0 or _ignored(root):
        return None
    return [p for p in done.stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def _ignored(root: Path) -> bool:
    """True when git ignores `root` itself (e.g. a Python install inside a pyenv checkout)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "-q", "."], capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _walk_files(root: Path) -> list[str]:
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not _skipped_dir(d)]
        rel = Path(folder).relative_to(root)
        found.extend((rel / name).as_posix() for name in files)
    return found


def read_source(path: Path) -> str | None:
    """The file's text with "\\n" line breaks; None if it is huge, binary or not UTF-8."""
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def list_sources(root: Path) -> list[SourceFile]:
    """Every file under `root` (a directory or one file) that the benchmark may cut, sorted by path."""
    if root.is_file():
        spec = language_for(root.name)
        text = read_source(root) if spec else None
        return [SourceFile(root.name, spec, text)] if spec and text is not None else []
    names = _git_files(root)
    if names is None:
        names = _walk_files(root)
    sources: list[SourceFile] = []
    for name in sorted(set(names)):
        if any(_skipped_dir(part) for part in name.split("/")[:-1]):
            continue
        spec = language_for(name)
        if spec is None:
            continue
        text = read_source(root / name)
        if text is not None and text.strip():
            sources.append(SourceFile(name, spec, text))
    return sources
