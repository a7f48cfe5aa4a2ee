"""``hushcode models advise``: which model and quantisation suit this machine for inline completion.

A pure function of a hardware profile, the catalog and a speed reference, so that tests can
table-drive it. The rules:

1. **Where it runs.** On the GPU when the llama.cpp build can offload and a GPU is present (its
   free memory, less 10 %, is the budget); otherwise on the CPU, with 80 % of the available RAM
   (the editor and the rest of the desktop need the remainder).
2. **What fits.** A file fits when ``ModelEntry.memory(n_ctx)`` (weights + KV cache + buffers)
   is within that budget.
3. **How fast.** A typical keystroke evaluates ~32 new prompt tokens (the KV cache holds the
   rest) and generates ~16 (one line). Speeds come from ``--probe`` (measured here) or the
   catalog's ``[[speeds]]`` table (measured elsewhere, scaled to this machine's cores); either is
   then scaled from the measured model to each candidate: prompt speed by the parameters used
   per token, generation speed by the bytes read per token (it is memory-bound), both to the
   power ``SIZE_EXPONENT``.
4. **Which one.** Candidates are the Qwen2.5-Coder files (trained for FIM, Apache-2.0 but for
   the 3B): by default only licences that allow commercial use. Among those that fit and answer
   within the latency budget, the best by size, then base over instruct, then the finer
   quantisation. Nothing within budget: the best of those within 15 % of the fastest, with a
   warning.
5. **Measured beats estimated.** With ``--probe``, the installed candidates' time to a suggestion
   is measured by typing a sample through the real completion service (models/typing_probe.py).
   Then the recommendation is the best measured file whose p50 and p90 meet the typing targets
   (p50 ≤ 1.0 s, p90 ≤ 2.0 s); when none does, the measured file with the lowest p50, with a
   warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hushcode.models.catalog import Catalog, ModelEntry, SpeedRow
from hushcode.models.hardware import Hardware
from hushcode.models.memory import MemoryEstimate, Shape, estimate_memory

TYPICAL_PROMPT_TOKENS = 32
TYPICAL_GEN_TOKENS = 16
COLD_PROMPT_TOKENS = 512
DEFAULT_BUDGET_MS = 800.0
RECOMMENDED_FAMILY = "qwen2.5-coder"
MAX_PARAMS_B = 16.0  # larger models are too slow per keystroke even on a big GPU
GPU_HEADROOM = 0.9
RAM_SHARE = 0.8
NEAR_FASTEST = 1.15
# Speed falls more slowly than size grows: small models do not keep the cores or the memory bus
# busy. On one 2-core machine the 0.5B and 1.5B Q4_K_M ran at 141 and 70 tok/s (prompt) and 23
# and 14 (generation): ratios of 0.50 and 0.61 for 3.1x the parameters and 2.3x the bytes, which
# a power of 0.6 reproduces (0.50 and 0.61).
SIZE_EXPONENT = 0.6
_QUANT_RANK = {"Q8_0": 3, "Q6_K": 2, "Q5_K_M": 1, "Q4_K_M": 0}


@dataclass(frozen=True)
class SpeedRef:
    """Measured speed of one model on one device, the base every estimate scales from."""

    prompt_tps: float
    gen_tps: float
    params_b: float  # parameters used per token by the measured model
    weights_bytes: int  # bytes read per generated token by the measured model
    device: str  # "cpu" or "gpu"
    source: str  # for the user: where the figures come from


TARGET_P50_MS = 1000.0  # the typing targets (docs/latency.md): a suggestion at a pause within a second,
TARGET_P90_MS = 2000.0  # nine in ten within two


@dataclass(frozen=True)
class TypingTimes:
    """One model's measured times to an answer at a typing probe's pauses (models/typing_probe.py)."""

    path: str
    cold_ms: float  # the file's first request
    times_ms: tuple[float, ...]  # the typing pauses after it
    suggested: int  # pauses (the first included) that got a suggestion

    @property
    def p50_ms(self) -> float:
        ordered = sorted(self.times_ms)
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    @property
    def p90_ms(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]

    @property
    def within_targets(self) -> bool:
        return self.p50_ms <= TARGET_P50_MS and self.p90_ms <= TARGET_P90_MS

    def summary(self) -> str:
        verdict = "within" if self.within_targets else "misses"
        return (f"p50 {_ms(self.p50_ms)}, p90 {_ms(self.p90_ms)} over {len(self.times_ms)} typing pauses "
                f"(a file's first request: {_ms(self.cold_ms)}; {self.suggested} of {len(self.times_ms) + 1} "
                f"with a suggestion): {verdict} the targets (p50 ≤ {_ms(TARGET_P50_MS)}, p90 ≤ {_ms(TARGET_P90_MS)})")


@dataclass(frozen=True)
class Candidate:
    """One catalog file judged for this machine."""

    entry: ModelEntry
    device: str
    memory: MemoryEstimate
    fits: bool
    prompt_tps: float | None = None
    gen_tps: float | None = None
    measured: TypingTimes | None = None  # its time to a suggestion, measured here (--probe)

    @property
    def latency_ms(self) -> float | None:
        """Estimated time to answer a typical keystroke."""
        if not self.prompt_tps or not self.gen_tps:
            return None
        return 1000 * (TYPICAL_PROMPT_TOKENS / self.prompt_tps + TYPICAL_GEN_TOKENS / self.gen_tps)

    @property
    def cold_ms(self) -> float | None:
        """Estimated time for a cold 512-token prompt (a newly opened file)."""
        if not self.prompt_tps or not self.gen_tps:
            return None
        return 1000 * (COLD_PROMPT_TOKENS / self.prompt_tps + TYPICAL_GEN_TOKENS / self.gen_tps)


@dataclass(frozen=True)
class Configured:
    """The model the settings point at, described from its own GGUF."""

    label: str
    weights_bytes: int
    shape: Shape | None  # None when the file could not be read
    n_ctx: int
    fim: bool = True


@dataclass(frozen=True)
class Advice:
    device: str
    budget_mb: int
    threads: int
    recommended: Candidate | None
    reasons: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    speed_source: str | None = None


def table_speed(catalog: Catalog, hw: Hardware) -> SpeedRef | None:
    """The catalog's measured CPU speed nearest to this machine, scaled to its core count.

    Prompt evaluation is compute-bound: it scales with cores. Generation is memory-bound: more
    cores help less, so it scales with the square root (a rule of thumb, not a measurement).
    """
    rows = [r for r in catalog.speeds if r.device == "cpu"]
    if not rows:
        return None
    row: SpeedRow = min(rows, key=lambda r: (abs(r.threads - hw.physical_cores), r.prompt_tps))
    entry = catalog.get(row.file)
    ratio = max(hw.physical_cores, 1) / row.threads
    return SpeedRef(prompt_tps=row.prompt_tps * ratio, gen_tps=row.gen_tps * math.sqrt(ratio),
                    params_b=entry.model.compute_params_b, weights_bytes=_active_bytes(entry),
                    device="cpu", source=f"estimated from {entry.id} measured at {row.prompt_tps:g}/"
                    f"{row.gen_tps:g} tok/s on {row.threads} threads ({row.note}), scaled to "
                    f"{hw.physical_cores} cores; run with --probe to measure here")


def _active_bytes(entry: ModelEntry) -> int:
    spec = entry.model
    return int(entry.weights_bytes * spec.compute_params_b / spec.params_b)


def _scaled(entry: ModelEntry, ref: SpeedRef | None, device: str) -> tuple[float | None, float | None]:
    if ref is None or ref.device != device:
        return None, None
    return (ref.prompt_tps * (ref.params_b / entry.model.compute_params_b) ** SIZE_EXPONENT,
            ref.gen_tps * (ref.weights_bytes / max(_active_bytes(entry), 1)) ** SIZE_EXPONENT)


def _rank(c: Candidate) -> tuple[float, int, int]:
    return (c.entry.model.params_b, c.entry.variant == "base", _QUANT_RANK.get(c.entry.quant, -1))


def _gb(value_bytes: float) -> str:
    return f"{value_bytes / 1e9:.1f} GB"


def _ms(value: float) -> str:
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"


def advise(hw: Hardware, catalog: Catalog, *, speed: SpeedRef | None, n_ctx: int = 4096,
           commercial_only: bool = True, budget_ms: float = DEFAULT_BUDGET_MS,
           configured: Configured | None = None, measured: dict[str, TypingTimes] | None = None) -> Advice:
    """Recommend a catalog file for inline completion on ``hw``, with the reasoning; `measured`:
    the typing probe's times of installed files, by catalog id."""
    measured = measured or {}
    gpu = hw.best_gpu if hw.gpu_offload else None
    device = "gpu" if gpu is not None else "cpu"
    budget_mb = int(gpu.free_mb * GPU_HEADROOM) if gpu is not None else int(hw.available_ram_mb * RAM_SHARE)
    threads = hw.physical_cores or hw.cpu_threads
    warnings = _hardware_warnings(hw)

    pool = [e for e in catalog if e.family == RECOMMENDED_FAMILY and e.model.params_b <= MAX_PARAMS_B
            and (e.commercial_use or not commercial_only)]
    candidates = []
    for entry in pool:
        memory = entry.memory(n_ctx)
        prompt_tps, gen_tps = _scaled(entry, speed, device)
        candidates.append(Candidate(entry, device, memory, memory.total_mb <= budget_mb, prompt_tps, gen_tps,
                                    measured.get(entry.id)))
    fitting = [c for c in candidates if c.fits]
    tried = [c for c in fitting if c.measured is not None]
    timed = [c for c in fitting if c.latency_ms is not None and c.latency_ms <= budget_ms]
    untimed = all(c.latency_ms is None for c in fitting)
    choice: Candidate | None = None
    if tried:  # measured beats estimated
        good = [c for c in tried if c.measured is not None and c.measured.within_targets]
        choice = max(good, key=_rank) if good else min(tried, key=lambda c: c.measured.p50_ms if c.measured else 0)
        if not good and choice.measured is not None:
            warnings.append(f"no installed model met the typing targets here; {choice.entry.id} answered fastest "
                            f"(p50 {_ms(choice.measured.p50_ms)}, p90 {_ms(choice.measured.p90_ms)})")
    elif timed or untimed:
        choice = max(timed if timed else fitting, key=_rank, default=None)
    elif fitting:
        # Nothing within budget: the best of those within 15 % of the fastest.
        fastest = min(c.latency_ms or math.inf for c in fitting)
        choice = max((c for c in fitting if (c.latency_ms or math.inf) <= fastest * NEAR_FASTEST), key=_rank)
        warnings.append(f"every model that fits answers slower than {_ms(budget_ms)} here; "
                        f"{choice.entry.id} is among the fastest, at ~{_ms(choice.latency_ms or 0)}")

    where = (f"{gpu.name} ({gpu.free_mb / 1000:.1f} GB free)" if gpu is not None
             else f"RAM ({hw.available_ram_mb / 1000:.1f} GB available)")
    reasons = _reasons(choice, candidates, where, budget_mb, n_ctx, threads, device, commercial_only)
    if configured is not None:
        warnings.extend(_configured_warnings(configured, budget_mb, where))
    ordered = sorted(candidates, key=lambda c: (c.entry.model.params_b, c.entry.variant, c.entry.quant))
    return Advice(device, budget_mb, threads, choice, reasons, ordered, warnings,
                  speed.source if speed is not None and speed.device == device else None)


def _reasons(choice: Candidate | None, candidates: list[Candidate], where: str, budget_mb: int,
             n_ctx: int, threads: int, device: str, commercial_only: bool) -> list[str]:
    if choice is None:
        smallest = min(candidates, key=lambda c: c.memory.total, default=None)
        need = f" (the smallest needs {_gb(smallest.memory.total)})" if smallest else ""
        return [f"No catalog model fits in the {budget_mb / 1000:.1f} GB hushcode may use of {where}{need}."]
    e, m = choice.entry, choice.memory
    kind = "base model, trained for fill-in-the-middle" if e.variant == "base" else \
        "instruct model (base models follow FIM prompts better)"
    fits = (f"It fits in {_gb(m.total)} ({_gb(m.weights)} weights + {_gb(m.kv_cache)} KV cache at "
            f"{n_ctx} tokens + {_gb(m.compute + m.overhead)} buffers) of the {budget_mb / 1000:.1f} GB "
            f"hushcode may use of {where}.")
    lines = [f"{e.name} {e.quant} ({e.id}): {kind}.", fits]
    if choice.measured is not None:
        lines.append(f"Measured here, typing a sample through the completion service: {choice.measured.summary()}.")
        for other in sorted(candidates, key=_rank):
            if other is not choice and other.measured is not None:
                lines.append(f"{other.entry.id}, measured the same way: {other.measured.summary()}.")
    elif choice.latency_ms is not None and choice.cold_ms is not None:
        lines.append(f"It answers a keystroke in ~{_ms(choice.latency_ms)} here ({TYPICAL_PROMPT_TOKENS} "
                     f"new prompt tokens at {choice.prompt_tps:.0f} tok/s, {TYPICAL_GEN_TOKENS} generated "
                     f"at {choice.gen_tps:.0f} tok/s); a cold {COLD_PROMPT_TOKENS}-token prompt takes "
                     f"~{_ms(choice.cold_ms)}.")
    else:
        lines.append("Its speed on this " + ("GPU" if device == "gpu" else "machine") +
                     " is not known: run `hushcode models advise --probe` to measure it.")
    bigger = [c for c in candidates if c.fits and _rank(c) > _rank(choice) and c.latency_ms is not None]
    if bigger and choice.measured is None:
        nxt = min(bigger, key=_rank)
        lines.append(f"The next larger, {nxt.entry.id}, would take ~{_ms(nxt.latency_ms or 0)}.")
    lines.append(f"Licence: {e.license} (commercial use {'allowed' if e.commercial_use else 'NOT allowed'})"
                 + ("; only licences that allow commercial use were considered (--any-licence to "
                    "include the others)." if commercial_only else "."))
    if device == "cpu":
        lines.append(f"Threads: {threads} (one per physical core).")
    lines.append(f"Get it with: hushcode models pull {e.id}")
    return lines


def _hardware_warnings(hw: Hardware) -> list[str]:
    warnings = list(hw.notes)
    if hw.gpus and not hw.gpu_offload:
        gpu = hw.best_gpu
        assert gpu is not None
        warnings.append(f"{gpu.name} is present ({gpu.free_mb / 1000:.1f} GB free), but this "
                        "llama-cpp-python build has no GPU support, so models run on the CPU: "
                        "rebuild it with CMAKE_ARGS=\"-DGGML_CUDA=on\" (or -DGGML_METAL=on) to use the GPU.")
    return warnings


def _configured_warnings(conf: Configured, budget_mb: int, where: str) -> list[str]:
    if conf.shape is None:
        return [f"The configured model {conf.label} could not be read, so its size is unknown."]
    need = estimate_memory(conf.weights_bytes, conf.shape, conf.n_ctx)
    out = []
    if need.total_mb > budget_mb:
        out.append(f"The configured model {conf.label} needs ~{_gb(need.total)} at {conf.n_ctx} tokens "
                   f"of context, more than the {budget_mb / 1000:.1f} GB hushcode may use of {where}: "
                   "it will not fit, and will crawl or be killed. Choose a smaller model or quantisation.")
    if not conf.fim:
        out.append(f"The configured model {conf.label} has no fill-in-the-middle tokens: hushcode "
                   "will refuse to load it.")
    return out
