"""End to end: `hushcode bench stress` runs a short storm through the real server and model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_stress_bench_reports_every_figure(model_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUSHCODE_")}
    done = subprocess.run(
        [sys.executable, "-m", "hushcode", "bench", "stress", "--duration-s", "12", "--quiet-requests", "2",
         "--warmup-s", "3", "--cap", "30", "--model", str(model_path), "--out", str(out)],
        check=False, capture_output=True, text=True, env=env, timeout=280,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for label in ("max concurrent generations", "max queue depth", "memory growth", "p95 storm / quiet",
                  "crashes (server exit, engine restarts)"):
        assert label in done.stdout, done.stdout

    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    summary = data["summary"]
    assert summary["keystrokes"] == len(data["requests"]) >= 30  # a request per keystroke
    assert summary["requests"]["unanswered"] == 0 and summary["requests"]["errors"] == 0
    assert summary["crashes"]["total"] == 0
    assert summary["generations"]["max_concurrent"] == 1 and summary["generations"]["timeline_overlaps"] == 0
    assert summary["rss"]["warmup_mb"] > 100 and summary["rss"]["growth_mb"] is not None
    assert summary["latency"]["quiet"]["n"] == 2 and summary["latency"]["storm"]["n"] >= 1
    assert len(data["samples"]) >= 5 and all(s["server_kb"] for s in data["samples"])
    assert data["plan"]["duration_s"] == 12 and data["plan"]["cps"] == 30
