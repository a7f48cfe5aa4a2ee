"""What this machine offers a model: RAM, CPU cores, GPU memory, and the llama.cpp build's GPU support.

Only local facts are read (``/proc``, cgroup files, ``sysctl`` on macOS, ``nvidia-smi`` when it is
installed); nothing is sent anywhere. Every probe that fails leaves its field unknown with a note
instead of raising: ``detect()`` always returns.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

MB = 1_000_000
# Apple Silicon shares RAM with the GPU; Metal lets one process use about this much of it
# (recommendedMaxWorkingSetSize is 2/3 to 3/4 of RAM depending on the machine).
METAL_SHARE = 2 / 3


@dataclass(frozen=True)
class Gpu:
    """One GPU llama.cpp could use."""

    name: str
    backend: str  # "cuda" or "metal"
    total_mb: int
    free_mb: int


@dataclass(frozen=True)
class Hardware:
    """A hardware profile: the input of ``advise`` (tests build these by hand)."""

    total_ram_mb: int
    available_ram_mb: int
    cpu_threads: int  # logical CPUs this process may run on
    physical_cores: int
    gpus: tuple[Gpu, ...] = ()
    gpu_offload: bool = False  # the installed llama.cpp build can offload layers to a GPU
    system: str = "Linux"
    notes: tuple[str, ...] = field(default=())  # what could not be detected, and why

    @property
    def best_gpu(self) -> Gpu | None:
        """The GPU with the most free memory."""
        return max(self.gpus, key=lambda g: g.free_mb) if self.gpus else None


def _meminfo(text: str) -> tuple[int, int] | None:
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[key] = int(parts[0]) * 1024 // MB  # kB -> MB
    if "MemTotal" not in values:
        return None
    return values["MemTotal"], values.get("MemAvailable", values.get("MemFree", values["MemTotal"]))


def _cgroup_memory(root: Path = Path("/sys/fs/cgroup")) -> tuple[int, int] | None:
    """(limit, used) in MB when this process runs in a memory-limited cgroup v2."""
    try:
        limit = (root / "memory.max").read_text().strip()
        used = (root / "memory.current").read_text().strip()
    except OSError:
        return None
    if not limit.isdigit() or not used.isdigit():
        return None
    return int(limit) // MB, int(used) // MB


def detect_memory(notes: list[str]) -> tuple[int, int]:
    """(total, available) RAM in MB, lowered to a container's memory limit if there is one."""
    total = available = 0
    try:
        parsed = _meminfo(Path("/proc/meminfo").read_text())
        if parsed:
            total, available = parsed
    except OSError:
        pass
    if not total and platform.system() == "Darwin":
        out = _run(["sysctl", "-n", "hw.memsize"])
        if out and out.strip().isdigit():
            total = int(out.strip()) // MB
            available = total // 2  # macOS keeps RAM busy with caches; vm_stat is no better a guess
            notes.append("available RAM on macOS is estimated as half of the total")
    if not total:
        try:
            total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // MB
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // MB
        except (ValueError, OSError, AttributeError):
            notes.append("RAM could not be detected")
    limits = _cgroup_memory()
    if limits and limits[0] < total:
        total, available = limits[0], min(available, max(0, limits[0] - limits[1]))
        notes.append(f"a container memory limit of {limits[0]} MB applies")
    return total, available


def detect_cpus() -> tuple[int, int]:
    """(logical CPUs usable by this process, physical cores among them)."""
    try:
        threads = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        threads = os.cpu_count() or 1
    cores = 0
    try:
        pairs = set()
        physical = "0"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "physical id":
                physical = value.strip()
            elif key.strip() == "core id":
                pairs.add((physical, value.strip()))
        cores = len(pairs)
    except OSError:
        out = _run(["sysctl", "-n", "hw.physicalcpu"]) if platform.system() == "Darwin" else None
        cores = int(out.strip()) if out and out.strip().isdigit() else 0
    return threads, min(cores, threads) if cores else threads


def parse_nvidia_smi(output: str) -> list[Gpu]:
    """GPUs from ``nvidia-smi --query-gpu=name,memory.total,memory.free --format=csv,noheader,nounits``."""
    gpus: list[Gpu] = []
    for line in output.splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
            continue
        # nvidia-smi reports MiB
        gpus.append(Gpu(parts[0], "cuda", int(parts[1]) * 1048576 // MB, int(parts[2]) * 1048576 // MB))
    return gpus


def detect_gpus(total_ram_mb: int, available_ram_mb: int, notes: list[str]) -> list[Gpu]:
    """CUDA GPUs through nvidia-smi; Apple Silicon's Metal GPU from the machine type."""
    if shutil.which("nvidia-smi"):
        out = _run(["nvidia-smi", "--query-gpu=name,memory.total,memory.free",
                    "--format=csv,noheader,nounits"])
        if out is None:
            notes.append("nvidia-smi is installed but did not answer")
            return []
        return parse_nvidia_smi(out)
    if platform.system() == "Darwin" and platform.machine() == "arm64":
        share = int(total_ram_mb * METAL_SHARE)
        return [Gpu("Apple GPU (Metal, unified memory)", "metal", share, min(share, available_ram_mb))]
    return []


def detect_gpu_offload(notes: list[str]) -> bool:
    """Whether the installed llama-cpp-python was built with a GPU backend (CUDA, Metal, ...)."""
    try:
        import llama_cpp  # the shared library loads; no model is read

        return bool(llama_cpp.llama_supports_gpu_offload())
    except (ImportError, OSError, AttributeError) as exc:  # a missing or broken build: report it
        notes.append(f"llama-cpp-python could not be asked about GPU support: {exc}")
        return False


def _run(argv: list[str]) -> str | None:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def detect() -> Hardware:
    """Detect this machine's profile."""
    notes: list[str] = []
    total, available = detect_memory(notes)
    threads, cores = detect_cpus()
    gpus = detect_gpus(total, available, notes)
    return Hardware(total_ram_mb=total, available_ram_mb=available, cpu_threads=threads,
                    physical_cores=cores, gpus=tuple(gpus), gpu_offload=detect_gpu_offload(notes),
                    system=platform.system(), notes=tuple(notes))
