"""``hushcode models advise``: a pure function of a hardware profile (table-driven here), plus the
real command with its hardware detection and its speed probe."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hushcode.models import typing_probe
from hushcode.models.advise import (
    Configured,
    SpeedRef,
    TypingTimes,
    advise,
    table_speed,
)
from hushcode.models.catalog import load_catalog
from hushcode.models.hardware import Gpu, Hardware, parse_nvidia_smi
from hushcode.models.memory import Shape
from hushcode.models.typing_probe import pause_points
from tests.fixtures.tiny_gguf import write_tiny_gguf
from tests.models.helpers import write_gguf

REPO = Path(__file__).resolve().parents[2]
CATALOG = load_catalog()
# A CPU reference: the default 0.5B Q4_K_M at 43 / 19 tok/s on 2 threads (figures of the catalog's
# slowest row), and the same scaled to 8 and 32 cores the way table_speed does it.
CPU_2 = SpeedRef(43, 19, 0.49, 491_400_064, "cpu", "test")
CPU_8 = SpeedRef(172, 38, 0.49, 491_400_064, "cpu", "test")
CPU_32 = SpeedRef(688, 76, 0.49, 491_400_064, "cpu", "test")
GPU_FAST = SpeedRef(4000, 250, 0.49, 491_400_064, "gpu", "test")

LAPTOP = Hardware(total_ram_mb=16_000, available_ram_mb=9_000, cpu_threads=16, physical_cores=8)
WORKSTATION = Hardware(total_ram_mb=128_000, available_ram_mb=100_000, cpu_threads=64, physical_cores=32)
SMALL_VM = Hardware(total_ram_mb=25_000, available_ram_mb=24_000, cpu_threads=2, physical_cores=2)
TINY = Hardware(total_ram_mb=2_000, available_ram_mb=1_100, cpu_threads=4, physical_cores=2)
RTX_8GB = Hardware(32_000, 20_000, 16, 8, (Gpu("RTX 4060", "cuda", 8_188, 7_600),), gpu_offload=True)
RTX_24GB = Hardware(64_000, 50_000, 32, 16, (Gpu("RTX 4090", "cuda", 24_564, 23_000),), gpu_offload=True)
GPU_NO_BUILD = Hardware(32_000, 20_000, 16, 8, (Gpu("RTX 4090", "cuda", 24_564, 23_000),), gpu_offload=False)


@pytest.mark.parametrize(("hw", "speed", "kwargs", "expected", "device"), [
    # A laptop CPU: the 0.5B base answers within 800 ms, the 1.5B does not.
    (LAPTOP, CPU_8, {}, "qwen2.5-coder-0.5b-q8_0", "cpu"),
    # More cores: the 1.5B base fits the budget; the 3B would too, but it is non-commercial.
    (WORKSTATION, CPU_32, {"budget_ms": 900}, "qwen2.5-coder-1.5b-q8_0", "cpu"),
    (WORKSTATION, CPU_32, {"budget_ms": 900, "commercial_only": False}, "qwen2.5-coder-3b-q8_0", "cpu"),
    # Nothing is fast enough on 2 cores: the best of the fastest, with a warning.
    (SMALL_VM, CPU_2, {}, "qwen2.5-coder-0.5b-q8_0", "cpu"),
    # A GPU with unknown speed: the largest that fits in its free memory.
    (RTX_8GB, None, {}, "qwen2.5-coder-7b-instruct-q4_k_m", "gpu"),
    (RTX_24GB, None, {}, "qwen2.5-coder-14b-q8_0", "gpu"),
    # A GPU with a measured speed: the latency budget applies there too.
    (RTX_24GB, GPU_FAST, {"budget_ms": 400}, "qwen2.5-coder-7b-q8_0", "gpu"),
    (RTX_24GB, GPU_FAST, {"budget_ms": 250}, "qwen2.5-coder-1.5b-q8_0", "gpu"),
    # A GPU the llama.cpp build cannot use: the CPU decides.
    (GPU_NO_BUILD, CPU_8, {}, "qwen2.5-coder-0.5b-q8_0", "cpu"),
    # A long context costs KV cache: 7B Q8_0 no longer fits in the 8 GB card's budget anyway,
    # and at 32k tokens the 7B Q4_K_M's cache (1.9 GB) pushes it out as well.
    (RTX_8GB, None, {"n_ctx": 32768}, "qwen2.5-coder-1.5b-q8_0", "gpu"),
    (TINY, CPU_2, {}, None, "cpu"),
], ids=["laptop", "workstation", "workstation-any-licence", "small-vm", "gpu-8gb", "gpu-24gb",
        "gpu-measured", "gpu-measured-tight", "gpu-without-build", "gpu-8gb-long-context", "tiny"])
def test_recommendation_for_hardware(hw: Hardware, speed: SpeedRef | None, kwargs: dict[str, object],
                                     expected: str | None, device: str) -> None:
    advice = advise(hw, CATALOG, speed=speed, **kwargs)  # type: ignore[arg-type]
    assert advice.device == device
    assert (advice.recommended.entry.id if advice.recommended else None) == expected
    if advice.recommended is not None:
        rec = advice.recommended
        assert rec.fits and rec.memory.total_mb <= advice.budget_mb
        assert rec.entry.commercial_use or kwargs.get("commercial_only") is False
        assert any(line.startswith("It fits in") for line in advice.reasons)
        assert advice.reasons[-1] == f"Get it with: hushcode models pull {expected}"
    else:
        assert advice.reasons[0].startswith("No catalog model fits")


def test_reasoning_names_size_speed_and_licence() -> None:
    advice = advise(LAPTOP, CATALOG, speed=CPU_8)
    text = "\n".join(advice.reasons)
    rec = advice.recommended
    assert rec is not None and rec.latency_ms is not None
    assert "base model, trained for fill-in-the-middle" in text
    assert f"answers a keystroke in ~{rec.latency_ms:.0f} ms here" in text
    assert "KV cache at 4096 tokens" in text and "Licence: Apache-2.0 (commercial use allowed)" in text
    assert "The next larger, qwen2.5-coder-1.5b-instruct-q4_k_m, would take" in text
    assert "Threads: 8" in text
    assert not advice.warnings


def test_slow_machine_is_warned() -> None:
    advice = advise(SMALL_VM, CATALOG, speed=CPU_2)
    assert any("answers slower than 800 ms" in w for w in advice.warnings)


def test_unknown_gpu_speed_asks_for_a_probe() -> None:
    advice = advise(RTX_8GB, CATALOG, speed=CPU_8)  # a CPU speed says nothing about the GPU
    assert advice.speed_source is None
    assert any("--probe" in line for line in advice.reasons)


def test_gpu_without_gpu_build_is_explained() -> None:
    advice = advise(GPU_NO_BUILD, CATALOG, speed=CPU_8)
    assert any("no GPU support" in w and "GGML_CUDA" in w for w in advice.warnings)


def test_larger_models_are_slower_and_need_more_memory() -> None:
    advice = advise(WORKSTATION, CATALOG, speed=CPU_32)
    base_q8 = [c for c in advice.candidates if c.entry.variant == "base" and c.entry.quant == "Q8_0"]
    sizes = [c.entry.model.params_b for c in base_q8]
    assert sizes == sorted(sizes) and len(sizes) >= 4
    assert [c.latency_ms for c in base_q8] == sorted(c.latency_ms or 0 for c in base_q8)
    assert [c.memory.total for c in base_q8] == sorted(c.memory.total for c in base_q8)


@pytest.mark.parametrize(("configured", "needle"), [
    (Configured("big.gguf", 20_000_000_000, Shape(64, 40, 8, 128, 128, 152064), 4096), "will not fit"),
    (Configured("chat.gguf", 400_000_000, Shape(24, 14, 2, 64, 64, 151936), 4096, fim=False),
     "no fill-in-the-middle tokens"),
    (Configured("/x/broken.gguf", 0, None, 4096), "could not be read"),
])
def test_configured_model_warnings(configured: Configured, needle: str) -> None:
    advice = advise(LAPTOP, CATALOG, speed=CPU_8, configured=configured)
    assert any(needle in w and configured.label in w for w in advice.warnings)


def test_configured_model_that_fits_is_not_warned_about() -> None:
    fine = Configured("small.gguf", 500_000_000, Shape(24, 14, 2, 64, 64, 151936), 4096)
    assert not advise(LAPTOP, CATALOG, speed=CPU_8, configured=fine).warnings


def test_table_speed_scales_with_cores() -> None:
    two = table_speed(CATALOG, SMALL_VM)
    eight = table_speed(CATALOG, LAPTOP)
    assert two is not None and eight is not None
    assert (two.prompt_tps, two.gen_tps) == (43, 19)  # the slowest row for 2 threads
    assert eight.prompt_tps == pytest.approx(43 * 4) and eight.gen_tps == pytest.approx(19 * 2)


# --------------------------------------------------------------------------- detection


def test_parse_nvidia_smi() -> None:
    out = "NVIDIA H100 80GB HBM3, 81559, 80000\nNVIDIA GeForce RTX 4060, 8188, 7600\n[N/A], x, y\n"
    gpus = parse_nvidia_smi(out)
    assert [(g.name, g.backend) for g in gpus] == [("NVIDIA H100 80GB HBM3", "cuda"),
                                                   ("NVIDIA GeForce RTX 4060", "cuda")]
    assert gpus[0].total_mb == 85_520 and gpus[0].free_mb == 83_886  # MiB -> MB


def _advise_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(REPO / "server"), str(REPO)])}
    return subprocess.run([sys.executable, "-m", "hushcode", "models", "advise", *args], env=full,
                          capture_output=True, text=True, timeout=300, check=False)


def test_advise_command_detects_this_machine(tmp_path: Path) -> None:
    proc = _advise_cli(["--json"], {"HUSHCODE_MODELS_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    hw = report["hardware"]
    assert hw["total_ram_mb"] > 0 and hw["cpu_threads"] >= 1 and hw["physical_cores"] >= 1
    assert isinstance(hw["gpu_offload"], bool)
    assert report["candidates"] and report["reasons"]


def test_advise_command_with_a_gpu_the_build_cannot_use(tmp_path: Path) -> None:
    """A fake nvidia-smi on PATH stands for the driver; the llama.cpp build here is CPU-only."""
    fake = tmp_path / "bin" / "nvidia-smi"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'NVIDIA GeForce RTX 4090, 24564, 23000'\n", encoding="utf-8")
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}", "HUSHCODE_MODELS_DIR": str(tmp_path)}
    proc = _advise_cli([], env)
    assert proc.returncode == 0, proc.stderr
    assert "GPU: NVIDIA GeForce RTX 4090 (24.1 of 25.8 GB free)" in proc.stdout
    assert "llama.cpp build: CPU only" in proc.stdout
    assert "has no GPU support" in proc.stdout and "Recommended for inline completion:" in proc.stdout


def test_advise_probe_measures_the_configured_model(tmp_path: Path) -> None:
    """--probe runs llama.cpp on the configured model (the tiny test model) in a child process."""
    model = write_tiny_gguf(tmp_path / "tiny.gguf", fim=True)
    proc = _advise_cli(["--probe", "--json"], {"HUSHCODE_MODEL": str(model),
                                               "HUSHCODE_MODELS_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    probe = report["probe"]
    assert probe["path"] == str(model) and probe["prompt_tokens"] == 256 and probe["gen_tokens"] == 32
    assert probe["prompt_tps"] > 0 and probe["gen_tps"] > 0
    assert report["speed_source"].startswith("measured here with tiny.gguf")
    print(f"tiny model here: {probe['prompt_tps']:.0f} tok/s prompt, {probe['gen_tps']:.0f} tok/s generation")


def test_advise_probe_of_a_model_llama_cpp_cannot_load(tmp_path: Path) -> None:
    """A GGUF with a good header and FIM tokens but no weights: llama.cpp refuses it in the child."""
    broken = write_gguf(tmp_path / "no-weights.gguf", fim="qwen")
    proc = _advise_cli(["--probe"], {"HUSHCODE_MODEL": str(broken), "HUSHCODE_MODELS_DIR": str(tmp_path)})
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("hushcode models: error: the probe of no-weights.gguf failed (exit status 1)")
    assert "Traceback" not in proc.stderr


def test_advise_probe_without_any_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from hushcode.cli import models as commands
    from hushcode.models import advisor as advise_cli

    monkeypatch.setenv("HUSHCODE_MODELS_DIR", str(tmp_path))
    monkeypatch.delenv("HUSHCODE_MODEL", raising=False)
    monkeypatch.setattr(advise_cli, "discover", list)  # not this machine's own stores
    assert commands.run(["advise", "--probe"]) == 1
    err = capsys.readouterr().err
    assert "no model with FIM tokens is on this machine to measure; run: hushcode models pull" in err


def test_advise_command_warns_about_a_configured_model_that_is_missing(tmp_path: Path) -> None:
    missing = tmp_path / "gone.gguf"
    proc = _advise_cli([], {"HUSHCODE_MODEL": str(missing), "HUSHCODE_MODELS_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert f"The configured model {missing} could not be read" in proc.stdout


# --- measured beats estimated: the typing probe's time to a suggestion ------------------------------

def _times(p50: float, p90: float, pauses: int = 8) -> TypingTimes:
    """Typing times whose median is `p50` and whose 90th percentile is `p90`."""
    low = [p50] * (pauses - 1)
    return TypingTimes("/models/x.gguf", cold_ms=4000.0, times_ms=(*low, p90), suggested=pauses)


def test_typing_times_percentiles_and_targets() -> None:
    times = TypingTimes("x.gguf", 3000.0, (400.0, 500.0, 600.0, 700.0, 800.0, 900.0, 1000.0, 2500.0), 9)
    assert times.p50_ms == 750.0 and times.p90_ms == 2500.0 and not times.within_targets  # p90 misses
    assert _times(900, 1900).within_targets and not _times(1100, 1500).within_targets
    assert "p50 900 ms, p90 1.9 s over 8 typing pauses" in _times(900, 1900).summary()


def test_measured_models_within_the_targets_choose_the_largest() -> None:
    measured = {"qwen2.5-coder-0.5b-instruct-q4_k_m": _times(400, 900),
                "qwen2.5-coder-1.5b-instruct-q4_k_m": _times(800, 1700)}
    advice = advise(LAPTOP, CATALOG, speed=CPU_8, measured=measured)  # the estimate alone says 0.5B Q8_0
    assert advice.recommended is not None and advice.recommended.entry.id == "qwen2.5-coder-1.5b-instruct-q4_k_m"
    text = "\n".join(advice.reasons)
    assert "Measured here, typing a sample through the completion service: p50 800 ms, p90 1.7 s" in text
    assert "qwen2.5-coder-0.5b-instruct-q4_k_m, measured the same way: p50 400 ms" in text
    assert not advice.warnings


def test_a_larger_model_that_misses_the_targets_is_not_chosen() -> None:
    measured = {"qwen2.5-coder-0.5b-instruct-q4_k_m": _times(700, 1500),
                "qwen2.5-coder-1.5b-instruct-q4_k_m": _times(1300, 2600)}
    advice = advise(WORKSTATION, CATALOG, speed=CPU_32, measured=measured)
    assert advice.recommended is not None and advice.recommended.entry.id == "qwen2.5-coder-0.5b-instruct-q4_k_m"
    assert "misses the targets" in "\n".join(advice.reasons)


def test_nothing_within_the_targets_recommends_the_fastest_measured_with_a_warning() -> None:
    measured = {"qwen2.5-coder-0.5b-instruct-q4_k_m": _times(2500, 5000)}
    advice = advise(SMALL_VM, CATALOG, speed=CPU_2, measured=measured)
    assert advice.recommended is not None and advice.recommended.entry.id == "qwen2.5-coder-0.5b-instruct-q4_k_m"
    assert any("no installed model met the typing targets here" in w for w in advice.warnings), advice.warnings


def test_the_probe_types_inside_function_bodies_top_down() -> None:
    documents = pause_points()
    assert len(documents) == typing_probe.PAUSES
    for before, after in itertools.pairwise(documents):
        assert after.startswith(before.rstrip(" "))  # typed in order: each pause extends the last
    for document in documents:
        last = document.rsplit("\n", 1)[1]
        assert last and not last.strip()  # the cursor after the new line's indentation
        above = [line for line in document.split("\n")[:-1] if line.strip()]
        assert any(line.lstrip().startswith("def ") for line in above)


@pytest.mark.model
def test_advise_probe_measures_the_time_to_a_suggestion(model_path: Path) -> None:
    """--probe types the sample through the real completion service with the installed default model."""
    proc = _advise_cli(["--probe", "--json"], {"HUSHCODE_MODELS_DIR": str(model_path.parent),
                                               "HUSHCODE_MODEL": str(model_path)})
    assert proc.returncode == 0, proc.stderr
    assert "measuring the time to a suggestion with qwen2.5-coder-0.5b-instruct-q4_k_m" in proc.stderr
    report = json.loads(proc.stdout)
    by_id = {c["id"]: c for c in report["candidates"]}
    measured = by_id["qwen2.5-coder-0.5b-instruct-q4_k_m"]["measured"]
    assert measured is not None and measured["pauses"] == typing_probe.PAUSES - 1, measured
    assert 0 < measured["p50_ms"] <= measured["p90_ms"] and measured["suggested"] >= 1
    assert report["recommended"]["measured"] is not None
    print(f"the default model here: p50 {measured['p50_ms']} ms, p90 {measured['p90_ms']} ms")
