"""Where a benchmark's figures come from: the code measured and what went wrong on the way."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

# Our requests (req=i<n>), not the server's own prefetches (req=speculative).
_DEADLINE = re.compile(r"^.*\bcomplete req=i\d+ .*\bstop=deadline\b", re.MULTILINE)


def source_revision() -> str | None:
    """The git revision of the hushcode code being measured ("-dirty" with local changes), if known."""
    here = Path(__file__).resolve().parent
    try:
        done = subprocess.run(
            ["git", "-C", str(here), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def code_fingerprint() -> str:
    """A hash of the hushcode sources the servers will run (they are re-read for every configuration).

    When it changes between configurations, someone edited the code during the run and the
    configurations measured different code.
    """
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def deadline_stops(log_file: Path) -> int:
    """How many requests in a server log stopped at the completion deadline (the log says stop=deadline)."""
    try:
        text = log_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0
    return len(_DEADLINE.findall(text))
