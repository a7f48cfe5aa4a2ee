"""benchmarks/pypi_quality.py's tally: holes summed by split, configuration and placement, the
ratio to the plain prompt of the same trigger, and the counts of multi-line and module-level text."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "pypi_quality.py"


def load() -> object:
    sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("pypi_quality", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def task(kind: str, results: dict[str, tuple[str, bool | None, bool]]) -> dict[str, object]:
    return {"kind": kind, "results": {name: {"got": got, "passed": passed, "column0_text": col0}
                                      for name, (got, passed, col0) in results.items()}}


def test_holes_are_summed_by_split_and_compared_with_the_plain_prompt(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module = load()
    libraries = [{"name": "a", "split": "dev"}, {"name": "b", "split": "test"}, {"name": "c", "split": "test"}]
    tasks = {
        "a": [task("line", {"default": ("x = 1", True, False), "plain": ("x = 2", False, False)})],
        "b": [task("line", {"default": ("y = 1", True, False), "plain": ("y = 1", True, False)}),
              task("line@0", {"default": ("y = 1\nz = 2", False, False), "plain": ("class A:", False, True)})],
        "c": [task("line", {"default": ("w", True, False), "plain": ("v", False, False)}),
              task("line", {"default": ("u", None, False), "plain": ("u", None, False)})],  # not noticed
    }
    for name, found in tasks.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps({"tasks": found}))
    counts = module.tally(tmp_path, libraries)  # type: ignore[attr-defined]
    assert counts[("test", "default", "line")]["tested"] == 2 and counts[("test", "default", "line")]["passed"] == 2
    assert counts[("test", "plain", "line")]["passed"] == 1
    assert counts[("test", "default", "line@0")]["multiline"] == 1
    assert counts[("test", "plain", "line@0")]["column0"] == 1
    assert counts[("dev", "default", "line")]["passed"] == 1
    module.report(counts)  # type: ignore[attr-defined]
    rows = {tuple(line.split()[:3]): line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows[("test", "default", "line")][4:6] == ["100.0%", "2.00"]  # 2 of 2 against 1 of 2
    assert rows[("test", "plain", "line")][5] == "-"
