"""Engine settings chosen for this machine: threads and GPU layers, unless the user set them.

- Threads: llama.cpp is fastest with one thread per *physical* core that this process may use
  (hyper-threads share the core's vector units and slow generation down). Generation is limited
  by memory bandwidth, so more than 8 threads rarely helps it; prompt evaluation is limited by
  compute, so it gets every physical core.
- GPU layers: decided in the engine process (it imports llama.cpp; the server never does):
  every layer when the llama.cpp build can offload to a GPU, else none (see engine/worker.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from hushcode.config.settings import Settings
from hushcode.engine.contracts import EngineConfig

GENERATION_THREADS_CAP = 8


def usable_cpus() -> list[int]:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def physical_cores(cpus: list[int] | None = None, sysfs: Path = Path("/sys/devices/system/cpu")) -> int:
    """Physical cores among `cpus` (Linux: from the CPU topology); the CPU count where unknown."""
    cpus = usable_cpus() if cpus is None else cpus
    cores: set[tuple[str, str]] = set()
    for cpu in cpus:
        topology = sysfs / f"cpu{cpu}" / "topology"
        try:
            package = (topology / "physical_package_id").read_text().strip()
            core = (topology / "core_id").read_text().strip()
        except OSError:
            return max(1, len(cpus))
        cores.add((package, core))
    return max(1, len(cores))


def auto_threads(cores: int | None = None) -> tuple[int, int]:
    """(generation threads, prompt-evaluation threads) for this machine."""
    cores = physical_cores() if cores is None else cores
    return min(cores, GENERATION_THREADS_CAP), cores


def engine_config(model_path: str, settings: Settings) -> EngineConfig:
    """The local engine's configuration: the settings, with "automatic" values made concrete."""
    model = settings.model
    threads, batch_threads = (model.threads, model.threads) if model.threads > 0 else auto_threads()
    return EngineConfig(model_path=model_path, n_ctx=model.context_tokens, threads=threads,
                        threads_batch=batch_threads, gpu_layers=model.gpu_layers)


def gpu_layers_for(requested: int) -> int:
    """-1 (automatic): every layer (llama.cpp's -1) when this llama.cpp build can offload to a GPU,
    else 0; any other value as the user set it. Imports llama.cpp: call it in the engine process."""
    if requested >= 0:
        return requested
    import llama_cpp

    return -1 if llama_cpp.llama_supports_gpu_offload() else 0
