"""The figures of a latency run: the server's log lines matched to requests, the summary, its table.

Pure: works on the plain records that ``latency.replay`` and ``latency.baseline`` produce.

Record shapes (JSON-ready dicts):

- request: ``n`` (1-based order of the inlineCompletion requests sent, so the server's ``req=i<n>``),
  ``kind`` ("enter": the first request of a new line, "char": within a line), ``pause``,
  ``outcome`` ("suggestion", "empty", "cancelled", "error", "timeout", "unanswered"),
  ``done_ms``, ``would_accept`` (None without a suggestion) and ``log`` (the server's fields).
- pause: ``request``, ``outcome``, ``response_ms``, ``tts_ms`` (time from the keystroke to the
  non-empty suggestion; None without one), ``would_accept``.
- baseline pause: ``ms``, ``text``, ``evaluated``, ``would_accept``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hushcode_bench.metrics import mean, percentile
from hushcode_bench.report import columns, num, pct, widths
from hushcode_bench.server_log import inline_number

TARGETS = {
    "tts_p50_ms": 1000.0,
    "tts_p90_ms": 2000.0,
    "speedup_p50": 5.0,
    "evaluated_within_line_p50": 16.0,
    "evaluated_after_enter_p50": 64.0,
    "rss_over_model_mb": 250.0,
}


def attach_log(requests: Sequence[dict[str, Any]], lines: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Put each inline request's log fields on its record (``log``); return what did not match.

    Returns {"background": lines of other requests (warm-up, speculative...), "unmatched": lines
    whose ``i<n>`` names no request sent, "missing": request numbers without a line}.
    """
    by_n = {int(r["n"]): r for r in requests}
    background: list[Mapping[str, Any]] = []
    unmatched: list[Mapping[str, Any]] = []
    for fields in lines:
        n = inline_number(fields)
        if n is None:
            background.append(dict(fields))
        elif n in by_n and by_n[n].get("log") is None:
            by_n[n]["log"] = dict(fields)
        else:
            unmatched.append(dict(fields))
    missing = [n for n, r in by_n.items() if r.get("log") is None]
    return {"background": background, "unmatched": unmatched, "missing": missing}


def _dist(values: Sequence[float], high: float = 95) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        f"p{high:g}": percentile(values, high),
        "mean": mean(values),
    }


def _evaluated(requests: Iterable[Mapping[str, Any]]) -> list[float]:
    return [
        float(r["log"]["evaluated"])
        for r in requests
        if r.get("log") and isinstance(r["log"].get("evaluated"), (int, float))
    ]


def is_cache_hit(fields: Mapping[str, Any]) -> bool:
    """A request answered from the server's result cache, without a model call."""
    return str(fields.get("result", "")).startswith("cache")


def summarize_requests(
    requests: Sequence[Mapping[str, Any]], background: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """Prompt tokens per request, cache use and outcomes of every inline request."""
    logged = [r["log"] for r in requests if r.get("log")]
    with_prompt = [f for f in logged if isinstance(f.get("prompt"), int) and isinstance(f.get("reused"), int)]
    prompt_total = sum(int(f["prompt"]) for f in with_prompt)
    hits = sum(1 for f in logged if is_cache_hit(f))
    answered = sum(1 for f in logged if f.get("result") == "ok" or is_cache_hit(f))
    shown = [r for r in requests if r.get("would_accept") is not None]
    return {
        "sent": len(requests),
        "outcomes": dict(Counter(str(r.get("outcome")) for r in requests)),
        "logged": len(logged),
        "server_results": dict(Counter(str(f.get("result", "none (cancelled)")) for f in logged)),
        "reached_engine": len(_evaluated(requests)),
        "evaluated": {
            "all": _dist(_evaluated(requests)),
            "within_line": _dist(_evaluated(r for r in requests if r.get("kind") == "char")),
            "after_enter": _dist(_evaluated(r for r in requests if r.get("kind") == "enter")),
        },
        "reused_share": (sum(int(f["reused"]) for f in with_prompt) / prompt_total) if prompt_total else None,
        "shifted_total": sum(int(f["shifted"]) for f in logged if isinstance(f.get("shifted"), int)) or None,
        "cache_hits": hits,
        "cache_hit_share": hits / answered if answered else None,
        "shown": len(shown),
        "would_accept_shown": mean(bool(r["would_accept"]) for r in shown),
        "background": {
            "n": len(background),
            "evaluated": sum(int(f["evaluated"]) for f in background if isinstance(f.get("evaluated"), int)),
        },
    }


def summarize_pauses(pauses: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Time to a suggestion after each pause, the no-suggestion rate and the would-accept rate."""
    tts = [float(p["tts_ms"]) for p in pauses if p.get("tts_ms") is not None]
    answered = [float(p["response_ms"]) for p in pauses if p.get("response_ms") is not None]
    n = len(pauses)
    accepted = sum(1 for p in pauses if p.get("would_accept"))
    return {
        "n": n,
        "with_suggestion": len(tts),
        "no_suggestion_rate": (n - len(tts)) / n if n else None,
        "timeouts": sum(1 for p in pauses if p.get("outcome") == "timeout"),
        "tts_p50_ms": percentile(tts, 50),
        "tts_p90_ms": percentile(tts, 90),
        "answer_p50_ms": percentile(answered, 50),
        "answer_p90_ms": percentile(answered, 90),
        "would_accept_rate": accepted / n if n else None,
        "would_accept_of_shown": accepted / len(tts) if tts else None,
    }


def summarize_baseline(pauses: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The baseline's figures over the same pauses."""
    times = [float(p["ms"]) for p in pauses if p.get("ms") is not None]
    tts = [float(p["ms"]) for p in pauses if p.get("ms") is not None and str(p.get("text", "")).strip()]
    evaluated = [float(p["evaluated"]) for p in pauses if isinstance(p.get("evaluated"), (int, float))]
    n = len(pauses)
    return {
        "n": n,
        "with_suggestion": len(tts),
        "no_suggestion_rate": (n - len(tts)) / n if n else None,
        "tts_p50_ms": percentile(tts, 50),
        "tts_p90_ms": percentile(tts, 90),
        "answer_p50_ms": percentile(times, 50),
        "answer_p90_ms": percentile(times, 90),
        "evaluated": _dist(evaluated),
        "would_accept_rate": mean(bool(p.get("would_accept")) for p in pauses),
    }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def _verdict(value: float | None, limit: float, at_least: bool = False) -> str:
    if value is None:
        return "n/a"
    return "met" if (value >= limit if at_least else value <= limit) else "NOT met"


def format_table(summary: Mapping[str, Any]) -> str:
    """A short text table of the summary, with the issue's targets."""
    h, b, r = summary["pauses"], summary.get("baseline") or {}, summary["requests"]
    ev = r["evaluated"]
    rss = summary.get("rss") or {}
    speed = summary.get("speedup_tts_p50")
    rows = [
        ("figure", "hushcode", "baseline", "target"),
        (
            "pauses (with a suggestion)",
            f"{h['n']} ({h['with_suggestion']})",
            f"{b.get('n', '-')} ({b.get('with_suggestion', '-')})",
            "",
        ),
        (
            "time to suggestion p50",
            _ms(h["tts_p50_ms"]),
            _ms(b.get("tts_p50_ms")),
            f"<= 1,000 ms: {_verdict(h['tts_p50_ms'], TARGETS['tts_p50_ms'])}",
        ),
        (
            "time to suggestion p90",
            _ms(h["tts_p90_ms"]),
            _ms(b.get("tts_p90_ms")),
            f"<= 2,000 ms: {_verdict(h['tts_p90_ms'], TARGETS['tts_p90_ms'])}",
        ),
        ("answer time p50 (all pauses)", _ms(h["answer_p50_ms"]), _ms(b.get("answer_p50_ms")), ""),
        ("no suggestion at a pause", pct(h["no_suggestion_rate"], 0), pct(b.get("no_suggestion_rate"), 0), ""),
        ("would accept (of all pauses)", pct(h["would_accept_rate"], 0), pct(b.get("would_accept_rate"), 0), ""),
        (
            "speed-up p50 (baseline / hushcode)",
            "-" if speed is None else f"{speed:.1f}x",
            "",
            f">= 5x: {_verdict(speed, TARGETS['speedup_p50'], at_least=True)}",
        ),
        (
            "evaluated/request p50 (p95), all",
            f"{num(ev['all']['p50'], 0)} ({num(ev['all']['p95'], 0)})",
            f"{num(b.get('evaluated', {}).get('p50'), 0)} ({num(b.get('evaluated', {}).get('p95'), 0)})",
            "",
        ),
        (
            "  within a line",
            f"{num(ev['within_line']['p50'], 0)} ({num(ev['within_line']['p95'], 0)}) n={ev['within_line']['n']}",
            "",
            f"<= 16: {_verdict(ev['within_line']['p50'], TARGETS['evaluated_within_line_p50'])}",
        ),
        (
            "  after an Enter",
            f"{num(ev['after_enter']['p50'], 0)} ({num(ev['after_enter']['p95'], 0)}) n={ev['after_enter']['n']}",
            "",
            f"<= 64: {_verdict(ev['after_enter']['p50'], TARGETS['evaluated_after_enter_p50'])}",
        ),
        ("prompt tokens reused", pct(r["reused_share"], 0), "", ""),
        ("answered without a model call", f"{r['cache_hits']} ({pct(r['cache_hit_share'], 0)})", "", ""),
        ("requests sent / reached engine", f"{r['sent']} / {r['reached_engine']}", "", ""),
    ]
    engine = summary.get("engine") or {}
    if "prompt_tokens_evaluated" in engine and r["sent"]:
        rows.append(
            (
                "engine: evaluated / request sent",  # all its work, cancelled and background included
                f"{engine['prompt_tokens_evaluated'] / r['sent']:.1f} ({engine['prompt_tokens_evaluated']} total)",
                "",
                "",
            )
        )
    if rss:
        rows.append(
            (
                "RSS server + engine at end",
                f"{num(rss.get('server_end_mb'), 0)} + {num(rss.get('engine_end_mb'), 0)} MB",
                "",
                (
                    f"<= model + 250 MB ({num(rss.get('limit_mb'), 0)}): "
                    f"{_verdict(rss.get('total_end_mb'), rss.get('limit_mb') or 0.0)}"
                ),
            )
        )
        if rss.get("growth_last_5min_mb") is not None:
            rows.append(
                (
                    "RSS total at 5 min / growth in last 5 min",
                    f"{num(rss.get('total_5min_mb'), 0)} MB / {rss['growth_last_5min_mb']:+.0f} MB",
                    "",
                    "no growth",
                )
            )
    lines = columns(rows, "llll")
    lines.insert(1, "  ".join("-" * w for w in widths(rows)))
    return "\n".join(lines)
