"""Engine settings chosen for the machine: threads from physical cores, overridable."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushcode.config.settings import ModelSettings, Settings
from hushcode.engine.resources import GENERATION_THREADS_CAP, auto_threads, engine_config
from hushcode.models.hardware import physical_cores


def _sysfs(root: Path, topology: dict[int, tuple[int, int]]) -> Path:
    for cpu, (package, core) in topology.items():
        folder = root / f"cpu{cpu}" / "topology"
        folder.mkdir(parents=True)
        (folder / "physical_package_id").write_text(f"{package}\n")
        (folder / "core_id").write_text(f"{core}\n")
    return root


@pytest.mark.parametrize(("topology", "cpus", "cores"), [
    ({0: (0, 0), 1: (0, 1)}, [0, 1], 2),  # two cores, no SMT
    ({0: (0, 0), 1: (0, 0), 2: (0, 1), 3: (0, 1)}, [0, 1, 2, 3], 2),  # two cores, two threads each
    ({0: (0, 0), 1: (1, 0)}, [0, 1], 2),  # core 0 of two packages
    ({0: (0, 0), 1: (0, 0), 2: (0, 1), 3: (0, 1)}, [2, 3], 1),  # affinity: one core's threads
])
def test_physical_cores(tmp_path: Path, topology: dict[int, tuple[int, int]], cpus: list[int], cores: int) -> None:
    assert physical_cores(cpus, _sysfs(tmp_path, topology)) == cores


def test_no_topology_counts_cpus(tmp_path: Path) -> None:
    assert physical_cores([0, 1, 2], tmp_path) == 3


@pytest.mark.parametrize(("cores", "expected"), [(1, (1, 1)), (4, (4, 4)), (8, (8, 8)), (32, (8, 32))])
def test_generation_threads_are_capped_prompt_threads_are_not(cores: int, expected: tuple[int, int]) -> None:
    assert GENERATION_THREADS_CAP == 8
    assert auto_threads(cores) == expected


def test_engine_config_automatic_and_overridden() -> None:
    auto = engine_config("/m.gguf", Settings())
    assert (auto.threads, auto.threads_batch) == auto_threads() and auto.gpu_layers == -1
    fixed = engine_config("/m.gguf", Settings(model=ModelSettings(threads=3, gpu_layers=0, context_tokens=1024)))
    assert (fixed.threads, fixed.threads_batch, fixed.gpu_layers, fixed.n_ctx) == (3, 3, 0, 1024)


def test_gpu_layers_automatic_follows_the_llama_cpp_build() -> None:
    import llama_cpp

    from hushcode.worker.loader import gpu_layers_for

    assert gpu_layers_for(7) == 7 and gpu_layers_for(0) == 0
    assert gpu_layers_for(-1) == (-1 if llama_cpp.llama_supports_gpu_offload() else 0)
