"""End to end: `hushcode bench quality` on a tiny repository, through the real server and model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hushcode_bench.holes import load_tasks

FILES = {
    "mathutil.py": '''\
def clamp(value, low, high):
    """Limit value to the range [low, high]."""
    if value < low:
        return low
    if value > high:
        return high
    return value


def mean(values):
    total = sum(values)
    count = len(values)
    return total / count
''',
    "strutil.py": """\
def slugify(text):
    words = text.lower().split()
    return "-".join(words)


def initials(name):
    parts = name.split()
    return "".join(part[0].upper() for part in parts)
""",
    "test_utils.py": """\
import unittest

from mathutil import clamp, mean
from strutil import initials, slugify


class UtilTests(unittest.TestCase):
    def test_clamp(self):
        self.assertEqual(clamp(5, 0, 3), 3)
        self.assertEqual(clamp(-1, 0, 3), 0)
        self.assertEqual(clamp(2, 0, 3), 2)

    def test_mean(self):
        self.assertEqual(mean([1, 2, 3]), 2)

    def test_strings(self):
        self.assertEqual(slugify("Hello Big World"), "hello-big-world")
        self.assertEqual(initials("ada lovelace"), "AL")
""",
}


@pytest.mark.timeout(1200)  # 12 completions on 2 cores; other work on the machine can slow llama.cpp a lot
def test_bench_quality_end_to_end(tmp_path: Path, model_path: Path) -> None:
    repo, out = tmp_path / "repo", tmp_path / "out"
    repo.mkdir()
    for name, text in FILES.items():
        (repo / name).write_text(text)
    before = {p.name: p.read_text() for p in repo.iterdir()}
    env = {**os.environ, "HUSHCODE_MODEL": str(model_path)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hushcode",
            "bench",
            "quality",
            str(repo),
            "--limit",
            "2",
            "--out",
            str(out),
            "--config",
            'default={"completion":{"maxTokens":48}}',
            "--config",
            'short={"completion":{"maxTokens":48,"prefixTokens":64}}',
            "--first-line",
            "short",
            "--test-command",
            f"{sys.executable} -m unittest -q",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=1150,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[0].split()[:4] == ["config", "kind", "n", "exact"]
    assert f"results: {out / 'results.json'}" in done.stdout

    data = json.loads((out / "results.json").read_text())
    assert [c["name"] for c in data["configs"]] == ["default", "short"]
    assert all("Qwen" in c["model"] for c in data["configs"])
    assert (
        data["configs"][1]["first_line"] is True
        and data["configs"][1]["options"]["completion"]["prefixTokens"] == 64
    )
    assert data["test_baseline"]["passed"] is True
    tasks = data["tasks"]
    assert sorted(t["kind"] for t in tasks) == ["block", "block", "line", "line", "rest", "rest"]
    for task in tasks:
        assert task["path"] in FILES and task["expected"] in FILES[task["path"]]
        for name in ("default", "short"):
            result = task["results"][name]
            assert set(result) >= {
                "got",
                "latency_ms",
                "exact",
                "edit_similarity",
                "identifier_exact",
                "identifier_f1",
                "empty",
                "parses",
                "tested",
                "passed",
                "server",
                "idle_wait_ms",
                "suggestion",
            }
            assert result["error"] is None and result["latency_ms"] > 0
            assert 0.0 <= result["edit_similarity"] <= 1.0 and 0.0 <= result["identifier_f1"] <= 1.0
            assert result["server"]["lastResult"] is not None  # the server's own figures for this request
            assert (result["passed"] is None) == (not result["tested"])
        assert "\n" not in task["results"]["short"]["got"]  # --first-line
        if task["kind"] == "line":  # scored (and tested) on the suggestion's first line
            first = task["results"]["default"]["suggestion"].split("\n")[0]
            assert task["results"]["default"]["got"] == first
    assert any(t["results"]["default"]["tested"] for t in tasks)  # the tests notice some holes
    assert any(not t["results"]["default"]["empty"] for t in tasks)
    for name in ("default", "short"):
        summary = data["summary"][name]
        assert {k: summary[k]["n"] for k in summary} == {"line": 2, "rest": 2, "block": 2, "all": 6}
        assert summary["all"]["latency_p50_ms"] > 0

    assert (out / "quality.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "server-default.log").exists() and (out / "server-short.log").exists()
    reference, files = load_tasks(out / "tasks.json")
    assert [t.id for t in reference] == [t["id"] for t in tasks] and set(files) <= set(FILES)
    assert {p.name: p.read_text() for p in repo.iterdir()} == before  # the repository is untouched
