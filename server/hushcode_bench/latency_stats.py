"""The figures of a latency run: the server's log lines, percentiles, the summary and its table.

Pure: works on the plain records that ``latency_replay`` and ``latency_baseline`` produce.

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

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hushcode_bench.metrics import mean, percentile

_COMPLETE = re.compile(r"\bcomplete (req=\S+.*)$")
_FIELD = re.compile(r"(\w+)=(\S+)")
_INLINE_ID = re.compile(r"i(\d+)")

TARGETS = {
    "tts_p50_ms": 1000.0,
    "tts_p90_ms": 2000.0,
    "speedup_p50": 5.0,
    "evaluated_within_line_p50": 16.0,
    "evaluated_after_enter_p50": 64.0,
    "rss_over_model_mb": 250.0,
}


def _value(text: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_log_line(line: str) -> dict[str, int | float | str] | None:
    """The fields of one ``complete req=... `` log line, or None for any other line."""
    found = _COMPLETE.search(line.rstrip("\n"))
    if found is None:
        return None
    return {key: _value(value) for key, value in _FIELD.findall(found.group(1))}


def parse_log(text: str) -> list[dict[str, int | float | str]]:
    """Every completion line of a server log, in order."""
    return [fields for line in text.splitlines() if (fields := parse_log_line(line)) is not None]


def inline_number(fields: Mapping[str, Any]) -> int | None:
    """n for ``req=i<n>`` (the n-th inlineCompletion request the server received), else None."""
    found = _INLINE_ID.fullmatch(str(fields.get("req", "")))
    return int(found.group(1)) if found else None


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


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None when either is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


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
        ("no suggestion at a pause", _pct(h["no_suggestion_rate"]), _pct(b.get("no_suggestion_rate")), ""),
        ("would accept (of all pauses)", _pct(h["would_accept_rate"]), _pct(b.get("would_accept_rate")), ""),
        (
            "speed-up p50 (baseline / hushcode)",
            "-" if speed is None else f"{speed:.1f}x",
            "",
            f">= 5x: {_verdict(speed, TARGETS['speedup_p50'], at_least=True)}",
        ),
        (
            "evaluated/request p50 (p95), all",
            f"{_num(ev['all']['p50'])} ({_num(ev['all']['p95'])})",
            f"{_num(b.get('evaluated', {}).get('p50'))} ({_num(b.get('evaluated', {}).get('p95'))})",
            "",
        ),
        (
            "  within a line",
            f"{_num(ev['within_line']['p50'])} ({_num(ev['within_line']['p95'])}) n={ev['within_line']['n']}",
            "",
            f"<= 16: {_verdict(ev['within_line']['p50'], TARGETS['evaluated_within_line_p50'])}",
        ),
        (
            "  after an Enter",
            f"{_num(ev['after_enter']['p50'])} ({_num(ev['after_enter']['p95'])}) n={ev['after_enter']['n']}",
            "",
            f"<= 64: {_verdict(ev['after_enter']['p50'], TARGETS['evaluated_after_enter_p50'])}",
        ),
        ("prompt tokens reused", _pct(r["reused_share"]), "", ""),
        ("answered without a model call", f"{r['cache_hits']} ({_pct(r['cache_hit_share'])})", "", ""),
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
                f"{_num(rss.get('server_end_mb'))} + {_num(rss.get('engine_end_mb'))} MB",
                "",
                (
                    f"<= model + 250 MB ({_num(rss.get('limit_mb'))}): "
                    f"{_verdict(rss.get('total_end_mb'), rss.get('limit_mb') or 0.0)}"
                ),
            )
        )
        if rss.get("growth_last_5min_mb") is not None:
            rows.append(
                (
                    "RSS total at 5 min / growth in last 5 min",
                    f"{_num(rss.get('total_5min_mb'))} MB / {rss['growth_last_5min_mb']:+.0f} MB",
                    "",
                    "no growth",
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
