"""Where a benchmark's figures come from: the code measured, the machine, and its load.

Other processes on the machine slow llama.cpp down badly, so every run keeps the load average
before and after beside its figures, and says so up front when the machine is already busy.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hushcode

_HERE = Path(__file__).resolve().parent


def _git(*args: str) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(["git", "-C", str(_HERE), *args], capture_output=True, text=True, timeout=30,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return None


def source_revision() -> str | None:
    """The git revision of the hushcode code being measured ("-dirty" with local changes), if known."""
    done = _git("describe", "--always", "--dirty")
    if done is None or done.returncode != 0:
        return None
    return done.stdout.strip() or None


def git_state() -> dict[str, Any] | None:
    """The commit being measured and how many files under server/ differ from it, if known."""
    head = _git("rev-parse", "HEAD")
    dirty = _git("status", "--porcelain", "--", ":/server")
    if head is None or dirty is None or head.returncode != 0:
        return None
    return {"commit": head.stdout.strip(), "modified_server_files": len(dirty.stdout.splitlines())}


def code_fingerprint() -> str:
    """A hash of the hushcode sources the servers will run (they are re-read for every configuration).

    When it changes between configurations, someone edited the code during the run and the
    configurations measured different code.
    """
    package = Path(hushcode.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def header() -> dict[str, Any]:
    """The first keys of a results file: its format, the code measured and when."""
    return {
        "version": 1,
        "hushcode": hushcode.__version__,
        "hushcode_revision": source_revision(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


@dataclass
class RunStart:
    """When a run started and how loaded the machine was then."""

    load: list[float] = field(default_factory=loadavg)
    clock: float = field(default_factory=time.perf_counter)

    def wall_s(self) -> float:
        return round(time.perf_counter() - self.clock, 1)

    def note_load(self, say: Callable[[str], None]) -> None:
        """Say so when other processes already use half the cores: every time measured includes them."""
        if self.load[0] > 0.5 * (os.cpu_count() or 1):
            say(
                f"note: load average {self.load[0]:.1f} on {os.cpu_count()} cores before the run: other "
                f"processes are using the CPU, and every time measured here includes their share"
            )

    def machine(self) -> dict[str, Any]:
        """The machine block of the results: Python, platform, cores, load before and after."""
        return {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_before": self.load,
            "loadavg_after": loadavg(),
        }
