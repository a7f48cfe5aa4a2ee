#!/usr/bin/env python3
"""Choose the CMake arguments that llama-cpp-python is built with, for the CPU this runs on.

scripts/build-llama.sh runs this with the virtual environment's Python before anything is
installed in it, so it uses the standard library only. Why the choice is ours, not llama.cpp's:

- A default build compiles with -march=native. On Intel CPUs with AMX, llama.cpp then puts the
  weights in an "AMX model buffer" and crashes on the first decode (llama.cpp issue 20824). So on
  x86-64 we build with GGML_NATIVE=OFF and name each SIMD extension ourselves: the ones the CPU
  has are switched on, and the ones it lacks that llama.cpp would switch on anyway (with
  GGML_NATIVE=OFF it assumes SSE4.2, AVX, AVX2, FMA, F16C and BMI2) are switched off. AMX is
  never switched on: it is only compiled with GGML_NATIVE or GGML_AMX_*.
- The CPU's extensions are read where each system keeps them: /proc/cpuinfo on Linux, sysctl
  on an Intel Mac. Elsewhere (Apple Silicon, arm64 Linux) llama.cpp's own defaults are right:
  a native build, with Metal on macOS.
- A user's own CMAKE_ARGS come after ours, so every variable they set wins; if they set
  GGML_NATIVE themselves, they have taken the CPU flags into their own hands and are used alone.

    python3 scripts/llama_flags.py                 # the CMake arguments (an explanation on stderr)
    python3 scripts/llama_flags.py --shell 0.3.36  # shell assignments for build-llama.sh
    python3 scripts/llama_flags.py --cores         # the CPU cores this process may use

HUSHCODE_LLAMA_PORTABLE=1 builds for every x86-64 CPU with AVX2 instead of for this one.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shlex
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

AVX512_BASE = ("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw")  # what GGML_AVX512 compiles for

# (llama.cpp option, the CPU features it needs, under their Linux /proc/cpuinfo names), in the
# order the arguments are written: the wheel cache is keyed by the text of the arguments, so
# the same CPU must keep giving the same text.
X86_OPTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("AVX", ("avx",)),
    ("AVX2", ("avx2",)),
    ("FMA", ("fma",)),
    ("F16C", ("f16c",)),
    ("BMI2", ("bmi2",)),
    ("AVX512", AVX512_BASE),
    ("AVX512_VBMI", ("avx512vbmi", *AVX512_BASE)),
    ("AVX512_VNNI", ("avx512_vnni", *AVX512_BASE)),
    ("AVX512_BF16", ("avx512_bf16", *AVX512_BASE)),
    ("AVX_VNNI", ("avx_vnni",)),
)
# What llama.cpp switches on by itself when GGML_NATIVE is OFF: each must be switched off where
# the CPU lacks it, or the build would stop with "illegal instruction" on this very machine.
ON_BY_DEFAULT = ("SSE42", "AVX", "AVX2", "FMA", "F16C", "BMI2")
# The portable build assumes these, which every x86-64 CPU with AVX2 has (Intel since 2013, AMD since 2015).
AVX2_CPU = frozenset({"sse4_2", "avx", "avx2", "fma", "f16c", "bmi2"})

# macOS's sysctl names (machdep.cpu.features / leaf7_features, hw.optional.*) that differ from Linux's.
MACOS_NAMES = {
    "avx1.0": "avx", "avx1_0": "avx", "avx2_0": "avx2", "sse4.1": "sse4_1", "sse4.2": "sse4_2",
    "avx512vnni": "avx512_vnni", "avx512bf16": "avx512_bf16", "avxvnni": "avx_vnni",
}


@dataclass(frozen=True)
class Cpu:
    """What the choice depends on. `features` is None where the CPU could not be described."""

    system: str  # platform.system(): Linux, Darwin, Windows, ...
    machine: str  # x86_64, arm64, or what platform.machine() said
    features: frozenset[str] | None = None
    source: str = ""  # where the features were read
    translated: bool = False  # an x86-64 Python running under Rosetta on Apple Silicon


@dataclass(frozen=True)
class Choice:
    """The CMake arguments, what the built library runs on, and anything the user should know."""

    args: str
    runs_on: str
    warnings: tuple[str, ...] = field(default=())


def normalise_machine(machine: str) -> str:
    m = machine.lower()
    if m in ("x86_64", "amd64", "x64"):
        return "x86_64"
    if m in ("arm64", "aarch64", "armv8", "armv8l"):
        return "arm64"
    return m


def linux_features(cpuinfo: str) -> frozenset[str] | None:
    """The first `flags` line of /proc/cpuinfo (x86); None when there is none (arm64 says `Features`)."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return None


def macos_features(sysctl_output: str) -> frozenset[str] | None:
    """Intel macOS: the words of `sysctl -n machdep.cpu.features machdep.cpu.leaf7_features`,
    and/or `hw.optional.NAME: 1` lines of `sysctl hw.optional`, under their Linux names."""
    found: set[str] = set()
    for line in sysctl_output.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().startswith("hw.optional."):
            if value.strip() == "1":
                found.add(key.strip().removeprefix("hw.optional."))
            continue
        if sep and key.strip().startswith("machdep.cpu."):
            line = value
        found.update(line.split())
    names = {MACOS_NAMES.get(w.lower(), w.lower()) for w in found}
    return frozenset(names) if names else None


def _run(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def read_cpu() -> Cpu:
    """Describe the CPU this process runs on (the only function here that reads the system)."""
    system, machine = platform.system(), normalise_machine(platform.machine())
    if machine != "x86_64":
        return Cpu(system, machine)
    if system == "Linux":
        try:
            with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
                return Cpu(system, machine, linux_features(f.read()), "/proc/cpuinfo")
        except OSError:
            return Cpu(system, machine)
    if system == "Darwin":
        text = _run(["sysctl", "-n", "machdep.cpu.features", "machdep.cpu.leaf7_features"])
        text += "\n" + _run(["sysctl", "hw.optional"])
        translated = _run(["sysctl", "-n", "sysctl.proc_translated"]).strip() == "1"
        return Cpu(system, machine, macos_features(text), "sysctl machdep.cpu, hw.optional", translated)
    return Cpu(system, machine)


def _x86_args(features: Iterable[str]) -> tuple[list[str], list[str]]:
    """The -DGGML_* arguments for an x86-64 CPU with these features, and the options switched on."""
    have = set(features)
    args, on = ["-DGGML_NATIVE=OFF"], []
    if "sse4_2" not in have:
        args.append("-DGGML_SSE42=OFF")
    for option, needs in X86_OPTIONS:
        if all(n in have for n in needs):
            args.append(f"-DGGML_{option}=ON")
            on.append(option)
        elif option in ON_BY_DEFAULT:
            args.append(f"-DGGML_{option}=OFF")
    return args, on


def _merge(ours: list[str], user_args: str) -> str:
    """Ours first, the user's after (CMake keeps the last value of a variable); the user's alone
    when they chose GGML_NATIVE themselves."""
    user = user_args.strip()
    if user and "GGML_NATIVE" in user:
        return user
    return " ".join([*ours, user] if user else ours)


def choose(cpu: Cpu, user_args: str = "", portable: bool = False) -> Choice:
    """The CMake arguments for `cpu`, pure: every input is an argument."""
    warnings: list[str] = []
    if cpu.translated:
        warnings.append("this Python is an x86-64 one running under Rosetta on Apple Silicon: the build will "
                        "be slow and without Metal; use an arm64 Python (e.g. /usr/bin/python3 or Homebrew's) instead")
    user_note = f"; with your CMAKE_ARGS after ours: {user_args.strip()}" if user_args.strip() else ""
    if cpu.machine != "x86_64":
        where = "Apple Silicon: llama.cpp's defaults, Metal on" if cpu.system == "Darwin" else \
            f"{cpu.system} {cpu.machine}: llama.cpp's defaults (a native build)"
        return Choice(user_args.strip(), f"this CPU ({where}){user_note}", tuple(warnings))
    if user_args.strip() and "GGML_NATIVE" in user_args:
        return Choice(user_args.strip(), f"what your CMAKE_ARGS choose: {user_args.strip()}", tuple(warnings))
    if portable:
        args, on = _x86_args(AVX2_CPU)
        if cpu.features is not None and not AVX2_CPU <= cpu.features:
            warnings.append("HUSHCODE_LLAMA_PORTABLE builds for AVX2, which this CPU lacks: it will not run here")
        runs_on = "every x86-64 CPU with AVX2, FMA, F16C and BMI2 (portable build; no AVX-512, no AMX)"
        return Choice(_merge(args, user_args), runs_on + user_note, tuple(warnings))
    if cpu.features is None:
        warnings.append(f"could not read this CPU's extensions on {cpu.system}: building for AVX2 "
                        "(llama.cpp's choice without GGML_NATIVE); if the engine stops with 'illegal "
                        "instruction', set CMAKE_ARGS (see docs/install.md)")
        args, on = _x86_args(AVX2_CPU)
        runs_on = f"x86-64 CPUs with {', '.join(on)} (assumed: no CPU description on {cpu.system}; no AMX)"
        return Choice(_merge(args, user_args), runs_on + user_note, tuple(warnings))
    args, on = _x86_args(cpu.features)
    shown = ", ".join(on) if on else "SSE4.2 (no AVX)" if "sse4_2" in cpu.features else "SSE2 (no SSE4.2, no AVX)"
    runs_on = f"x86-64 CPUs that have {shown}: the extensions this CPU has, read from {cpu.source}; never AMX"
    return Choice(_merge(args, user_args), runs_on + user_note, tuple(warnings))


def usable_cores() -> int:
    """The cores this process may run on (like GNU nproc, which macOS lacks)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cache_key(version: str, args: str) -> str:
    """The wheel folder's key (the same text build-llama.sh hashed with sha256sum before)."""
    return hashlib.sha256(f"{version}|{args}".encode()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cores", action="store_true", help="print the number of usable CPU cores")
    parser.add_argument("--shell", metavar="VERSION", help="print shell assignments for build-llama.sh")
    opts = parser.parse_args(argv)
    if opts.cores:
        print(usable_cores())
        return 0
    choice = choose(read_cpu(), os.environ.get("CMAKE_ARGS", ""),
                    portable=os.environ.get("HUSHCODE_LLAMA_PORTABLE", "") not in ("", "0"))
    for warning in choice.warnings:
        print(f"build-llama: warning: {warning}", file=sys.stderr)
    if opts.shell:
        for name, value in (("cmake_args", choice.args), ("runs_on", choice.runs_on),
                            ("cache_key", cache_key(opts.shell, choice.args)), ("cores", str(usable_cores()))):
            print(f"{name}={shlex.quote(value)}")
    else:
        print(f"build-llama: the library will run on {choice.runs_on}", file=sys.stderr)
        print(choice.args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
