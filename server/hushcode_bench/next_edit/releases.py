"""The pinned releases the next-edit tasks come from, their sdists, and the Python files in them.

`releases.toml` (beside this module, or another file given with --releases) lists packages, each
with its split and its consecutive releases (version, sdist file name, URL, sha256). Sdists are
kept under the benchmark's cache folder (`<hushcode cache>/bench/next-edit/sdists`, or --cache):
`fetch` downloads the missing ones (only when the user asked, with --fetch), and every other step
reads the cache alone, so that a run after the first is offline. A file whose sha256 differs from
the pin is refused: the task set is the same wherever it is built.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hushcode_bench.client import BenchError

RELEASES = Path(__file__).with_name("releases.toml")
SPLITS = ("dev", "test")
MAX_FILE_BYTES = 1_000_000  # a larger .py file is generated data, not code anyone edits by hand


@dataclass(frozen=True)
class Release:
    version: str
    sdist: str  # the file name, in the cache folder
    url: str
    sha256: str


@dataclass(frozen=True)
class Package:
    name: str
    split: str
    license: str
    releases: tuple[Release, ...]  # oldest first; each pair of neighbours is one diff

    def pairs(self) -> list[tuple[Release, Release]]:
        return list(zip(self.releases, self.releases[1:], strict=False))


def load_packages(path: Path = RELEASES) -> list[Package]:
    """The packages of a releases file; a malformed file is a BenchError that says where."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        packages = [
            Package(name=str(p["name"]), split=str(p["split"]), license=str(p.get("license", "")),
                    releases=tuple(Release(str(r["version"]), str(r["sdist"]), str(r.get("url", "")),
                                           str(r["sha256"]).lower()) for r in p["release"]))
            for p in data["package"]
        ]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise BenchError(f"{path}: not a releases file ({exc!r})") from exc
    for package in packages:
        if package.split not in SPLITS or len(package.releases) < 2:
            raise BenchError(f"{path}: {package.name} needs a split (dev or test) and two releases or more")
    return packages


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def missing(packages: list[Package], cache: Path) -> list[Release]:
    """The pinned sdists that are not in the cache yet."""
    return [r for p in packages for r in p.releases if not (cache / r.sdist).is_file()]


def fetch(releases: list[Release], cache: Path, say: Callable[[str], None]) -> None:
    """Download the sdists (httpx), check each against its pin, keep it in `cache`."""
    import httpx  # only here: every other step is offline

    cache.mkdir(parents=True, exist_ok=True)
    with httpx.Client(follow_redirects=True, timeout=120) as client:
        for release in releases:
            if not release.url:
                raise BenchError(f"{release.sdist} is not in {cache} and has no URL to fetch it from")
            say(f"fetching {release.url}")
            response = client.get(release.url)
            response.raise_for_status()
            digest = _sha256(response.content)
            if digest != release.sha256:
                raise BenchError(f"{release.url}: sha256 {digest}, the pin is {release.sha256}")
            partial = cache / (release.sdist + ".part")
            partial.write_bytes(response.content)
            partial.replace(cache / release.sdist)


def _strip_top(name: str) -> str | None:
    """The path inside the sdist's top folder (`pkg-1.0/src/x.py` -> `src/x.py`)."""
    parts = name.split("/", 1)
    return parts[1] if len(parts) == 2 and parts[1] else None


def python_files(release: Release, cache: Path) -> dict[str, str]:
    """The .py files of a cached sdist (path under its top folder -> text), read from the archive
    itself: nothing is extracted to disk. A file that is not UTF-8 is left out."""
    path = cache / release.sdist
    if not path.is_file():
        raise BenchError(f"{path} is missing: run with --fetch once to download the pinned sdists")
    data = path.read_bytes()
    if _sha256(data) != release.sha256:
        raise BenchError(f"{path}: its sha256 is not the pinned {release.sha256}")
    members: dict[str, bytes] = {}
    if release.sdist.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.filename.endswith(".py") and info.file_size <= MAX_FILE_BYTES:
                    members[info.filename] = archive.read(info)
    else:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            for member in archive.getmembers():
                if member.isfile() and member.name.endswith(".py") and member.size <= MAX_FILE_BYTES:
                    handle = archive.extractfile(member)
                    if handle is not None:
                        members[member.name] = handle.read()
    files = {}
    for name, raw in members.items():
        inner = _strip_top(name)
        if inner is None:
            continue
        try:
            files[inner] = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
    return files
