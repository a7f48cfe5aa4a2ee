"""Unit tests of the pure parts of `hushcode bench latency`: the typing script, log parsing,
percentiles and summaries, would-accept, the baseline's prompt and window, RSS figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from hushcode_bench.latency.baseline import cut_window, plain_psm_prompt, reused_tokens
from hushcode_bench.latency.session import rss_summary
from hushcode_bench.latency.summary import (
    attach_log,
    format_table,
    summarize_baseline,
    summarize_pauses,
    summarize_requests,
)
from hushcode_bench.metrics import ratio
from hushcode_bench.server_log import inline_number, parse_log, parse_log_line
from hushcode_bench.typist import (
    apply_keystrokes,
    choose_tasks,
    default_files,
    keystrokes,
    tasks_in_source,
    would_accept,
)

SOURCE = '''\
import os


def first(items):
    """Return the first item.

    Or None.
    """
    for item in items:
        if item:

            return item
    return None


def tabbed(x):
\ty = x
\treturn y


class Box:
    def size(self):
        total = 0
        if self.items:
            total = len(self.items)
        return total

    def name(self): return "box"

    async def fetch(self, url: str) -> bytes:
        """Fetch é."""
        data = await get(url)
        return data
'''


def _task(name: str):  # type: ignore[no-untyped-def]
    return next(t for t in tasks_in_source("mod.py", SOURCE) if t.name == name)


def test_tasks_keep_signature_and_docstring_and_remove_only_the_body() -> None:
    task = _task("first")
    assert (
        task.body == "\n    for item in items:\n        if item:\n\n            return item\n    return None"
    )
    assert task.document == SOURCE.replace(task.body, "", 1)
    assert task.document.startswith(
        'import os\n\n\ndef first(items):\n    """Return the first item.\n\n    Or None.\n'
        '    """\n\n\ndef tabbed(x):\n'
    )  # signature and docstring stay
    assert task.document.endswith(SOURCE[SOURCE.index("\n\n\ndef tabbed") :])  # the rest of the file stays
    assert task.lines == 4


def test_function_without_docstring_and_methods_are_found_one_line_bodies_are_not() -> None:
    names = [t.name for t in tasks_in_source("mod.py", SOURCE)]
    assert names == ["first", "tabbed", "Box.size", "Box.fetch"]
    assert _task("Box.size").body.startswith("\n        total = 0")
    assert _task("Box.fetch").body == "\n        data = await get(url)\n        return data"
    assert tasks_in_source("bad.py", "def broken(:\n") == []


@pytest.mark.parametrize("name", ["first", "tabbed", "Box.size", "Box.fetch"])
def test_keystrokes_retype_the_body_exactly(name: str) -> None:
    task = _task(name)
    strokes = keystrokes(task.body, task.body_start)
    assert apply_keystrokes(task.document, strokes) == task.source
    # one keystroke per character, except an Enter which brings the line's indentation with it
    lines = task.body[1:].split("\n")
    assert len(strokes) == sum(len(line.lstrip(" \t")) + 1 for line in lines)


def test_enter_carries_the_auto_indentation_and_pauses_only_before_something_to_type() -> None:
    task = _task("first")
    strokes = keystrokes(task.body, task.body_start)
    enters = [s for s in strokes if s.enter]
    assert [s.text for s in enters] == ["\n    ", "\n        ", "\n", "\n            ", "\n    "]
    assert [s.pause for s in enters] == [True, True, False, True, True]  # no pause on the blank line
    assert not any(s.pause for s in strokes if not s.enter)
    assert [s.line_rest for s in enters if s.pause] == [
        "for item in items:",
        "if item:",
        "return item",
        "return None",
    ]
    after_f = strokes[1]
    assert (after_f.text, after_f.line_rest, after_f.enter) == ("f", "or item in items:", False)
    assert strokes[-1].line_rest == ""


def test_tabs_count_as_indentation() -> None:
    strokes = keystrokes(_task("tabbed").body, 0)
    assert [s.text for s in strokes if s.enter] == ["\n\t", "\n\t"]


def test_keystrokes_need_a_body_that_starts_with_an_enter() -> None:
    with pytest.raises(ValueError):
        keystrokes("x = 1", 0)


def test_choice_is_reproducible_and_filtered(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text(SOURCE, encoding="utf-8")
    a = [t.name for t in choose_tasks([path], -1, seed=7, min_lines=2, max_lines=12)]
    b = [t.name for t in choose_tasks([path], -1, seed=7, min_lines=2, max_lines=12)]
    assert a == b and sorted(a) == ["Box.fetch", "Box.size", "first", "tabbed"]
    assert sorted(t.name for t in choose_tasks([path], -1, seed=0, min_lines=4, max_lines=4)) == [
        "Box.size",
        "first",
    ]
    assert [t.name for t in choose_tasks([path], -1, seed=0, min_lines=2, max_chars=40)] == ["tabbed"]
    assert len(choose_tasks([path], 1, seed=0, min_lines=1)) == 1


def test_default_files_are_the_standard_library_ones_and_have_functions() -> None:
    files = default_files()
    assert {f.name for f in files} == {"textwrap.py", "shlex.py", "decoder.py", "fnmatch.py"}
    chosen = choose_tasks(files, 3, seed=0)
    assert len(chosen) == 3 and all(3 <= t.lines <= 12 for t in chosen)
    for task in chosen:
        assert apply_keystrokes(task.document, keystrokes(task.body, task.body_start)) == task.source


@pytest.mark.parametrize(
    ("suggestion", "rest", "expected"),
    [
        ("return item", "return item", True),
        ("return item\n    more", "return item", True),  # only the first line counts
        ("return item  ", "return item", True),  # trailing whitespace ignored
        ("return ite", "return item", False),  # a prefix is not enough
        ("return item)", "return item", False),
        ("\nreturn item", "return item", False),  # an empty first line never counts
        ("", "", False),
        ("  ", "", False),
    ],
)
def test_would_accept(suggestion: str, rest: str, expected: bool) -> None:
    assert would_accept(suggestion, rest) is expected


LOG = """\
2026-11-22 22:51:57,101 INFO hushcode.lsp.server: engine ready
2026-11-22 22:51:57,123 INFO hushcode.completion: complete req=i1 doc=a.py decide_ms=0.2 scope=block \
format=psm tokenize_ms=0.9 prompt=412 reused=380 shifted=20 evaluated=12 generated=9 control=3 stop=stop \
prompt_ms=221.4 gen_ms=402.0 post_ms=0.02 result=ok chars=16 total_ms=631.7
2026-11-22 22:51:57,200 INFO hushcode.completion: complete req=i2 doc=a.py decide_ms=0.1 scope=line total_ms=3.0
2026-11-22 22:51:57,300 INFO hushcode.completion: complete req=speculative doc=a.py prompt=400 reused=390 \
evaluated=10 result=ok total_ms=50
2026-11-22 22:51:57,400 INFO hushcode.completion: complete req=i3 doc=a.py scope=line result=cache_hit total_ms=0.4
2026-11-22 22:51:57,500 INFO hushcode.completion: complete req=i4 doc=a.py scope=line prompt=420 reused=400 \
evaluated=20 result=empty total_ms=300
2026-11-22 22:51:57,600 INFO hushcode.completion: complete req=i9 doc=a.py result=ok total_ms=1
"""


def test_log_lines_are_parsed_with_numbers() -> None:
    fields = parse_log_line(LOG.splitlines()[1])
    assert fields is not None
    assert fields["req"] == "i1" and fields["doc"] == "a.py" and fields["result"] == "ok"
    assert (fields["prompt"], fields["reused"], fields["evaluated"], fields["shifted"]) == (412, 380, 12, 20)
    assert fields["total_ms"] == 631.7 and isinstance(fields["total_ms"], float)
    assert parse_log_line(LOG.splitlines()[0]) is None
    assert parse_log_line("something complete without fields") is None
    assert len(parse_log(LOG)) == 6
    assert inline_number({"req": "i12"}) == 12
    assert inline_number({"req": "speculative"}) is None and inline_number({"req": "i12x"}) is None


def _requests() -> list[dict[str, object]]:
    kinds = ["enter", "char", "char", "char", "enter"]
    return [
        {
            "n": i + 1,
            "kind": k,
            "pause": k == "enter",
            "outcome": "suggestion",
            "log": None,
            "would_accept": None,
        }
        for i, k in enumerate(kinds)
    ]


def test_log_lines_are_attached_by_request_number() -> None:
    requests = _requests()
    other = attach_log(requests, parse_log(LOG))
    assert requests[0]["log"]["evaluated"] == 12  # type: ignore[index]
    assert requests[2]["log"]["result"] == "cache_hit"  # type: ignore[index]
    assert [f["req"] for f in other["background"]] == ["speculative"]
    assert [f["req"] for f in other["unmatched"]] == ["i9"]  # no request 9 was sent
    assert other["missing"] == [5]


def test_request_summary_splits_within_line_and_after_enter() -> None:
    requests = _requests()
    other = attach_log(requests, parse_log(LOG))
    requests[0]["would_accept"] = True
    requests[3]["would_accept"] = False
    s = summarize_requests(requests, other["background"])
    assert s["sent"] == 5 and s["logged"] == 4 and s["reached_engine"] == 2
    assert s["evaluated"]["all"]["p50"] == 16.0  # 12 and 20
    assert s["evaluated"]["after_enter"] == {"n": 1, "p50": 12.0, "p95": 12.0, "mean": 12.0}
    assert s["evaluated"]["within_line"]["p50"] == 20.0
    assert s["reused_share"] == pytest.approx((380 + 400) / (412 + 420))
    assert s["shifted_total"] == 20
    assert s["cache_hits"] == 1 and s["cache_hit_share"] == pytest.approx(1 / 2)  # of i1 (ok) and i3 (hit)
    assert s["server_results"] == {"ok": 1, "none (cancelled)": 1, "cache_hit": 1, "empty": 1}
    assert s["would_accept_shown"] == 0.5
    assert s["background"] == {"n": 1, "evaluated": 10}


def test_percentiles_interpolate_linearly() -> None:
    pauses = [
        {"tts_ms": float(v), "response_ms": float(v), "outcome": "suggestion", "would_accept": v > 200}
        for v in (100, 200, 300, 400)
    ]
    pauses.append({"tts_ms": None, "response_ms": 50.0, "outcome": "empty", "would_accept": False})
    pauses.append({"tts_ms": None, "response_ms": None, "outcome": "timeout", "would_accept": False})
    s = summarize_pauses(pauses)
    assert s["tts_p50_ms"] == 250.0  # between 200 and 300
    assert s["tts_p90_ms"] == pytest.approx(370.0)  # rank 2.7 of [100, 200, 300, 400]
    assert s["answer_p50_ms"] == 200.0  # 50, 100, 200, 300, 400
    assert s["no_suggestion_rate"] == pytest.approx(2 / 6) and s["timeouts"] == 1
    assert s["would_accept_rate"] == pytest.approx(2 / 6) and s["would_accept_of_shown"] == 0.5
    assert summarize_pauses([])["tts_p50_ms"] is None


def test_baseline_summary_and_ratio() -> None:
    pauses = [
        {"ms": 3000.0, "text": "x = 1", "evaluated": 600, "would_accept": True},
        {"ms": 1000.0, "text": "", "evaluated": 40, "would_accept": False},
        {"ms": 5000.0, "text": "y", "evaluated": 700, "would_accept": False},
    ]
    s = summarize_baseline(pauses)
    assert s["tts_p50_ms"] == 4000.0 and s["answer_p50_ms"] == 3000.0
    assert s["no_suggestion_rate"] == pytest.approx(1 / 3) and s["would_accept_rate"] == pytest.approx(1 / 3)
    assert s["evaluated"]["p50"] == 600.0
    assert ratio(4000.0, 500.0) == 8.0
    assert ratio(None, 1.0) is None and ratio(1.0, 0.0) is None


def test_table_shows_targets() -> None:
    requests = _requests()
    attach_log(requests, parse_log(LOG))
    summary = {
        "pauses": summarize_pauses([{"tts_ms": 800.0, "response_ms": 800.0, "would_accept": True}]),
        "requests": summarize_requests(requests),
        "baseline": summarize_baseline([{"ms": 4800.0, "text": "a", "evaluated": 500}]),
        "speedup_tts_p50": 6.0,
        "engine": {"prompt_tokens_evaluated": 50, "generations": 3},
        "rss": rss_summary([{"t_s": 0, "server_kb": 102400, "engine_kb": 614400}], 491_400_064),
    }
    table = format_table(summary)
    assert "800 ms" in table and "4,800 ms" in table and "6.0x" in table
    assert "<= 1,000 ms: met" in table and ">= 5x: met" in table
    assert "<= 16: NOT met" in table  # within-line p50 is 20 in the log above
    assert "100 + 600 MB" in table
    assert "10.0 (50 total)" in table  # the engine's own count over the 5 requests sent


def test_rss_summary_at_five_minutes_and_growth() -> None:
    samples = [
        {"t_s": float(t), "server_kb": 100 * 1024, "engine_kb": (600 + t // 60) * 1024}
        for t in range(0, 601, 5)
    ]
    s = rss_summary(samples, 500 * 1024 * 1024)
    assert s["total_end_mb"] == 710.0 and s["total_5min_mb"] == 705.0 and s["growth_last_5min_mb"] == 5.0
    assert s["limit_mb"] == 750.0
    short = rss_summary(samples[:10], 500 * 1024 * 1024)
    assert short["growth_last_5min_mb"] is None and short["total_5min_mb"] is None
    assert rss_summary([], 1) == {}


def test_baseline_prompt_and_window() -> None:
    assert plain_psm_prompt("a\n", "\nb") == "<|fim_prefix|>a\n<|fim_suffix|>\nb<|fim_middle|>"

    def tokenize(text: str) -> list[int]:  # one token per character
        return [ord(c) for c in text]

    def detokenize(tokens: object) -> str:
        return "".join(chr(t) for t in tokens)  # type: ignore[attr-defined]

    text = "0123456789abcdefghij"
    assert cut_window(text, 10, 4, 3, tokenize, detokenize) == ("6789", "abc")
    assert cut_window(text, 10, 100, 100, tokenize, detokenize) == ("0123456789", "abcdefghij")
    assert cut_window(text, 10, 0, 0, tokenize, detokenize) == ("", "")


def test_baseline_reuse_follows_llama_cpp_python() -> None:
    assert reused_tokens([1, 2, 3, 4], [1, 2, 9, 9]) == 2
    assert reused_tokens([1, 2, 3], [1, 2, 3]) == 2  # a full match still re-evaluates one token
    assert reused_tokens([], [1, 2]) == 0
    assert reused_tokens([1, 2, 3, 4], [1, 2]) == 1
