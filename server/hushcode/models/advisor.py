"""What ``advise`` needs from this machine: the configured model, and a speed reference (the
catalog's table, or a probe measured here); ``advise_here`` gathers them and asks ``advise``."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from hushcode.config.load import load_effective
from hushcode.models import typing_probe
from hushcode.models.advise import (
    MAX_PARAMS_B,
    RECOMMENDED_FAMILY,
    Advice,
    Configured,
    SpeedRef,
    TypingTimes,
    advise,
    table_speed,
)
from hushcode.models.catalog import Catalog, ModelEntry
from hushcode.models.discovery import discover
from hushcode.models.gguf_info import GGUFInfo, safe_read
from hushcode.models.hardware import Hardware
from hushcode.models.match import match_file
from hushcode.models.memory import shape_from_gguf
from hushcode.models.probe import ProbeError, ProbeResult, run_probe
from hushcode.models.store import installed_path, quick_status


def configured_path(catalog: Catalog) -> tuple[Path, int, bool]:
    """The model file the settings select (``model.path``, else the catalog default), n_ctx, and
    whether the path was set explicitly."""
    # every layer, as the server would see this folder: the user file, the project files, the environment
    model = load_effective([Path.cwd()], None, os.environ).settings.model
    if model.path in catalog.ids():  # `hushcode models use ID` writes a catalog id
        return installed_path(catalog.get(model.path)), model.context_tokens, True
    if model.path:
        return Path(model.path).expanduser(), model.context_tokens, True
    return installed_path(catalog.default()), model.context_tokens, False


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


def measurable(catalog: Catalog, commercial_only: bool) -> list[ModelEntry]:
    """The installed catalog files advise may recommend, smallest first: what the typing probe times."""
    pool = [e for e in catalog if e.family == RECOMMENDED_FAMILY and e.model.params_b <= MAX_PARAMS_B
            and (e.commercial_use or not commercial_only) and quick_status(e) in ("yes", "unverified")]
    return sorted(pool, key=lambda e: (e.model.params_b, e.weights_bytes))


def time_to_suggestion(entries: list[ModelEntry], report: Callable[[str], None]) -> dict[str, TypingTimes]:
    """The typing probe of each file, smallest first, until one misses the targets (a larger model
    only answers more slowly); by catalog id."""
    settings = load_effective([Path.cwd()], None, os.environ).settings
    measured: dict[str, TypingTimes] = {}
    for entry in entries:
        report(f"measuring the time to a suggestion with {entry.id} (typing a sample)...")
        try:
            times = asyncio.run(typing_probe.measure(installed_path(entry), settings))
        except RuntimeError as error:
            report(f"  {error}")
            continue
        measured[entry.id] = times
        report(f"  {times.summary()}")
        if not times.within_targets:
            break
    return measured


def advise_here(hw: Hardware, catalog: Catalog, *, probe: bool, commercial_only: bool, n_ctx: int | None,
                budget_ms: float, report: Callable[[str], None] = lambda _: None,
                ) -> tuple[Advice, ProbeResult | None]:
    """Advice for ``hw``; with ``probe``, measured instead of estimated: the speeds, and the time to
    a suggestion of the installed files (`report` hears the progress). Raises ProbeError."""
    configured = configured_model(catalog)
    ctx = n_ctx or (configured.n_ctx if configured else 4096)
    speed = table_speed(catalog, hw)
    result = None
    measured: dict[str, TypingTimes] = {}
    if probe:
        target = probe_target(catalog)
        if target is None:
            raise ProbeError("no model with FIM tokens is on this machine to measure; "
                             "run: hushcode models pull")
        gpu_layers = 999 if hw.gpu_offload and hw.gpus else 0
        result = run_probe(target.path, threads=hw.physical_cores or hw.cpu_threads, gpu_layers=gpu_layers)
        speed = speed_from_probe(catalog, target, result)
        measured = time_to_suggestion(measurable(catalog, commercial_only), report)
    advice = advise(hw, catalog, speed=speed, n_ctx=ctx, commercial_only=commercial_only,
                    budget_ms=budget_ms, configured=configured, measured=measured)
    return advice, result
