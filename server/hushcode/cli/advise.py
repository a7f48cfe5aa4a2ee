"""The I/O around ``advise``: the configured model, the optional probe, and the report."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from hushcode.models.advise import Advice, Candidate, Configured, SpeedRef, advise, table_speed
from hushcode.models.catalog import Catalog
from hushcode.models.discovery import discover
from hushcode.models.gguf_info import GGUFInfo, safe_read
from hushcode.models.hardware import Hardware
from hushcode.models.match import match_file
from hushcode.models.memory import shape_from_gguf
from hushcode.models.probe import ProbeResult, run_probe
from hushcode.models.store import installed_path


def configured_path(catalog: Catalog) -> tuple[Path, int, bool]:
    """The model file the settings select (``model.path``, else the catalog default), n_ctx, and
    whether the path was set explicitly."""
    n_ctx = 4096
    path: Path | None = None
    try:
        from hushcode.config.load import load_effective

        # every layer, as the server would see this folder: the user file, the project files, the environment
        settings = load_effective([Path.cwd()], None, os.environ).settings
        n_ctx = settings.model.context_tokens
        if settings.model.path in catalog.ids():  # `hushcode models use ID` writes a catalog id
            path = installed_path(catalog.get(settings.model.path))
        elif settings.model.path:
            path = Path(settings.model.path).expanduser()
    except (ImportError, AttributeError, TypeError, ValueError):
        pass  # settings are another module's business: advise still works without them
    if path is None:
        return installed_path(catalog.default()), n_ctx, False
    return path, n_ctx, True


def configured_model(catalog: Catalog) -> Configured | None:
    """The configured model as ``advise`` needs it; None when it is the default and not installed."""
    path, n_ctx, explicit = configured_path(catalog)
    if not path.exists():
        return Configured(str(path), 0, None, n_ctx) if explicit else None
    info, _error = safe_read(path)
    if info is None:
        return Configured(str(path), 0, None, n_ctx)
    return Configured(path.name, info.size_bytes, shape_from_gguf(info), n_ctx, info.fim is not None)


def probe_target(catalog: Catalog) -> GGUFInfo | None:
    """What to measure: the configured model, else the smallest model found with FIM tokens."""
    path, _, _ = configured_path(catalog)
    if path.exists():
        info, _error = safe_read(path)
        if info is not None:
            return info
    usable = [f.info for f in discover() if f.info is not None and f.info.fim is not None]
    return min(usable, key=lambda i: i.size_bytes, default=None)


def speed_from_probe(catalog: Catalog, info: GGUFInfo, result: ProbeResult) -> SpeedRef:
    """A speed reference from a probe of ``info``'s file."""
    match = match_file(catalog, info)
    if match is not None:
        spec = match.spec
        params_b = spec.compute_params_b
        weights = int(info.size_bytes * spec.compute_params_b / spec.params_b)
    else:
        params_b, weights = info.params / 1e9, info.size_bytes
    device = "gpu" if result.gpu_layers else "cpu"
    return SpeedRef(prompt_tps=result.prompt_tps, gen_tps=result.gen_tps, params_b=params_b,
                    weights_bytes=weights, device=device,
                    source=f"measured here with {info.path.name}: {result.prompt_tps:.0f} tok/s prompt, "
                    f"{result.gen_tps:.1f} tok/s generation ({result.threads} threads"
                    f"{', all layers on the GPU' if result.gpu_layers else ''}), scaled to each model")


def run(hw: Hardware, catalog: Catalog, *, probe: bool, commercial_only: bool, n_ctx: int | None,
        budget_ms: float) -> tuple[Advice, ProbeResult | None]:
    """Advice for ``hw``; with ``probe``, measured instead of estimated. Raises ProbeError."""
    configured = configured_model(catalog)
    ctx = n_ctx or (configured.n_ctx if configured else 4096)
    speed = table_speed(catalog, hw)
    result = None
    if probe:
        target = probe_target(catalog)
        if target is None:
            from hushcode.models.probe import ProbeError

            raise ProbeError("no model with FIM tokens is on this machine to measure; "
                             "run: hushcode models pull")
        gpu_layers = 999 if hw.gpu_offload and hw.gpus else 0
        result = run_probe(target.path, threads=hw.physical_cores or hw.cpu_threads, gpu_layers=gpu_layers)
        speed = speed_from_probe(catalog, target, result)
    advice = advise(hw, catalog, speed=speed, n_ctx=ctx, commercial_only=commercial_only,
                    budget_ms=budget_ms, configured=configured)
    return advice, result


def _candidate_json(c: Candidate) -> dict[str, Any]:
    return {"id": c.entry.id, "name": c.entry.name, "quant": c.entry.quant, "variant": c.entry.variant,
            "device": c.device, "fits": c.fits, "memory_mb": c.memory.total_mb,
            "latency_ms": round(c.latency_ms) if c.latency_ms is not None else None,
            "cold_ms": round(c.cold_ms) if c.cold_ms is not None else None,
            "prompt_tps": c.prompt_tps, "gen_tps": c.gen_tps, "license": c.entry.license,
            "commercial_use": c.entry.commercial_use}


def to_json(hw: Hardware, advice: Advice, probe: ProbeResult | None) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    return {"hardware": asdict(hw), "device": advice.device, "budget_mb": advice.budget_mb,
            "threads": advice.threads,
            "recommended": _candidate_json(advice.recommended) if advice.recommended else None,
            "reasons": advice.reasons, "warnings": advice.warnings, "speed_source": advice.speed_source,
            "probe": asdict(probe) | {"prompt_tps": probe.prompt_tps, "gen_tps": probe.gen_tps}
            if probe else None,
            "candidates": [_candidate_json(c) for c in advice.candidates]}


def render(hw: Hardware, advice: Advice, out: TextIO) -> None:
    """The report as text."""
    gpus = ", ".join(f"{g.name} ({g.free_mb / 1000:.1f} of {g.total_mb / 1000:.1f} GB free)"
                     for g in hw.gpus) or "none"
    print(f"This machine: {hw.available_ram_mb / 1000:.1f} GB of {hw.total_ram_mb / 1000:.1f} GB RAM "
          f"available; {hw.cpu_threads} CPU threads on {hw.physical_cores} physical cores; GPU: {gpus}; "
          f"llama.cpp build: {'GPU offload' if hw.gpu_offload else 'CPU only'}.", file=out)
    if advice.speed_source:
        print(f"Speed: {advice.speed_source}.", file=out)
    print(file=out)
    if advice.recommended is not None:
        print(f"Recommended for inline completion: {advice.recommended.entry.id}", file=out)
    for line in advice.reasons:
        print(f"  {line}", file=out)
    if advice.warnings:
        print("\nWarnings:", file=out)
        for warning in advice.warnings:
            print(f"  ! {warning}", file=out)
    print(f"\n{'CANDIDATE':38}  {'FITS':4}  {'MEMORY':>8}  {'KEYSTROKE':>9}  LICENCE", file=out)
    for c in advice.candidates:
        latency = f"~{c.latency_ms / 1000:.1f} s" if c.latency_ms is not None else "?"
        print(f"{c.entry.id:38}  {'yes' if c.fits else 'no':4}  {c.memory.total / 1e9:6.1f} GB  "
              f"{latency:>9}  {c.entry.license}", file=out)
