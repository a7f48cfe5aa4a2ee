"""Where installed model files live, and how they are checked.

A verified file gets a stamp beside it (``<file>.verified``, JSON: size, mtime_ns, sha256). Hashing
a 500 MB file costs about a second and an 8 GB one much longer, so a later check whose file still
has the stamped size and mtime trusts the stamp instead of hashing again (``full=False``).
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hushcode.models.catalog import ModelEntry
from hushcode.paths import models_dir

GGUF_MAGIC = b"GGUF"
STAMP_SUFFIX = ".verified"
_CHUNK = 1 << 20  # 1 MiB reads: large enough to keep hashing at disk speed.


def installed_path(entry: ModelEntry) -> Path:
    """Where ``entry`` lives once pulled (the file may not exist)."""
    return models_dir() / entry.file


def stamp_path(path: Path) -> Path:
    """The stamp file recording a successful hash of ``path``."""
    return path.with_name(path.name + STAMP_SUFFIX)


class VerifyStatus(enum.Enum):
    """Outcome of ``verify_file``; every value but OK names one way a file can be wrong."""

    OK = "ok"
    MISSING = "missing"
    UNREADABLE = "unreadable"
    NOT_GGUF = "not a GGUF file"
    WRONG_SIZE = "wrong size"
    WRONG_SHA256 = "wrong sha256"


@dataclass(frozen=True)
class VerifyResult:
    """What ``verify_file`` found. ``reason`` is a one-line, user-facing explanation."""

    status: VerifyStatus
    path: Path
    reason: str
    sha256: str | None = None
    from_stamp: bool = False

    @property
    def ok(self) -> bool:
        """True when the file is present, a GGUF, the right size and (if recorded) the right hash."""
        return self.status is VerifyStatus.OK


def sha256_file(path: Path, progress: Callable[[int, int], None] | None = None) -> str:
    """SHA-256 hex digest of ``path``, read in 1 MiB chunks; ``progress(done, total)`` per chunk."""
    total = path.stat().st_size
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()


def read_stamp(path: Path) -> dict[str, object] | None:
    """The stamp for ``path`` if it exists and parses; None otherwise (a bad stamp is just ignored)."""
    try:
        data = json.loads(stamp_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_stamp(path: Path, sha256: str) -> None:
    """Record that ``path``, as it is now (size, mtime), hashes to ``sha256``."""
    st = path.stat()
    payload = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
    target = stamp_path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload) + "\n", encoding="utf-8")
    os.replace(tmp, target)  # never leave a half-written stamp behind


def remove_stamp(path: Path) -> None:
    """Delete the stamp of ``path`` if there is one."""
    with contextlib.suppress(FileNotFoundError):
        stamp_path(path).unlink()


def _stamp_matches(path: Path, st: os.stat_result, expected_sha: str | None) -> str | None:
    """The stamped hash if the stamp still describes ``path`` (and agrees with the catalog)."""
    stamp = read_stamp(path)
    if stamp is None:
        return None
    if stamp.get("size") != st.st_size or stamp.get("mtime_ns") != st.st_mtime_ns:
        return None
    stamped = stamp.get("sha256")
    if not isinstance(stamped, str):
        return None
    if expected_sha is not None and stamped != expected_sha:
        return None
    return stamped


def verify_file(
    path: Path,
    entry: ModelEntry,
    *,
    full: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyResult:
    """Check that ``path`` is ``entry``'s file: present, readable, GGUF, right size, right sha256.

    With ``full=False`` a matching stamp (same size and mtime) replaces the hash. A successful
    hash writes the stamp. If the catalog records no sha256 the file is hashed (or the stamp
    used) and the computed digest is returned; the result is OK but says it is unverified.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return VerifyResult(VerifyStatus.MISSING, path, f"missing: {path} does not exist")
    except OSError as exc:
        return VerifyResult(VerifyStatus.UNREADABLE, path, f"unreadable: {path}: {exc.strerror or exc}")
    if not path.is_file():
        return VerifyResult(VerifyStatus.UNREADABLE, path, f"unreadable: {path} is not a regular file")
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        return VerifyResult(VerifyStatus.UNREADABLE, path, f"unreadable: {path}: {exc.strerror or exc}")

    if magic != GGUF_MAGIC:
        return VerifyResult(
            VerifyStatus.NOT_GGUF,
            path,
            f"not a GGUF file: {path} starts with {magic!r}, expected {GGUF_MAGIC!r}",
        )
    if entry.size_bytes is not None and st.st_size != entry.size_bytes:
        hint = "truncated or incomplete download" if st.st_size < entry.size_bytes else "too large"
        return VerifyResult(
            VerifyStatus.WRONG_SIZE,
            path,
            f"wrong size: {path} has {st.st_size} bytes, expected {entry.size_bytes} ({hint})",
        )

    if not full:
        stamped = _stamp_matches(path, st, entry.sha256)
        if stamped is not None:
            return VerifyResult(VerifyStatus.OK, path, _ok_reason(entry, stamped, True), stamped, True)

    try:
        digest = sha256_file(path, progress)
    except OSError as exc:
        return VerifyResult(VerifyStatus.UNREADABLE, path, f"unreadable: {path}: {exc.strerror or exc}")
    if entry.sha256 is not None and digest != entry.sha256:
        remove_stamp(path)
        return VerifyResult(
            VerifyStatus.WRONG_SHA256,
            path,
            f"wrong sha256: {path} hashes to {digest}, expected {entry.sha256}",
            digest,
        )
    # A read-only cache still verifies; it just hashes again next time.
    with contextlib.suppress(OSError):
        write_stamp(path, digest)
    return VerifyResult(VerifyStatus.OK, path, _ok_reason(entry, digest, False), digest)


def _ok_reason(entry: ModelEntry, digest: str, from_stamp: bool) -> str:
    how = "stamp" if from_stamp else "hashed"
    if entry.sha256 is None:
        return f"ok ({how}), but unverified: the catalog records no sha256; file hashes to {digest}"
    return f"ok ({how}): sha256 {digest}"


def quick_status(entry: ModelEntry) -> str:
    """Installed state without hashing: 'yes' (stamp matches), 'unverified' (file, no stamp), 'no'."""
    path = installed_path(entry)
    try:
        st = path.stat()
    except OSError:
        return "no"
    if entry.size_bytes is not None and st.st_size != entry.size_bytes:
        return "broken"
    return "yes" if _stamp_matches(path, st, entry.sha256) is not None else "unverified"
