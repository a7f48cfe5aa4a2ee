"""End to end: `hushcode bench latency` types one tiny function through the real server and model,
then asks the baseline (a separate llama-cpp-python process) at the same pauses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hushcode_bench.typist import choose_tasks, keystrokes

SOURCE = '''\
import math


def area(radius):
    """Area of a circle."""
    squared = radius * radius
    return math.pi * squared


def main():
    print(area(2.0))
'''


def test_latency_bench_measures_every_pause_through_the_real_server(model_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "circle.py"
    source.write_text(SOURCE, encoding="utf-8")
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUSHCODE_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hushcode",
            "bench",
            "latency",
            "--files",
            str(source),
            "--functions",
            "1",
            "--min-lines",
            "2",
            "--max-lines",
            "3",
            "--cps",
            "20",
            "--pause",
            "0.3",
            "--open-idle",
            "0.2",
            "--cap",
            "60",
            "--model",
            str(model_path),
            "--out",
            str(out),
        ],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=280,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "time to suggestion p50" in done.stdout and "speed-up p50" in done.stdout, done.stdout

    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert {"summary", "pauses", "requests", "baseline", "functions", "rss_samples", "server"} <= set(data)
    assert [(f["name"], f["lines"]) for f in data["functions"]] == [("area", 2)]

    task = choose_tasks([source], 1, 0, min_lines=2, max_lines=3)[0]
    strokes = keystrokes(task.body, task.body_start)
    requests = data["requests"]
    assert len(requests) == len(strokes)  # one inlineCompletion per keystroke
    assert [r["kind"] for r in requests] == ["enter" if s.enter else "char" for s in strokes]
    assert all(r["outcome"] != "unanswered" for r in requests)  # every request got an answer or a cancel
    assert data["summary"]["log_mapping"] == {"missing": 0, "unmatched": 0}  # req=i<n> <-> n-th request
    assert all(r["log"]["req"] == f"i{r['n']}" for r in requests)

    # every pause has a measurement: an answer within the cap (generous: other work on a 2-core machine
    # can slow the model many times over), timed from its keystroke
    pauses = data["pauses"]
    assert [p["expected"] for p in pauses] == ["squared = radius * radius", "return math.pi * squared"]
    for pause in pauses:
        assert pause["outcome"] in ("suggestion", "empty"), pause
        assert isinstance(pause["response_ms"], float) and 0 < pause["response_ms"] < 60_000
        assert pause["tts_ms"] == (pause["response_ms"] if pause["outcome"] == "suggestion" else None)
        assert requests[pause["request"] - 1]["kind"] == "enter"
        assert pause["log"]["result"] in ("ok", "empty", "cache_hit"), pause["log"]
    summary = data["summary"]
    assert summary["pauses"]["n"] == 2
    assert summary["requests"]["sent"] == len(strokes)
    assert summary["requests"]["evaluated"]["after_enter"]["n"] >= 1

    # the baseline answered at the same pauses, with its own timings and token counts
    baseline = data["baseline"]
    assert baseline["error"] is None and baseline["prefix_tokens"] == 1500
    assert len(baseline["pauses"]) == len(pauses)
    for answer in baseline["pauses"]:
        assert answer["ms"] > 0 and answer["prompt_tokens"] >= answer["evaluated"] >= 1
        assert "\n" not in answer["text"]  # one line
    assert baseline["pauses"][1]["reused"] > 0  # its prefix cache kept the common start
    assert summary["baseline"]["n"] == 2

    rss = summary["rss"]
    assert rss["server_end_mb"] > 10 and rss["engine_end_mb"] > 100
    assert data["server"]["status_start"]["pid"] != data["server"]["status_start"]["enginePid"]
