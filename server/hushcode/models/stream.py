"""Small pieces shared by the pull sources: a hashing byte sink and temporary-file hygiene."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

# Temporaries in the models directory are named ".hushcode-tmp-<pid>-..." so that a later pull
# can recognise leftovers of a process that was killed (SIGKILL skips every finally block).
_TEMP_MARK = ".hushcode-tmp-"


class SourceFailed(Exception):
    """One source could not deliver the file; the message is a one-line reason.

    ``network`` is true when the source could not be reached at all (no route, no name
    resolution, connection refused): several of those in a row mean the machine is offline.
    """

    def __init__(self, message: str, *, network: bool = False) -> None:
        super().__init__(message)
        self.network = network


class HashingSink:
    """Writes bytes to a file while counting them and computing their SHA-256.

    Refuses to grow past ``limit`` bytes, so a wrong or hostile source cannot fill the disk.
    """

    def __init__(self, fh: BinaryIO, limit: int | None, report: Callable[[int], None]) -> None:
        self._fh = fh
        self._limit = limit
        self._report = report
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        """Append ``data``; raises ``SourceFailed`` if that would exceed the expected size."""
        if self._limit is not None and self.size + len(data) > self._limit:
            raise SourceFailed(f"source delivers more than the expected {self._limit} bytes")
        self._fh.write(data)
        self._digest.update(data)
        self.size += len(data)
        self._report(self.size)

    def absorb(self, data: bytes) -> None:
        """Count and hash ``data`` that the file already holds (the part of a resumed download)."""
        if self._limit is not None and self.size + len(data) > self._limit:
            raise SourceFailed(f"the partial download holds more than the expected {self._limit} bytes")
        self._digest.update(data)
        self.size += len(data)
        self._report(self.size)

    def restart(self) -> None:
        """Empty the file and forget what was written: the download starts over from byte 0."""
        self._fh.seek(0)
        self._fh.truncate(0)
        self._digest = hashlib.sha256()
        self.size = 0
        self._report(0)

    def hexdigest(self) -> str:
        """SHA-256 of everything written so far."""
        return self._digest.hexdigest()


def temp_prefix() -> str:
    """Prefix for this process's temporary files and folders in the models directory."""
    return f"{_TEMP_MARK}{os.getpid()}-"


def _owner_pid(name: str) -> int | None:
    if not name.startswith(_TEMP_MARK):
        return None
    head = name[len(_TEMP_MARK) :].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _alive(pid: int) -> bool:
    if os.name != "posix":
        return True  # os.kill(pid, 0) would terminate the process on Windows: never guess there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, belongs to someone else
    return True


def clean_stale_temporaries(directory: Path) -> list[Path]:
    """Remove temporaries left in ``directory`` by pulls whose process no longer exists."""
    removed: list[Path] = []
    try:
        candidates = list(directory.iterdir())
    except OSError:
        return removed
    for path in candidates:
        pid = _owner_pid(path.name)
        if pid is None or pid == os.getpid() or _alive(pid):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed
