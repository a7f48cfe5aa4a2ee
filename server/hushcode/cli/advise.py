"""`hushcode models advise`: this machine's profile, the advice, and its report as text or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any, TextIO

from hushcode.models.advise import Advice, Candidate
from hushcode.models.advisor import advise_here
from hushcode.models.catalog import Catalog
from hushcode.models.hardware import Hardware, detect
from hushcode.models.probe import ProbeResult


def run_advise(cat: Catalog, args: argparse.Namespace) -> int:
    """Detect this machine, advise (measuring with ``--probe``), print the report; the exit status."""
    hw = detect()
    if args.probe:
        print("measuring: loading a model and generating a few tokens...", file=sys.stderr, flush=True)
    advice, probe = advise_here(hw, cat, probe=args.probe, commercial_only=not args.any_licence,
                                n_ctx=args.context, budget_ms=args.budget_ms,
                                report=lambda line: print(line, file=sys.stderr, flush=True))
    if args.json:
        print(json.dumps(to_json(hw, advice, probe), indent=2))
    else:
        render(hw, advice, sys.stdout)
    return 0


def _candidate_json(c: Candidate) -> dict[str, Any]:
    return {"id": c.entry.id, "name": c.entry.name, "quant": c.entry.quant, "variant": c.entry.variant,
            "device": c.device, "fits": c.fits, "memory_mb": c.memory.total_mb,
            "latency_ms": round(c.latency_ms) if c.latency_ms is not None else None,
            "cold_ms": round(c.cold_ms) if c.cold_ms is not None else None,
            "prompt_tps": c.prompt_tps, "gen_tps": c.gen_tps, "license": c.entry.license,
            "commercial_use": c.entry.commercial_use,
            "measured": {"p50_ms": round(c.measured.p50_ms), "p90_ms": round(c.measured.p90_ms),
                         "first_ms": round(c.measured.cold_ms), "pauses": len(c.measured.times_ms),
                         "suggested": c.measured.suggested, "within_targets": c.measured.within_targets}
            if c.measured else None}


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
        latency = (f"p50 {c.measured.p50_ms / 1000:.1f} s" if c.measured is not None  # measured here
                   else f"~{c.latency_ms / 1000:.1f} s" if c.latency_ms is not None else "?")
        print(f"{c.entry.id:38}  {'yes' if c.fits else 'no':4}  {c.memory.total / 1e9:6.1f} GB  "
              f"{latency:>9}  {c.entry.license}", file=out)
