"""Precision and recall at the typing pauses over confidence thresholds, from synthetic log lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hushcode_bench.latency.confidence import (
    GRID,
    NO_FIGURE,
    format_confidence,
    plot,
    point,
    summarize_confidence,
)
from hushcode_bench.latency.summary import attach_log
from hushcode_bench.server_log import parse_log

PREFIX = "2026-12-08 10:00:00,000 INFO hushcode.completion: complete "
# six pauses (requests 1 to 6): four shown suggestions with their confidence, one withheld by the
# server for low confidence, one empty; request 7 is typing within a line, not a pause
LOG = "\n".join(
    PREFIX + line
    for line in (
        "req=i1 doc=a.py scope=block held=4 prompt=300 evaluated=20 result=ok chars=18 confidence=-0.120 min_lp=-1.9",
        "req=i2 doc=a.py scope=line prompt=310 evaluated=12 result=ok chars=9 confidence=-0.850 min_lp=-4.2",
        "req=i3 doc=a.py scope=line prompt=320 evaluated=15 result=ok chars=12 confidence=-0.400 min_lp=-2.5",
        "req=i4 doc=a.py scope=line prompt=330 evaluated=11 result=low_confidence confidence=-2.300 min_lp=-7.0",
        "req=i5 doc=a.py scope=line prompt=340 evaluated=10 result=ok chars=7 confidence=-1.700 min_lp=-5.1",
        "req=i6 doc=a.py scope=line prompt=350 evaluated=10 result=empty",
        "req=i7 doc=a.py result=cache_hit chars=5",
        "req=speculative doc=a.py result=ok confidence=-0.100",
    )
)
# what the typist would accept, and what came back at each pause
OUTCOMES = {1: ("suggestion", True), 2: ("suggestion", False), 3: ("suggestion", True), 4: ("empty", False),
            5: ("suggestion", False), 6: ("empty", False)}


def pauses(log: str = LOG) -> list[dict[str, Any]]:
    requests: list[dict[str, Any]] = [{"n": n, "log": None} for n in range(1, 8)]
    attach_log(requests, parse_log(log))
    return [
        {"request": n, "outcome": outcome, "would_accept": accepted, "log": requests[n - 1]["log"]}
        for n, (outcome, accepted) in OUTCOMES.items()
    ]


def test_precision_and_recall_without_a_threshold() -> None:
    everything = point(pauses(), "confidence", None)
    assert everything == {"threshold": None, "shown": 4, "accepted": 2, "precision": 0.5, "recall": pytest.approx(2 / 6)}


def test_a_threshold_hides_what_is_below_it() -> None:
    at = {t: point(pauses(), "confidence", t) for t in (-1.0, -0.5, -0.4, -0.1)}
    assert (at[-1.0]["shown"], at[-1.0]["precision"], at[-1.0]["recall"]) == (3, pytest.approx(2 / 3), pytest.approx(2 / 6))
    assert (at[-0.5]["shown"], at[-0.5]["precision"]) == (2, 1.0)
    assert at[-0.4]["shown"] == 2  # -0.400 is not below -0.4
    assert (at[-0.1]["shown"], at[-0.1]["precision"], at[-0.1]["recall"]) == (0, None, 0.0)


def test_summary_has_a_curve_per_figure_and_counts_the_withheld() -> None:
    s = summarize_confidence(pauses())
    assert (s["pauses"], s["shown"], s["withheld"], s["note"]) == (6, 4, 1, None)
    assert set(s["curves"]) == {"confidence", "min_lp"}
    confidence = s["curves"]["confidence"]
    assert [p["threshold"] for p in confidence["grid"]] == list(GRID)
    assert [p["threshold"] for p in confidence["points"]] == [-1.7, -0.85, -0.4, -0.12]  # the shown ones' values
    assert [p["shown"] for p in confidence["points"]] == [4, 3, 2, 1]
    assert [p["recall"] for p in confidence["points"]] == pytest.approx([2 / 6, 2 / 6, 2 / 6, 1 / 6])
    recalls = [p["recall"] for p in confidence["grid"]]
    assert recalls == sorted(recalls, reverse=True)  # a higher threshold never adds an accepted suggestion
    assert confidence["without_figure"] == 0
    assert s["curves"]["min_lp"]["points"][0]["threshold"] == -5.1


def test_a_shown_suggestion_without_a_figure_stays_shown() -> None:
    log = LOG.replace(" confidence=-0.850 min_lp=-4.2", "")
    s = summarize_confidence(pauses(log))
    curve = s["curves"]["confidence"]
    assert curve["without_figure"] == 1
    assert all(p["shown"] >= 1 for p in curve["grid"])  # the one without a figure, at every threshold
    assert "1 shown without a confidence figure stay shown" in format_confidence(s)


def test_the_table_and_the_plot(tmp_path: Path) -> None:
    s = summarize_confidence(pauses())
    table = format_confidence(s)
    lines = table.splitlines()
    assert lines[0].startswith("precision / recall at the pauses: 50% / 33% (6 pauses, 4 shown, 1 withheld")
    assert lines[1].split() == ["confidence", ">=", "shown", "precision", "recall"]
    assert len(lines) == 3 + len(GRID)
    assert lines[3 + GRID.index(-0.5)].split() == ["-0.50", "2", "100%", "33%"]
    assert plot(s, tmp_path / "confidence.png", "test")
    assert (tmp_path / "confidence.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_confidence_in_the_log_the_curve_is_skipped(tmp_path: Path) -> None:
    today = "\n".join(line.split(" confidence=")[0] for line in LOG.splitlines())  # a server before issue 25
    s = summarize_confidence(pauses(today))
    assert s["curves"] == {} and s["note"] == NO_FIGURE
    assert s["all"]["precision"] == 0.5  # precision and recall themselves need no figure
    assert format_confidence(s).splitlines()[1] == NO_FIGURE
    assert not plot(s, tmp_path / "confidence.png", "test") and not (tmp_path / "confidence.png").exists()
