"""Precision and recall at the typing pauses, and their curve over confidence thresholds.

At a pause the typist either sees a suggestion or not, and a suggestion they see would be
accepted when its first line is what they type next (``typist.would_accept``):

- **precision**: shown and would be accepted, of all shown;
- **recall**: would be accepted, of all pauses.

The server logs, on the ``complete`` line of a shown suggestion, ``confidence=`` (the mean token
log-probability) and ``min_lp=`` (the lowest one). A threshold on such a figure hides the
suggestions below it, which then count as not shown: the curve over thresholds is what a
confidence gate would trade, recall for precision. A pause whose suggestion the server withheld
itself (``result=low_confidence``) counts as not shown at every threshold, so the curve is only
complete when the server's own gate is off. A shown suggestion whose line has no figure (an
answer from the cache, say) stays shown at every threshold: a gate cannot hide what it has no
score for; their number is reported. Without any figure (a server before issue 25) there is no
curve, and the summary says so.

Pure, but for ``plot``, which writes a PNG with matplotlib when it is installed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hushcode_bench.report import columns, pct, pyplot, save_figure, widths

FIELDS = ("confidence", "min_lp")  # the log's figures, mean first: the table shows the first one present
GRID = (-3.0, -2.0, -1.5, -1.0, -0.75, -0.5, -0.4, -0.3, -0.2, -0.1, -0.05)  # the table's thresholds
WITHHELD = "low_confidence"  # the server's result for a suggestion it did not show
NO_FIGURE = "the server's log lines carry no confidence= figure: no precision/recall curve (a server before issue 25)"


def _figure(pause: Mapping[str, Any], field: str) -> float | None:
    if "replaced_ms" in pause:  # the figure is the first line's; the ranked line that replaced it has none
        return None
    value = (pause.get("log") or {}).get(field)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _shown(pause: Mapping[str, Any]) -> bool:
    return pause.get("outcome") == "suggestion"


def point(pauses: Sequence[Mapping[str, Any]], field: str, threshold: float | None) -> dict[str, Any]:
    """Precision and recall when suggestions whose `field` is below `threshold` are hidden."""
    shown = [
        p for p in pauses
        if _shown(p) and (threshold is None or (f := _figure(p, field)) is None or f >= threshold)
    ]
    accepted = sum(1 for p in shown if p.get("would_accept"))
    return {
        "threshold": threshold,
        "shown": len(shown),
        "accepted": accepted,
        "precision": accepted / len(shown) if shown else None,
        "recall": accepted / len(pauses) if pauses else None,
    }


def summarize_confidence(pauses: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Precision and recall at the pauses, with their curves over thresholds of each logged figure.

    `pauses` are the replay's pause records with their log fields under ``log``. Each curve has
    ``grid`` (the thresholds of GRID, for the table) and ``points`` (every distinct value seen,
    for the plot: the exact steps).
    """
    shown = [p for p in pauses if _shown(p)]
    summary: dict[str, Any] = {
        "pauses": len(pauses),
        "shown": len(shown),
        "withheld": sum(1 for p in pauses if (p.get("log") or {}).get("result") == WITHHELD),
        "all": point(pauses, FIELDS[0], None),
        "curves": {},
        "note": None,
    }
    for field in FIELDS:
        values = sorted({f for p in shown if (f := _figure(p, field)) is not None})
        if not values:
            continue
        summary["curves"][field] = {
            "without_figure": sum(1 for p in shown if _figure(p, field) is None),
            "grid": [point(pauses, field, t) for t in GRID],
            "points": [point(pauses, field, t) for t in values],
        }
    if not summary["curves"]:
        summary["note"] = NO_FIGURE
    return summary


def format_confidence(summary: Mapping[str, Any]) -> str:
    """The table: precision and recall with no threshold, then at each threshold of the grid."""
    everything = summary["all"]
    head = (
        f"precision / recall at the pauses: {pct(everything['precision'], 0)} / {pct(everything['recall'], 0)} "
        f"({summary['pauses']} pauses, {summary['shown']} shown, {summary['withheld']} withheld by the server)"
    )
    if not summary["curves"]:
        return f"{head}\n{summary['note']}"
    field = next(iter(summary["curves"]))
    curve = summary["curves"][field]
    rows = [(f"{field} >=", "shown", "precision", "recall")]
    rows += [
        (f"{p['threshold']:.2f}", str(p["shown"]), pct(p["precision"], 0), pct(p["recall"], 0)) for p in curve["grid"]
    ]
    lines = columns(rows, "rrrr")
    lines.insert(1, "  ".join("-" * w for w in widths(rows)))
    note = f"\n({curve['without_figure']} shown without a {field} figure stay shown)" if curve["without_figure"] else ""
    return "\n".join([head, *lines]) + note


def plot(summary: Mapping[str, Any], path: Path, title: str) -> bool:
    """Precision and recall over the thresholds, one panel per logged figure.

    Returns False (and writes nothing) without a curve or without matplotlib (an optional dependency).
    """
    plt = pyplot() if summary["curves"] else None
    if plt is None:
        return False
    curves = summary["curves"]
    fig, axes = plt.subplots(1, len(curves), figsize=(4.4 * len(curves), 3.6), squeeze=False)
    for ax, (field, curve) in zip(axes[0], curves.items(), strict=True):
        xs = [p["threshold"] for p in curve["points"]]
        for key in ("precision", "recall"):
            ax.step(xs, [p[key] if p[key] is not None else float("nan") for p in curve["points"]],
                    where="post", label=key)
        ax.set_xlabel(f"{field} threshold (lower is hidden)")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    save_figure(plt, fig, path, title)
    return True
