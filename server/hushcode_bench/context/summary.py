"""Summary, targets and the text table of ``hushcode bench context``. Pure functions of the results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hushcode_bench import metrics
from hushcode_bench.metrics import mean, percentile
from hushcode_bench.quality.summary import FIGURE_COLUMNS, figure_cells, summarize_group
from hushcode_bench.report import columns, num, pct

WITH, WITHOUT = "context", "no_context"
# the targets
EXACT_RATIO = 1.5
FILES_PER_S = 50.0
INDEX_MB = 300.0
CHANGED_FILE_MS = 100.0
FIRST_PASS_RATIO = 1.2


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b, rounded; None when either is missing or b is 0."""
    value = metrics.ratio(a, b)
    return None if value is None else round(value, 3)


def summarize_config(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The quality figures of one configuration, plus its context tokens per request."""
    figures = summarize_group(results)
    tokens = [int(r.get("context_tokens") or 0) for r in results]
    snippets = [int(r.get("context_snippets") or 0) for r in results]
    figures.update(
        exact_n=sum(bool(r["exact"]) for r in results),
        context_tokens_mean=mean(tokens),
        context_tokens_p50=percentile(tokens, 50),
        context_tokens_max=max(tokens, default=None),
        context_snippets_mean=mean(snippets),
        with_context_share=mean(t > 0 for t in tokens),
    )
    return figures


def summarize_first_pass(
    phase: Mapping[str, Any] | None, context_run: Mapping[str, float] | None = None
) -> dict[str, Any] | None:
    """p50 latency of the requests answered during the first indexing pass, and of the same
    requests once it was over; and of the same tasks in the run with context (`context_run`:
    task id -> latency), a second reference from a server opened on the repository only."""
    if phase is None:
        return None
    during = [r["latency_ms"] for r in phase["during"] if not r.get("error")]
    idle = [r["latency_ms"] for r in phase["idle"] if not r.get("error")]
    p50_during, p50_idle = percentile(during, 50), percentile(idle, 50)
    runs = context_run or {}
    same = [runs[r["id"]] for r in phase["during"] if not r.get("error") and r["id"] in runs]
    p50_same = percentile(same, 50)
    return {
        "p50_context_run_ms": p50_same,
        "ratio_context_run": ratio(p50_during, p50_same),
        "server_cpu_idle_after_pass": phase.get("server_cpu_idle_after_pass"),
        "n_during": len(during),
        "n_idle": len(idle),
        "n_partial": len(phase["partial"]),
        "p50_during_ms": p50_during,
        "p50_idle_ms": p50_idle,
        "ratio": ratio(p50_during, p50_idle),
        "engine_ready_s": phase["engine_ready_s"],
        "index_ready_s": phase["index_ready_s"],
        "indexed_files": phase["indexed_files"],
        "first_pass": phase["first_pass"],
    }


def _met(value: float | None, limit: float, at_most: bool) -> bool | None:
    if value is None:
        return None
    return value <= limit if at_most else value >= limit


def targets(summary: Mapping[str, Any], index: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets against what was measured (met: None when not measured)."""
    rows: list[dict[str, Any]] = []
    with_n, without_n = summary[WITH]["exact_n"], summary[WITHOUT]["exact_n"]
    exact_ratio = summary["ratio"]["exact"]
    rows.append(
        {
            "target": "cross-file exact match, context / no context",
            "goal": f">= {EXACT_RATIO}x",
            "measured": exact_ratio,
            "detail": f"{with_n}/{summary[WITH]['n']} vs {without_n}/{summary[WITHOUT]['n']}",
            "met": (with_n > 0 and with_n >= EXACT_RATIO * without_n),
        }
    )
    for figures in index:
        rows.append(
            {
                "target": f"indexing {figures['path']}",
                "goal": f">= {FILES_PER_S:g} files/s",
                "measured": figures["files_per_s"],
                "detail": f"{figures['files']} files in {figures['first_pass_s']} s",
                "met": _met(figures["files_per_s"], FILES_PER_S, at_most=False),
            }
        )
        rows.append(
            {
                "target": f"index memory {figures['path']}",
                "goal": f"<= {INDEX_MB:g} MB",
                "measured": figures["index_rss_mb"],
                "detail": f"RSS added by the index; process peak {figures['peak_rss_first_pass_mb']} MB",
                "met": _met(figures["index_rss_mb"], INDEX_MB, at_most=True),
            }
        )
        rows.append(
            {
                "target": f"one changed file {figures['path']}",
                "goal": f"<= {CHANGED_FILE_MS:g} ms (p50)",
                "measured": figures["changed_file_p50_ms"],
                "detail": f"max {figures['changed_file_max_ms']} ms",
                "met": _met(figures["changed_file_p50_ms"], CHANGED_FILE_MS, at_most=True),
            }
        )
    first = summary.get("first_pass_latency")
    rows.append(
        {
            "target": "completion p50 during the first pass / idle",
            "goal": f"<= {FIRST_PASS_RATIO}x",
            "measured": first["ratio"] if first else None,
            "detail": _first_pass_detail(first),
            "met": _met(first["ratio"], FIRST_PASS_RATIO, at_most=True) if first else None,
        }
    )
    return rows


def _first_pass_detail(first: Mapping[str, Any] | None) -> str:
    if not first:
        return "not measured"
    text = (
        f"{num(first['p50_during_ms'], 0)} vs {num(first['p50_idle_ms'], 0)} ms idle, {first['n_during']} requests"
    )
    if first.get("p50_context_run_ms") is not None:
        text += f"; same tasks in the context run {num(first['p50_context_run_ms'], 0)} ms ({first['ratio_context_run']}x)"
    if first.get("server_cpu_idle_after_pass") is not None:
        text += f"; idle server after the pass: {first['server_cpu_idle_after_pass']:.0%} of a core"
    return text


def summarize(
    results: Mapping[str, Sequence[Mapping[str, Any]]], first_pass: Mapping[str, Any] | None
) -> dict[str, Any]:
    summary: dict[str, Any] = {name: summarize_config(items) for name, items in results.items()}
    summary["ratio"] = {
        key: ratio(summary[WITH][key], summary[WITHOUT][key])
        for key in ("exact", "edit_similarity", "identifier_exact", "identifier_f1", "latency_p50_ms")
    }
    same = {r["id"]: r["latency_ms"] for r in results.get(WITH, ()) if "id" in r and not r.get("error")}
    summary["first_pass_latency"] = summarize_first_pass(first_pass, same)
    return summary


def format_table(summary: Mapping[str, Any], target_rows: Sequence[Mapping[str, Any]]) -> str:
    """Quality with and without context, their ratio, then the targets."""
    rows: list[tuple[str, ...]] = [("config", *FIGURE_COLUMNS, "ctx_tokens", "ctx_snippets")]
    for name in (WITH, WITHOUT):
        s = summary[name]
        exact = f"{pct(s['exact'])} ({s['exact_n']})"
        context = (num(s["context_tokens_mean"], 0), num(s["context_snippets_mean"], 1))
        rows.append((name, *figure_cells(s, exact), *context))
    r = summary["ratio"]
    lines = columns(rows, "l" + "r" * (len(rows[0]) - 1))
    lines.append(
        f"ratio context / no_context: exact {num(r['exact'], 2)}x, edit_sim {num(r['edit_similarity'], 2)}x, "
        f"id_f1 {num(r['identifier_f1'], 2)}x, p50 latency {num(r['latency_p50_ms'], 2)}x"
    )
    first = summary.get("first_pass_latency")
    if first and first.get("first_pass"):
        fp = first["first_pass"]
        lines.append(
            f"server's first pass (first-pass run): {fp['files']} files in {fp['seconds']} s "
            f"({fp['files_per_s']} files/s, niced, beside the completions); engine ready at "
            f"{first['engine_ready_s']} s, index ready at {first['index_ready_s']} s"
        )
    lines.append("")
    trows = [("target", "goal", "measured", "met", "detail")]
    for t in target_rows:
        met = "-" if t["met"] is None else ("yes" if t["met"] else "NO")
        measured = "-" if t["measured"] is None else f"{t['measured']:g}"
        trows.append((t["target"], t["goal"], measured, met, t["detail"]))
    lines += columns(trows, "lllll")
    return "\n".join(lines)
