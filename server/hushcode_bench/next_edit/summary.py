"""The figures of a next-edit run, per split and method, and the table that prints them.

Per split and method: edit tasks and how many the predicted region matched exactly, the mean
edit similarity of the region to the release's, no-edit places and how many stayed silent;
latency p50/p90 for the server (the baselines take no time worth measuring).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from hushcode_bench.metrics import percentile
from hushcode_bench.report import columns, num, pct

SERVER, NOTHING, SUBSTITUTION = "hushcode", "nothing", "substitution"
METHODS = (SERVER, NOTHING, SUBSTITUTION)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(records: Sequence[dict[str, Any]], method: str) -> dict[str, Any]:
    """One method's figures over task records (each with `kind` and `results[method]`)."""
    edits = [r["results"][method] for r in records if r["kind"] == "edit"]
    quiet = [r["results"][method] for r in records if r["kind"] == "no-edit"]
    exact = sum(1 for e in edits if e["exact"])
    silent = sum(1 for q in quiet if q["silent"])
    latencies = [r["results"][method]["latency_ms"] for r in records if "latency_ms" in r["results"][method]]
    return {
        "edit_tasks": len(edits),
        "exact": exact,
        "exact_rate": _share(exact, len(edits)),
        "similarity": round(sum(e["similarity"] for e in edits) / len(edits), 4) if edits else None,
        "suggested_on_edit_tasks": sum(1 for e in edits if e["changed"]),
        "no_edit_places": len(quiet),
        "silent": silent,
        "silent_rate": _share(silent, len(quiet)),
        # why the server answered what it did (its log: ok, unchanged, unfinished_deadline ...)
        "server_results": dict(Counter(str(r["results"][method]["server_result"]) for r in records
                                       if "server_result" in r["results"][method])),
        "latency_p50_ms": percentile(latencies, 50) if latencies else None,
        "latency_p90_ms": percentile(latencies, 90) if latencies else None,
    }


def summarize(records: Sequence[dict[str, Any]], splits: Sequence[str]) -> dict[str, dict[str, Any]]:
    """{split: {method: figures}} for the splits of the run."""
    return {split: {m: figures([r for r in records if r["split"] == split], m) for m in METHODS}
            for split in splits}


THRESHOLDS = (0, 30, 50, 60, 70, 80, 90, 95)


def confidence_curve(records: Sequence[dict[str, Any]], thresholds: Sequence[int] = THRESHOLDS) -> list[dict[str, Any]]:
    """The server's figures had `completion.nextEditMinConfidence` been each threshold: an edit the
    model wrote with a confidence under it counts as silence (the `nothing` method's scores);
    edits the server made itself (no confidence) stay. One run with the gate off gives the whole
    curve: the gate only hides answers."""
    curve = []
    for threshold in thresholds:
        edit_exact, similarity, shown, silent, quiet = 0, 0.0, 0, 0, 0
        edits = 0
        for r in records:
            server, nothing = r["results"][SERVER], r["results"][NOTHING]
            sure = server.get("server_confidence")
            hidden = sure is not None and sure < threshold
            taken = nothing if hidden else server
            changed = server["changed"] and not hidden
            if r["kind"] == "edit":
                edits += 1
                edit_exact += bool(taken["exact"])
                similarity += taken["similarity"]
                shown += changed
            else:
                quiet += 1
                silent += bool(taken["silent"]) if not hidden else 1
        curve.append({"threshold": threshold, "exact": edit_exact, "similarity": round(similarity / edits, 4)
                      if edits else None, "suggested_on_edit_tasks": shown, "silent": silent,
                      "silent_rate": _share(silent, quiet)})
    return curve


def format_curve(curves: dict[str, list[dict[str, Any]]]) -> str:
    """The confidence curves as a table: a row per split and threshold."""
    rows = [["split", "min confidence", "exact", "similarity", "suggested", "silent"]]
    for split, curve in curves.items():
        for c in curve:
            rows.append([split, f"{c['threshold']}%", str(c["exact"]), num(c["similarity"]),
                         str(c["suggested_on_edit_tasks"]), f"{c['silent']} ({pct(c['silent_rate'])})"])
    return "\n".join(columns(rows, "lrrrrr"))


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def format_table(summary: dict[str, dict[str, Any]]) -> str:
    """The summary as a fixed-width table, a row per split and method."""
    rows = [["split", "method", "edits", "exact", "similarity", "suggested", "no-edit", "silent", "p50 ms", "p90 ms"]]
    for split, methods in summary.items():
        for method, f in methods.items():
            rows.append([split, method, str(f["edit_tasks"]), f"{f['exact']} ({pct(f['exact_rate'])})",
                         num(f["similarity"]), str(f["suggested_on_edit_tasks"]), str(f["no_edit_places"]),
                         f"{f['silent']} ({pct(f['silent_rate'])})", _ms(f["latency_p50_ms"]),
                         _ms(f["latency_p90_ms"])])
    return "\n".join(columns(rows, "llrrrrrrrr"))
