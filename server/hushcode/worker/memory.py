"""Does a model fit in memory? Checked in the engine before llama.cpp allocates anything.

llama.cpp maps the model file and allocates its context; when memory runs out it aborts
(``GGML_ASSERT(ctx->mem_buffer != NULL)``) or the kernel's OOM killer ends the process. Both look
like a crash, so the engine checks first: the model file must fit in the smallest of the machine's
RAM, the container's memory limit and the process's address-space limit (``ulimit -v``). A model
offloaded to a GPU is not checked against RAM.

``HUSHCODE_MEMORY_LIMIT_MB`` (tests, and users who want a cap) limits the engine to that
much memory beyond what it uses before loading, enforced with RLIMIT_AS.

Address-space limits are a Unix notion: the `resource` module does not exist on Windows, where
only the RAM and the knob are checked and the knob is not enforced.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

if sys.platform != "win32":
    import resource

LIMIT_ENV = "HUSHCODE_MEMORY_LIMIT_MB"
# What llama.cpp and the C++ runtime print when an allocation fails.
ALLOCATION_FAILED = re.compile(
    r"mem_buffer != NULL|failed to allocate|bad_alloc|cannot allocate memory|out of memory|unable to allocate",
    re.IGNORECASE)


def _read_number(path: str, pattern: str = r"(\d+)", scale: int = 1) -> int | None:
    try:
        text = Path(path).read_text()
    except OSError:
        return None
    found = re.search(pattern, text)
    return int(found.group(1)) * scale if found else None


def _vm_size() -> int:
    return _read_number("/proc/self/status", r"VmSize:\s+(\d+) kB", 1024) or 0


def limits(environ: Mapping[str, str] | None = None) -> list[tuple[int, str]]:
    """Every memory limit that applies to this process, in bytes, with what it is."""
    environ = os.environ if environ is None else environ
    found: list[tuple[int, str]] = []
    ram = _read_number("/proc/meminfo", r"MemTotal:\s+(\d+) kB", 1024)
    if ram:
        found.append((ram, "the machine's RAM"))
    cgroup = _read_number("/sys/fs/cgroup/memory.max") or _read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes")
    if cgroup and (ram is None or cgroup < ram):
        found.append((cgroup, "the container's memory limit"))
    if sys.platform != "win32":
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            found.append((max(soft - _vm_size(), 0), "the engine's address-space limit (ulimit -v)"))
    if (knob := environ.get(LIMIT_ENV, "").strip()).isdigit():
        found.append((int(knob) << 20, LIMIT_ENV))
    return found


def apply_limit(environ: Mapping[str, str] | None = None) -> None:
    """Enforce ``HUSHCODE_MEMORY_LIMIT_MB`` from now on (call it just before loading)."""
    knob = (os.environ if environ is None else environ).get(LIMIT_ENV, "").strip()
    if knob.isdigit() and sys.platform != "win32":
        cap = _vm_size() + (int(knob) << 20)
        resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _size(n: int) -> str:
    return f"{n / (1 << 30):.1f} GB" if n >= 1 << 30 else f"{n / (1 << 20):.0f} MB"


def check_fits(path: str, on_gpu: bool = False, environ: Mapping[str, str] | None = None) -> str | None:
    """A message when the model file cannot fit in the memory available to the engine, else None."""
    try:
        need = os.path.getsize(path)
    except OSError:
        return None  # llama.cpp reports a missing or unreadable file itself
    applicable = [(n, what) for n, what in limits(environ) if not (on_gpu and what == "the machine's RAM")]
    if not applicable:
        return None
    available, what = min(applicable)
    if need <= available:
        return None
    return (f"The model {path} does not fit in memory: it needs at least {_size(need)}, and {what} "
            f"allows {_size(available)}. Choose a smaller model or quantisation (run: hushcode models list).")


def allocation_failed(stderr_lines: Iterable[str]) -> bool:
    """Whether the engine's last words say that an allocation failed."""
    return any(ALLOCATION_FAILED.search(line) for line in stderr_lines)
