"""What every benchmark's report shares: its results file, the cells and columns of its tables, its plots.

Each benchmark's ``summary`` module turns its results into figures and rows; this module writes
them. ``None`` is a figure that was not measured, and prints as "-".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RESULTS = "results.json"


def pyplot() -> Any:
    """matplotlib.pyplot, drawing to files only; None when matplotlib is not installed."""
    # matplotlib is an optional dependency (hushcode[bench]) and slow to import: only a plot needs it
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")  # no display: write files only
    import matplotlib.pyplot as plt

    return plt


def save_figure(plt: Any, fig: Any, path: Path, title: str) -> None:
    """Give a figure its title, lay it out, write it as a PNG and free it."""
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_results(out: Path, data: dict[str, Any]) -> Path:
    """Write `data` as `out`/results.json; return its path."""
    path = out / RESULTS
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{100 * value:.{digits}f}%"


def num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def widths(rows: Sequence[Sequence[str]]) -> list[int]:
    """The width of each column: its longest cell."""
    return [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]


def columns(rows: Sequence[Sequence[str]], align: str, strip: bool = True) -> list[str]:
    """Rows of cells as fixed-width lines, two spaces apart.

    `align` has a letter per column: "l" pads on the right, "r" on the left, "-" not at all (a
    last column of remarks); `strip` drops the trailing spaces of each line.
    """
    sizes = widths(rows)
    lines = []
    for row in rows:
        cells = [
            cell.ljust(w) if a == "l" else cell.rjust(w) if a == "r" else cell
            for cell, w, a in zip(row, sizes, align, strict=True)
        ]
        line = "  ".join(cells)
        lines.append(line.rstrip() if strip else line)
    return lines
