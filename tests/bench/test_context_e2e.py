"""End to end: `hushcode bench context` on a tiny project, through the real server and model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hushcode_bench.holes import load_tasks
from tests.bench.test_context_tasks import CROSS_FILE, write_project


@pytest.mark.timeout(600)  # about a minute on 2 quiet cores; a loaded machine slows llama.cpp a lot
def test_bench_context_end_to_end(tmp_path: Path, model_path: Path) -> None:
    repo, out = tmp_path / "repo", tmp_path / "out"
    repo.mkdir()
    write_project(repo)
    before = {p.relative_to(repo): p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    env = {k: v for k, v in os.environ.items() if k != "HUSHCODE_COMPLETION_CONTEXT_TOKENS"}
    env["HUSHCODE_MODEL"] = str(model_path)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hushcode",
            "bench",
            "context",
            str(repo),
            "--limit",
            "2",
            "--out",
            str(out),
            "--latency-requests",
            "1",
            "--changed",
            "2",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=580,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[0].split()[:3] == ["config", "n", "exact"]
    assert f"results: {out / 'results.json'}" in done.stdout

    data = json.loads((out / "results.json").read_text())
    assert (
        data["root"] == str(repo.resolve()) and data["limit"] == 2 and data["candidates"] == len(CROSS_FILE)
    )
    configs = {c["name"]: c for c in data["configs"]}
    assert set(configs) == {"context", "no_context"}
    assert configs["context"]["options"] == {"completion": {"contextTokens": 384}}
    assert configs["no_context"]["options"] == {"completion": {"contextTokens": 0}}
    assert all("Qwen" in c["model"] for c in configs.values())
    assert configs["context"]["indexed_files"] == 3 and configs["no_context"]["indexed_files"] is None
    assert configs["context"]["first_pass"]["files"] == 3

    tasks = data["tasks"]
    assert len(tasks) == 2
    for task in tasks:
        assert (task["path"], task["expected"]) in CROSS_FILE
        assert [u["path"] for u in task["uses"]] == ["shop/pricing.py"]
        for name in ("context", "no_context"):
            result = task["results"][name]
            assert set(result) >= {
                "got",
                "suggestion",
                "exact",
                "edit_similarity",
                "identifier_f1",
                "empty",
                "latency_ms",
                "context_tokens",
                "context_snippets",
                "server",
            }
            assert result["error"] is None and result["latency_ms"] > 0 and "\n" not in result["got"]
            assert 0.0 <= result["edit_similarity"] <= 1.0
        assert task["results"]["no_context"]["context_tokens"] == 0
    # the definitions of the imported names reach the prompt
    assert any(t["results"]["context"]["context_tokens"] > 0 for t in tasks)

    summary = data["summary"]
    for name in ("context", "no_context"):
        assert summary[name]["n"] == 2 and summary[name]["latency_p50_ms"] > 0
        assert {"exact", "edit_similarity", "context_tokens_mean", "exact_n"} <= set(summary[name])
    assert summary["no_context"]["context_tokens_mean"] == 0 and summary["context"]["context_tokens_mean"] > 0
    assert set(summary["ratio"]) >= {"exact", "edit_similarity"}
    assert data["targets"][0]["goal"] == ">= 1.5x"
    recall = data["retrieval"]
    assert recall["tasks"] == 2 and 0 <= recall["line_in_context"] <= 2 and recall["context_tokens"] > 0
    assert all(isinstance(t["line_in_context"], bool) for t in tasks)

    (index,) = data["index"]
    assert index["files"] == 3 and index["files_per_s"] > 0 and index["changed_file_p50_ms"] >= 0
    first = data["first_pass_latency"]
    assert first["roots"] == [str(repo.resolve())] and first["indexed_files"] == 3
    # a tiny project is indexed before the engine is ready: nothing to compare, and nothing sent
    assert len(first["during"]) + len(first["partial"]) <= 1 and len(first["idle"]) == len(first["during"])

    reference, files = load_tasks(out / "tasks.json")
    assert [t.id for t in reference] == [t["id"] for t in tasks] and set(files) <= set(CROSS_FILE_PATHS)
    assert (out / "server-context.log").exists() and (out / "server-no_context.log").exists()
    after = {p.relative_to(repo): p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    assert after == before  # the repository is untouched: the holes lived in the editor buffers only


CROSS_FILE_PATHS = {path for path, _ in CROSS_FILE}
