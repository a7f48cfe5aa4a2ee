"""``hushcode bench quality``'s figures: per-task results into a summary, a text table and a PNG plot.

A result is the dict that ``quality`` stores per task and configuration (``exact``,
``edit_similarity``, ``identifier_exact``, ``identifier_f1``, ``empty``, ``latency_ms``,
``parses``, ``passed``, ``tested``, ``column0_text``). ``None`` means "does not apply" and is left
out of a rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hushcode_bench.metrics import mean, percentile
from hushcode_bench.report import columns, num, pct, pyplot, save_figure

ALL = "all"


def _rate(results: Sequence[Mapping[str, Any]], key: str) -> tuple[float | None, int]:
    values = [r[key] for r in results if r.get(key) is not None]
    return mean(values), len(values)


def summarize_group(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The figures of one (configuration, kind) group of task results."""
    latencies = [float(r["latency_ms"]) for r in results if not r.get("error")]
    parses, parses_n = _rate(results, "parses")
    tested = [r for r in results if r.get("tested")]
    passed, passed_n = _rate(tested, "passed")
    column0, column0_n = _rate(results, "column0_text")
    return {
        "n": len(results),
        "exact": mean(r["exact"] for r in results),
        "edit_similarity": mean(r["edit_similarity"] for r in results),
        "identifier_exact": mean(r["identifier_exact"] for r in results),
        "identifier_f1": mean(r["identifier_f1"] for r in results),
        "empty": mean(r["empty"] for r in results),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p90_ms": percentile(latencies, 90),
        "parses": parses,
        "parses_n": parses_n,
        "pass_at_1": passed,
        "tested_n": passed_n,
        "passed_n": sum(1 for r in tested if r.get("passed")),
        # module-level text in a body: shown suggestions that wrote code at column 0 on an indented line
        "column0_text": column0,
        "column0_text_n": column0_n,
        "errors": sum(1 for r in results if r.get("error")),
    }


def summarize(results: Mapping[str, Sequence[Mapping[str, Any]]], kinds: Sequence[str]) -> dict[str, Any]:
    """{config: {kind or "all": figures}} from {config: [result, ...]} (each result has "kind")."""
    summary: dict[str, Any] = {}
    for config, items in results.items():
        groups = {kind: [r for r in items if r["kind"] == kind] for kind in kinds}
        summary[config] = {kind: summarize_group(group) for kind, group in groups.items() if group}
        if len(summary[config]) > 1:
            summary[config][ALL] = summarize_group(items)
    return summary


# the columns of a group's figures, in every table of quality figures (the context benchmark's too)
FIGURE_COLUMNS = ("n", "exact", "edit_sim", "id_exact", "id_f1", "empty", "p50_ms", "p90_ms")


def figure_cells(s: Mapping[str, Any], exact: str | None = None) -> tuple[str, ...]:
    """The cells of FIGURE_COLUMNS for one group's figures (`exact`: another text for that cell)."""
    return (
        str(s["n"]),
        exact or pct(s["exact"]),
        num(s["edit_similarity"]),
        pct(s["identifier_exact"]),
        num(s["identifier_f1"]),
        pct(s["empty"]),
        num(s["latency_p50_ms"], 0),
        num(s["latency_p90_ms"], 0),
    )


def format_table(summary: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> str:
    """A fixed-width table: one row per configuration and kind."""
    rows: list[tuple[str, ...]] = [("config", "kind", *FIGURE_COLUMNS, "parses", "pass@1")]
    for config, kinds in summary.items():
        for kind, s in kinds.items():
            pass_at_1 = "-" if s["pass_at_1"] is None else f"{pct(s['pass_at_1'])} ({s['tested_n']})"
            rows.append((config, kind, *figure_cells(s), pct(s["parses"]), pass_at_1))
    return "\n".join(columns(rows, "ll" + "r" * (len(rows[0]) - 2)))


PLOTTED = (
    ("exact", "exact match", 1.0),
    ("edit_similarity", "edit similarity", 1.0),
    ("identifier_f1", "identifier F1", 1.0),
    ("pass_at_1", "pass@1 (tested tasks)", 1.0),
    ("latency_p50_ms", "latency p50 (ms)", None),
)


def plot(summary: Mapping[str, Mapping[str, Mapping[str, Any]]], path: Path, title: str) -> bool:
    """Grouped bars: one panel per metric, kinds on the x axis, one bar per configuration.

    Returns False (and writes nothing) when matplotlib, an optional dependency, is missing.
    """
    plt = pyplot()
    if plt is None:
        return False
    configs = list(summary)
    kinds = [k for k in dict.fromkeys(k for c in configs for k in summary[c]) if k != ALL]
    metrics = [
        m for m in PLOTTED if any(summary[c].get(k, {}).get(m[0]) is not None for c in configs for k in kinds)
    ]
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.6 * len(metrics), 3.6), squeeze=False)
    width = 0.8 / max(1, len(configs))
    for ax, (key, label, top) in zip(axes[0], metrics, strict=True):
        for i, config in enumerate(configs):
            values = [summary[config].get(k, {}).get(key) or 0.0 for k in kinds]
            xs = [x - 0.4 + width * (i + 0.5) for x in range(len(kinds))]
            ax.bar(xs, values, width, label=config)
        ax.set_xticks(range(len(kinds)), kinds)
        ax.set_title(label, fontsize=10)
        if top is not None:
            ax.set_ylim(0, top)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    save_figure(plt, fig, path, title)
    return True
