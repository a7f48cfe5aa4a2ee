"""Engine settings chosen for this machine: threads and GPU layers, unless the user set them.

- Threads: llama.cpp is fastest with one thread per *physical* core that this process may use
  (hyper-threads share the core's vector units and slow generation down); models/hardware.py,
  the one probe of this machine, counts them (`hushcode models advise` reads the same count).
  Generation is limited by memory bandwidth, so more than 8 threads rarely helps it; prompt
  evaluation is limited by compute, so it gets every physical core.
- GPU layers: decided in the engine process (it imports llama.cpp; the server never does):
  every layer when the llama.cpp build can offload to a GPU, else none (see engine/worker.py).
"""

from __future__ import annotations

from hushcode.config.settings import Settings
from hushcode.engine.contracts import EngineConfig
from hushcode.models.hardware import physical_cores

GENERATION_THREADS_CAP = 8


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
