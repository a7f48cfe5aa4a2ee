"""The one probe of this machine (models/hardware.py): psutil, plus what psutil cannot tell."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from hushcode.engine.resources import auto_threads
from hushcode.models import hardware


def test_advise_and_the_engine_count_the_same_cores() -> None:
    profile = hardware.detect()
    assert profile.cpu_threads == len(hardware.usable_cpus()) >= 1
    assert auto_threads()[1] == profile.physical_cores >= 1
    assert profile.total_ram_mb > 0 and 0 < profile.available_ram_mb <= profile.total_ram_mb


def test_without_a_topology_all_cpus_count_as_psutil_says(tmp_path: Path) -> None:
    every_cpu = list(range(psutil.cpu_count() or 1))
    assert hardware.physical_cores(every_cpu, tmp_path) == psutil.cpu_count(logical=False)


def test_a_container_memory_limit_lowers_the_ram(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "memory.max").write_text("2000000000\n")
    (tmp_path / "memory.current").write_text("500000000\n")
    assert hardware._cgroup_memory(tmp_path) == (2000, 500)
    (tmp_path / "memory.max").write_text("max\n")
    assert hardware._cgroup_memory(tmp_path) is None
    monkeypatch.setattr(hardware, "_cgroup_memory", lambda: (2000, 500))
    notes: list[str] = []
    total, available = hardware.detect_memory(notes)
    assert total == 2000 and available <= 1500
    assert notes == ["a container memory limit of 2000 MB applies"]
