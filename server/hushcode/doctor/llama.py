"""The llama.cpp build: which CPU extensions it was compiled for, against this CPU's; GPU offload.

``probe_build`` asks the library in a child process (doctor/llama_probe.py); the rest is pure.
llama.cpp's system info lists the CPU extensions it was compiled with (``CPU : SSE3 = 1 | AVX = 1 |
AVX2 = 1 | ...``). An extension the CPU lacks stops the engine with an illegal instruction; AMX
(compiled in by a native build) crashes llama.cpp on the first decode (llama.cpp issue 20824),
which is why scripts/build-llama.sh never turns it on.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from hushcode.doctor.report import CheckResult
from hushcode.isolation import child_cwd, python_command
from hushcode.models.hardware import Gpu

CHECK = "llama.cpp build"
GPU_CHECK = "gpu offload"
REBUILD = "rebuild for this CPU: CMAKE_ARGS= ./scripts/build-llama.sh (in the hushcode checkout)"
AVX512_BASE = ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw")  # what GGML_AVX512 compiles for
# llama.cpp's name of each extension in its system info -> the CPU features (Linux /proc/cpuinfo
# names) the compiled code needs, the same pairs scripts/llama_flags.py builds from.
NEEDS: dict[str, tuple[str, ...]] = {
    "SSE3": ("pni",),
    "SSSE3": ("ssse3",),
    "AVX": ("avx",),
    "AVX2": ("avx2",),
    "FMA": ("fma",),
    "F16C": ("f16c",),
    "BMI2": ("bmi2",),
    "AVX_VNNI": ("avx_vnni",),
    "AVX512": AVX512_BASE,
    "AVX512_VBMI": ("avx512vbmi", *AVX512_BASE),
    "AVX512_VNNI": ("avx512_vnni", *AVX512_BASE),
    "AVX512_BF16": ("avx512_bf16", *AVX512_BASE),
    "AMX_INT8": ("amx_int8",),
}
# The extensions scripts/build-llama.sh switches on where the CPU has them (not SSE3/SSSE3,
# which come with AVX, and never AMX).
BUILT_WHEN_PRESENT = ("AVX", "AVX2", "FMA", "F16C", "BMI2", "AVX512", "AVX512_VBMI", "AVX512_VNNI",
                      "AVX512_BF16", "AVX_VNNI")


@dataclass(frozen=True)
class BuildInfo:
    """What the installed llama-cpp-python says (or why it could not say)."""

    version: str | None
    system_info: str
    gpu_offload: bool
    error: str | None = None  # it could not be loaded, and why


def compiled_cpu_features(system_info: str) -> list[str]:
    """The CPU extensions of the ``CPU`` section of llama.cpp's system info that are on, in its order."""
    found: list[str] = []
    backend = ""
    for part in system_info.split("|"):
        part = part.strip()
        if " : " in part:  # "CPU : SSE3 = 1": a backend's first item
            backend, _, part = part.partition(" : ")
            backend = backend.strip()
        name, sep, value = part.partition("=")
        if backend == "CPU" and sep and value.strip() == "1":
            found.append(name.strip())
    return found


def describe_failure(returncode: int, stderr: str) -> str:
    """Why the probe process ended without an answer, in words."""
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode)
        except ValueError:
            return f"loading llama.cpp killed the process (signal {-returncode})"
        if sig is signal.SIGILL:
            return ("loading llama.cpp stopped with an illegal instruction (SIGILL): the library was built "
                    "for a CPU with extensions this one lacks")
        return f"loading llama.cpp killed the process ({sig.name})"
    last = [line for line in stderr.strip().splitlines() if line.strip()][-1:] or ["no message"]
    return f"llama-cpp-python could not be loaded (exit status {returncode}): {last[0].strip()}"


def probe_build(timeout_s: float = 60) -> BuildInfo:
    """Ask the installed llama.cpp in a child process; never raises."""
    try:
        proc = subprocess.run(python_command("hushcode.doctor.llama_probe"), cwd=child_cwd(), capture_output=True,
                              text=True, timeout=timeout_s, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return BuildInfo(None, "", False, f"loading llama.cpp did not finish within {timeout_s:.0f} s")
    except OSError as exc:
        return BuildInfo(None, "", False, f"the probe process could not start: {exc}")
    for line in reversed(proc.stdout.splitlines()):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and proc.returncode == 0:
            return BuildInfo(str(data.get("version")), str(data.get("system_info", "")),
                             bool(data.get("gpu_offload")))
    return BuildInfo(None, "", False, describe_failure(proc.returncode, proc.stderr))


def check_build(build: BuildInfo, cpu: frozenset[str] | None) -> CheckResult:
    """The build's CPU extensions against this CPU's (``cpu``: None where they cannot be read)."""
    if build.error is not None:
        return CheckResult(CHECK, "fail", build.error, REBUILD)
    compiled = compiled_cpu_features(build.system_info)
    known = [name for name in compiled if name in NEEDS]
    built = f"llama-cpp-python {build.version}, built for {', '.join(known) or 'no SIMD extension'}"
    if cpu is None:
        return CheckResult(CHECK, "ok", f"{built}; this CPU's extensions cannot be read here, so they were "
                                         "not compared (an x86-64 Linux reads /proc/cpuinfo)")
    lacking = [name for name in known if not all(flag in cpu for flag in NEEDS[name])]
    if lacking:
        return CheckResult(CHECK, "fail", f"{built}; this CPU lacks {', '.join(lacking)}: the engine would stop "
                                           "with an illegal instruction", REBUILD)
    if "AMX_INT8" in known:
        return CheckResult(CHECK, "fail", f"{built}; AMX is compiled in (a native build): llama.cpp crashes on "
                                           "the first decode on AMX CPUs (llama.cpp issue 20824)", REBUILD)
    unused = [name for name in BUILT_WHEN_PRESENT
              if name not in known and all(flag in cpu for flag in NEEDS[name])]
    note = (f"; this CPU also has {', '.join(unused)}, which the build does not use (a build for this CPU, "
            "./scripts/build-llama.sh, would)") if unused else ""
    return CheckResult(CHECK, "ok", f"{built}: this CPU has all of them{note}")


def check_gpu(build: BuildInfo, gpus: Sequence[Gpu]) -> CheckResult:
    """Whether the build can offload to a GPU, and whether this machine has one."""
    if build.error is not None:
        return CheckResult(GPU_CHECK, "skip", "the llama.cpp build could not be loaded")
    found = ", ".join(f"{g.name} ({g.backend}, {g.free_mb} MB free)" for g in gpus)
    if build.gpu_offload and gpus:
        return CheckResult(GPU_CHECK, "ok", f"the build offloads to a GPU: {found}; model.gpu_layers sets how "
                                             "many layers (-1: all)")
    if build.gpu_offload:
        return CheckResult(GPU_CHECK, "warn", "the build has a GPU backend, but no GPU was found (nvidia-smi)",
                           "check the GPU driver (nvidia-smi), or set model.gpu_layers = 0")
    if any(g.backend == "cuda" for g in gpus):
        return CheckResult(GPU_CHECK, "warn", f"this machine has {found}, but the llama.cpp build is CPU-only",
                           'CMAKE_ARGS="-DGGML_CUDA=on" ./scripts/setup.sh (needs nvcc; see README, GPU)')
    if gpus:
        return CheckResult(GPU_CHECK, "warn", f"this machine has {found}, but the llama.cpp build is CPU-only",
                           'CMAKE_ARGS="-DGGML_METAL=on" ./scripts/setup.sh')
    return CheckResult(GPU_CHECK, "ok", "CPU only: no GPU found, and the build has no GPU backend")
