"""Memory and CPU of a process (the server, its engine, the index child), from Linux /proc.

psutil gives RSS and CPU times but not the peak (VmHWM), which the index figures need; one
reader of /proc serves all three. Elsewhere every figure is None (0 for this process's own).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path


def status_kb(pid: int | str | None, field: str = "VmRSS") -> int | None:
    """A field of /proc/<pid>/status in KiB (VmRSS: resident now, VmHWM: peak); None when gone."""
    if not pid:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def own_mb(field: str = "VmRSS") -> float:
    """A memory figure of this process in MiB (0 where /proc is missing)."""
    return (status_kb("self", field) or 0) / 1024


def memory_mb(pid: int | None) -> dict[str, float | None]:
    """Resident memory (now and peak) of a process in MiB."""
    now, peak = status_kb(pid), status_kb(pid, "VmHWM")
    return {
        "rss_mb": None if now is None else round(now / 1024, 1),
        "peak_rss_mb": None if peak is None else round(peak / 1024, 1),
    }


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


async def cpu_share(pid: int | None, seconds: float) -> float | None:
    """The share of one core that a process used over the next `seconds`."""
    before, started = cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(seconds)
    after = cpu_seconds(pid)
    if before is None or after is None:
        return None
    return round((after - before) / (time.perf_counter() - started), 3)
