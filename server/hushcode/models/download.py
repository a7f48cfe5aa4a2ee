"""Resumable HTTP(S) downloads for ``hushcode models pull`` (the ``huggingface`` sources), on httpx.

The data is written to ``<file>.part`` in the models folder. Beside it, ``<file>.part.json``
records what the part is a download *of* (URL, expected size and sha256), so that a part left by a
pull of another source or another version of the file is never continued. An interrupted pull (a
dropped connection, a timeout, Ctrl-C) keeps both files; the next pull of the same file re-hashes
the part (a read of the local disk) and asks the server for the rest with ``Range: bytes=N-``:

- ``206 Partial Content`` from byte N: the rest is appended;
- ``200 OK`` (a server that ignores ranges): the part is emptied and the download starts over;
- ``416 Range Not Satisfiable``, or a 206 from another offset: start over with a plain request.

The caller (``pull.py``) checks the size and sha256 of the finished part and renames it into
place; a part that fails that check is deleted (``discard``), never resumed. Nothing here writes
under the model's final name.

Only the explicit ``hushcode models pull`` command runs this; the language server never does.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit

from hushcode.models.stream import HashingSink, SourceFailed

if TYPE_CHECKING:  # imported when a download starts: `hushcode models path` stays quick
    import httpx

PART_SUFFIX = ".part"
PART_META_SUFFIX = ".part.json"
# A connection must open quickly (an offline machine fails in seconds); once it is open, CDNs may
# pause mid-transfer for longer.
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 60.0
HF_TOKEN_VARS = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
TOKENS_PAGE = "https://huggingface.co/settings/tokens"
_CHUNK = 1 << 20
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")

Report = Callable[[str, int], None]  # (stage, bytes so far)


@dataclass(frozen=True)
class Fetched:
    """A finished download: the part file, its size and sha256, and whether it was resumed."""

    path: Path
    size: int
    sha256: str
    resumed: bool


def part_path(dest: Path) -> Path:
    """Where the download of ``dest`` is kept until it is verified."""
    return dest.with_name(dest.name + PART_SUFFIX)


def part_meta_path(dest: Path) -> Path:
    """The record of what ``part_path(dest)`` is a download of."""
    return dest.with_name(dest.name + PART_META_SUFFIX)


def discard(dest: Path) -> None:
    """Delete the part of ``dest`` and its record (a verified install, or a part that failed)."""
    for path in (part_path(dest), part_meta_path(dest)):
        path.unlink(missing_ok=True)


def is_hf_host(host: str) -> bool:
    """huggingface.co itself or one of its subdomains (never a look-alike such as evilhuggingface.co)."""
    host = host.lower().rstrip(".")
    return host == "huggingface.co" or host.endswith(".huggingface.co")


def hf_token(environ: Mapping[str, str] | None = None) -> str | None:
    """The Hugging Face access token from ``HF_TOKEN`` (or ``HUGGING_FACE_HUB_TOKEN``), if set."""
    env = os.environ if environ is None else environ
    for name in HF_TOKEN_VARS:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def auth_headers(url: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``Authorization: Bearer <HF_TOKEN>`` for an https URL on a huggingface.co host, else nothing.

    httpx drops the header itself when a redirect leaves the origin (Hugging Face sends large
    files to its CDN with a signed URL), so the token never reaches another host.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" or not is_hf_host(parts.hostname or ""):
        return {}
    token = hf_token(environ)
    return {"Authorization": f"Bearer {token}"} if token else {}


def fetch(url: str, dest: Path, *, size: int | None, sha256: str | None, limit: int | None,
          report: Report, page: str | None = None,
          environ: Mapping[str, str] | None = None) -> Fetched:
    """Download ``url`` into ``part_path(dest)``, resuming a matching part; return the whole part.

    ``size``/``sha256`` are what the catalog expects (also recorded beside the part), ``limit``
    the most bytes accepted, ``page`` the model's web page (named when access is refused).
    Raises ``SourceFailed`` with a one-line reason; the part is kept for the next try.
    """
    record: dict[str, object] = {"url": url, "size": size, "sha256": sha256}
    part = part_path(dest)
    fd = os.open(part, os.O_RDWR | os.O_CREAT, 0o644)
    with os.fdopen(fd, "r+b") as fh:
        _lock(fh)
        try:
            return _fetch_locked(url, dest, fh, record, size=size, limit=limit, report=report,
                                 page=page, environ=environ)
        finally:
            if os.fstat(fh.fileno()).st_size == 0:
                discard(dest)  # nothing arrived (offline, refused): leave no empty part behind


def _fetch_locked(url: str, dest: Path, fh: BinaryIO, record: dict[str, object], *, size: int | None,
                  limit: int | None, report: Report, page: str | None,
                  environ: Mapping[str, str] | None) -> Fetched:
    if _read_record(part_meta_path(dest)) != record:
        fh.truncate(0)  # a part of something else, or of unknown origin: never mix
        _write_record(part_meta_path(dest), record)
    stage = ["checking the partial download"]
    sink = HashingSink(fh, limit, lambda done: report(stage[0], done))
    resumed = _rehash(fh, sink, size)
    stage[0] = "resuming" if resumed else "downloading"
    if size is None or sink.size < size:
        import httpx

        timeout = httpx.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S, write=READ_TIMEOUT_S,
                                pool=CONNECT_TIMEOUT_S)
        headers = {"User-Agent": "hushcode-model-pull", "Accept-Encoding": "identity",
                   **auth_headers(url, environ)}
        with httpx.Client(timeout=timeout, follow_redirects=True, headers=headers) as client:
            _download(client, url, sink, size=size, page=page, token="Authorization" in headers)
    fh.flush()
    os.fsync(fh.fileno())  # the rename must not publish data still in the page cache
    return Fetched(part_path(dest), sink.size, sink.hexdigest(), resumed)


def _lock(fh: BinaryIO) -> None:
    """Refuse a second pull writing the same part at the same time (POSIX; elsewhere unchecked)."""
    try:
        import fcntl
    except ImportError:
        return
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        raise SourceFailed("another `hushcode models pull` is downloading this file right now") from exc


def _read_record(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_record(path: Path, record: dict[str, object]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _rehash(fh: BinaryIO, sink: HashingSink, size: int | None) -> bool:
    """Hash what the part already holds into ``sink``; True when there is something to resume."""
    have = os.fstat(fh.fileno()).st_size
    if have == 0 or (size is not None and have > size):
        sink.restart()
        return False
    fh.seek(0)
    try:
        while chunk := fh.read(_CHUNK):
            sink.absorb(chunk)
    except SourceFailed:  # more than the approximate size allows: not a part of this file
        sink.restart()
        return False
    fh.seek(0, os.SEEK_END)
    return True


def _download(client: httpx.Client, url: str, sink: HashingSink, *,
              size: int | None, page: str | None, token: bool) -> None:
    """Request what ``sink`` still lacks and append it; start over when the server will not resume."""
    import httpx

    for _attempt in range(2):
        offset = sink.size
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code == 416 or (
                        response.status_code == 206 and _range_start(response) != offset):
                    sink.restart()  # the server cannot continue from here: ask for the whole file
                    continue
                _check_status(response, url, page, token)
                if response.status_code != 206 and offset:
                    sink.restart()  # a 200 is the whole file again
                _check_length(response, size, sink.size)
                try:
                    for chunk in response.iter_bytes():  # as it arrives: an interruption keeps it all
                        sink.write(chunk)
                except SourceFailed:
                    sink.restart()  # more than the file can be: nothing of it is worth resuming
                    raise
            return
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise SourceFailed(f"cannot reach {url}: {_reason(exc)}", network=True) from exc
        except httpx.TransportError as exc:  # read timeouts, resets, a body cut short
            kept = f"; {sink.size} bytes are kept, run the same command to resume" if sink.size else ""
            raise SourceFailed(f"download interrupted after {sink.size} bytes ({_reason(exc)}){kept}") from exc
    raise SourceFailed(f"{url}: the server answers a plain request with a partial one")


def _range_start(response: httpx.Response) -> int | None:
    match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
    return int(match.group(1)) if match else None


def _check_status(response: httpx.Response, url: str, page: str | None, token: bool) -> None:
    status = response.status_code
    if status in (200, 206):
        return
    if status in (401, 403) and is_hf_host(response.url.host or urlsplit(url).hostname or ""):
        where = page or "the model's page on huggingface.co"
        if token:
            hint = (f"HF_TOKEN was sent and refused: check that the token is valid and that you "
                    f"accepted the model's licence on {where}")
        else:
            hint = (f"the model is gated or private: accept its licence on {where}, create a read "
                    f"token at {TOKENS_PAGE} and set HF_TOKEN to it")
        raise SourceFailed(f"HTTP {status} {response.reason_phrase}: {hint}")
    raise SourceFailed(f"HTTP {status} {response.reason_phrase} for {url}")


def _check_length(response: httpx.Response, size: int | None, offset: int) -> None:
    """The server must be offering the file the catalog describes (when it says how long it is)."""
    if size is None:
        return
    if response.status_code == 206:
        total = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
        if total and total.group(3).isdigit() and int(total.group(3)) != size:
            raise SourceFailed(f"server offers {total.group(3)} bytes, the catalog expects {size}")
        return
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) != size - offset:
        raise SourceFailed(f"server offers {length} bytes, the catalog expects {size}")


def _reason(error: BaseException) -> str:
    """"[Errno -3] Temporary failure in name resolution" -> "temporary failure in name resolution"."""
    cause: BaseException = error
    while cause.__cause__ is not None and not str(cause):
        cause = cause.__cause__
    text = str(cause) or type(cause).__name__
    return re.sub(r"^\[Errno -?\d+\]\s*", "", text).strip().lower()
