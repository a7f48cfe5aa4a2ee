"""What this machine offers a model: RAM, CPU cores, GPU memory, and the llama.cpp build's GPU support.

The one probe of this machine: `hushcode models advise` and the engine's thread count (engine/
resources.py) both read their cores here, so they agree. psutil tells memory, CPUs and this
process's CPU affinity on every system; what it cannot tell is read here: which of the usable
CPUs share a physical core (Linux's CPU topology), the CPU's extensions (/proc/cpuinfo, for
`hushcode doctor`), a container's memory limit (cgroup v2), the GPUs (``nvidia-smi`` when it is
installed), and whether llama.cpp can offload to a GPU.

Only local facts are read; nothing is sent anywhere. Every probe that fails leaves its field
unknown with a note instead of raising: ``detect()`` always returns.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import psutil

MB = 1_000_000
# Apple Silicon shares RAM with the GPU; Metal lets one process use about this much of it
# (recommendedMaxWorkingSetSize is 2/3 to 3/4 of RAM depending on the machine).
METAL_SHARE = 2 / 3
CPU_TOPOLOGY = Path("/sys/devices/system/cpu")
CGROUP = Path("/sys/fs/cgroup")


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


def _cgroup_memory(root: Path = CGROUP) -> tuple[int, int] | None:
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
    try:
        memory = psutil.virtual_memory()
        total, available = memory.total // MB, memory.available // MB
    except (OSError, RuntimeError):  # psutil could not read the system's figures
        notes.append("RAM could not be detected")
        total = available = 0
    limits = _cgroup_memory()
    if limits and limits[0] < total:
        total, available = limits[0], min(available, max(0, limits[0] - limits[1]))
        notes.append(f"a container memory limit of {limits[0]} MB applies")
    return total, available


def usable_cpus() -> list[int]:
    """The CPUs this process may run on (every CPU where the system has no affinity: macOS)."""
    try:
        return sorted(psutil.Process().cpu_affinity())
    except (AttributeError, OSError, psutil.Error):
        return list(range(psutil.cpu_count() or 1))


def physical_cores(cpus: list[int] | None = None, topology: Path = CPU_TOPOLOGY) -> int:
    """Physical cores among ``cpus`` (by default the CPUs this process may use).

    llama.cpp is fastest with one thread per physical core (hyper-threads share a core's vector
    units). psutil counts the cores of the whole machine, not of an affinity mask, so where Linux
    says which CPU is on which core, that decides; elsewhere psutil's count when ``cpus`` are all
    the machine's CPUs, else one core per CPU."""
    cpus = usable_cpus() if cpus is None else cpus
    cores = _topology_cores(cpus, topology)
    if cores is None and len(cpus) == psutil.cpu_count():
        cores = psutil.cpu_count(logical=False)
    return max(1, cores or len(cpus))


def _topology_cores(cpus: list[int], topology: Path) -> int | None:
    """Distinct (package, core) pairs among ``cpus``; None where the topology cannot be read."""
    cores: set[tuple[str, str]] = set()
    for cpu in cpus:
        folder = topology / f"cpu{cpu}" / "topology"
        try:
            cores.add(((folder / "physical_package_id").read_text().strip(),
                       (folder / "core_id").read_text().strip()))
        except OSError:
            return None
    return len(cores)


def cpu_flags(cpuinfo: str) -> frozenset[str] | None:
    """The extensions named on the first ``flags`` line of /proc/cpuinfo (x86); None without one."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return None


def cpu_features(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str] | None:
    """This CPU's extensions under their Linux names (``avx2``, ``avx512f``, ``amx_int8``), as
    scripts/llama_flags.py reads them to choose the build; None where they cannot be read (not
    Linux, not x86)."""
    try:
        return cpu_flags(cpuinfo.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


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


def gpu_offload_support() -> tuple[bool, str | None]:
    """Whether the installed llama-cpp-python was built with a GPU backend (CUDA, Metal, ...), and
    why it could not be asked (a missing or broken build) when it could not."""
    try:
        import llama_cpp  # lazy: loads llama.cpp's shared library (no model is read)

        return bool(llama_cpp.llama_supports_gpu_offload()), None
    except (ImportError, OSError, AttributeError, RuntimeError) as exc:
        return False, str(exc)


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
    cpus = usable_cpus()
    gpus = detect_gpus(total, available, notes)
    offload, problem = gpu_offload_support()
    if problem is not None:
        notes.append(f"llama-cpp-python could not be asked about GPU support: {problem}")
    return Hardware(total_ram_mb=total, available_ram_mb=available, cpu_threads=len(cpus),
                    physical_cores=physical_cores(cpus), gpus=tuple(gpus), gpu_offload=offload,
                    system=platform.system(), notes=tuple(notes))
