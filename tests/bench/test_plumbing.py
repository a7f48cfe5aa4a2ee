"""The benchmark's plumbing: applying items, configurations, sources, the test runner, the report."""

from __future__ import annotations

import collections
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hushcode_bench import cli as commands
from hushcode_bench.arguments import UsageError
from hushcode_bench.client import plain, units
from hushcode_bench.configs import Config, server_env
from hushcode_bench.quality.command import parse_config
from hushcode_bench.quality.summary import format_table, plot, summarize
from hushcode_bench.quality.testrun import SuiteRunner
from hushcode_bench.sources import MAX_BYTES, list_sources
from hushcode_bench.suggestions import apply_item


@pytest.mark.parametrize(
    ("document", "cursor", "insert", "start", "end", "hole"),
    [
        ("x = (\n", 5, "a + b)", 5, 5, "a + b)"),  # plain insertion at the cursor
        ("x = ()\n", 5, "a + b)", 5, 6, "a + b"),  # the item replaces the auto-closed ")" right of the cursor
        ("return os.pa\n", 12, "os.path.join(a)", 7, 12, "th.join(a)"),  # the item re-inserts the typed word
        ("abc\n", 3, "zz", 0, 3, "zz"),  # rewrites text before the cursor: the inserted text is used
    ],
)
def test_apply_item(document: str, cursor: int, insert: str, start: int, end: int, hole: str) -> None:
    completed, got = apply_item(document, cursor, insert, start, end)
    assert completed == document[:start] + insert + document[end:]
    assert got == hole


def test_units_and_plain() -> None:
    assert units("é😀", "utf-8") == 6 and units("é😀", "utf-16") == 3 and units("é😀", "utf-32") == 2
    Status = collections.namedtuple("Status", ["state", "inner"])
    Inner = collections.namedtuple("Inner", ["n"])
    assert plain(Status("ready", [Inner(1)])) == {"state": "ready", "inner": [{"n": 1}]}


def test_parse_config(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    assert parse_config("default", None) == ("default", {}, None)
    assert parse_config('short={"completion":{"prefixTokens":128}}', None) == (
        "short",
        {"completion": {"prefixTokens": 128}},
        None,
    )
    assert parse_config(f'big={{"a":1}}@{model}', None) == ("big", {"a": 1}, str(model))
    assert parse_config(f"big@{model}", None) == ("big", {}, str(model))
    assert parse_config("x={}", str(model)) == ("x", {}, str(model))  # --model as the default
    for bad in ["a=[1]", "a={nope", "a b={}", f"a={{}}@{tmp_path / 'missing.gguf'}"]:
        with pytest.raises(UsageError):
            parse_config(bad, None)


def test_usage_errors_are_messages_not_tracebacks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert commands.run(["quality", str(tmp_path), "--kinds", "lines"]) == 2
    assert commands.run(["quality", str(tmp_path / "nowhere")]) == 2
    assert commands.run(["quality", str(tmp_path), "--config", "a", "--config", "a"]) == 2
    assert commands.run(["quality", str(tmp_path), "--first-line", "b"]) == 2
    assert commands.run([]) == 2
    err = capsys.readouterr().err
    assert "--kinds: choose from line, rest, block" in err and "Traceback" not in err


def test_no_tasks_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("nothing to cut\n")
    assert commands.run(["quality", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    assert "no tasks" in capsys.readouterr().err


def test_server_env_deadline() -> None:
    env = server_env(Config("a", {}, "/m.gguf"), {"PATH": "/bin"})
    assert env == {"PATH": "/bin", "HUSHCODE_MODEL": "/m.gguf", "HUSHCODE_COMPLETION_TIMEOUT_MS": "60000",
                   "HUSHCODE_COMPLETION_COLD_PROMPT_TOKENS": "0"}  # every task is a jump: the full prompt
    assert server_env(Config("a"), {"HUSHCODE_COMPLETION_COLD_PROMPT_TOKENS": "160"})[
        "HUSHCODE_COMPLETION_COLD_PROMPT_TOKENS"] == "160"  # the user's own setting wins
    assert "HUSHCODE_COMPLETION_COLD_PROMPT_TOKENS" not in server_env(
        Config("a", {"completion": {"coldPromptTokens": 160}}), {}
    )
    assert (
        server_env(Config("a"), {"HUSHCODE_COMPLETION_TIMEOUT_MS": "5"})["HUSHCODE_COMPLETION_TIMEOUT_MS"]
        == "5"
    )
    assert "HUSHCODE_COMPLETION_TIMEOUT_MS" not in server_env(
        Config("a", {"completion": {"timeoutMs": 9}}), {}
    )


def test_sources_skip_ignored_vendored_binary_and_huge_files(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("generated.py\n")
    files = {
        "app.py": "def f():\n    return 1\n",
        "generated.py": "x = 1\n",
        "pkg/util.go": "package pkg\n",
        "node_modules/lib/index.js": "function f() {}\n",
        ".venv/lib/site.py": "x = 1\n",
        "blob.py": "x = 1\0\n",
        "huge.py": "x = 1\n" * (MAX_BYTES // 6 + 1),
        "README.md": "# hi\n",
        "crlf.py": "def g():\r\n    return 2\r\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(text.encode())
    found = {s.path: s for s in list_sources(tmp_path)}
    assert sorted(found) == ["app.py", "crlf.py", "pkg/util.go"]
    assert found["crlf.py"].text == "def g():\n    return 2\n"
    assert found["pkg/util.go"].language.name == "go"


def test_runner_tests_a_copy_and_never_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".venv").mkdir(parents=True)
    (repo / ".venv" / "marker").write_text("venv")
    (repo / "lib.py").write_text("VALUE = 1\n")
    check = (
        "import lib, pathlib; "
        "assert lib.VALUE == 1; assert pathlib.Path('.venv/marker').read_text() == 'venv'"
    )
    runner = SuiteRunner(repo, f'{sys.executable} -c "{check}"', timeout=60)
    try:
        assert runner.prepare().passed
        assert (runner.copy / ".venv").is_symlink()  # linked, not copied
        assert not runner.run_with("lib.py", "VALUE = 2\n").passed
        assert runner.run_with("lib.py", "VALUE = 1  # same value\n").passed
        assert (repo / "lib.py").read_text() == "VALUE = 1\n"  # the user's file is untouched
        assert (runner.copy / "lib.py").read_text() == "VALUE = 1\n"  # and the copy restored
    finally:
        runner.close()
    assert not runner.copy.exists() and (repo / ".venv" / "marker").exists()


def test_runner_timeout_ends_the_command(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("")
    runner = SuiteRunner(tmp_path, f"{sys.executable} -c 'import time; time.sleep(30)'", timeout=1)
    try:
        outcome = runner.prepare()
    finally:
        runner.close()
    assert outcome.timed_out and not outcome.passed and outcome.seconds < 10


def _result(kind: str, exact: bool, latency: float, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "exact": exact,
        "edit_similarity": 1.0 if exact else 0.5,
        "identifier_exact": exact,
        "identifier_f1": 1.0 if exact else 0.5,
        "empty": False,
        "latency_ms": latency,
        "parses": None,
        "tested": None,
        "passed": None,
        "error": None,
        **extra,
    }


def test_summary_table_and_plot(tmp_path: Path) -> None:
    results = {
        "default": [
            _result("line", True, 100, tested=True, passed=True),
            _result("line", False, 300, tested=True, passed=False),
            _result("block", True, 200, parses=True),
            _result("block", False, 400, parses=False, tested=False),
        ],
        "psm": [
            _result("line", False, 50),
            _result("line", False, 70),
            _result("block", False, 90, empty=True),
            _result("block", False, 110, error="timeout"),
        ],
    }
    summary = summarize(results, ["line", "rest", "block"])
    line = summary["default"]["line"]
    assert line["n"] == 2 and line["exact"] == 0.5 and line["latency_p50_ms"] == 200
    assert line["pass_at_1"] == 0.5 and line["tested_n"] == 2
    block = summary["default"]["block"]
    assert block["parses"] == 0.5 and block["parses_n"] == 2 and block["pass_at_1"] is None
    assert "rest" not in summary["default"] and summary["default"]["all"]["n"] == 4
    assert summary["psm"]["block"]["empty"] == 0.5 and summary["psm"]["block"]["errors"] == 1
    assert summary["psm"]["block"]["latency_p50_ms"] == 90  # a request that errored has no latency
    table = format_table(summary)
    assert table.splitlines()[0].split() == [
        "config",
        "kind",
        "n",
        "exact",
        "edit_sim",
        "id_exact",
        "id_f1",
        "empty",
        "p50_ms",
        "p90_ms",
        "parses",
        "pass@1",
    ]
    assert "50.0% (2)" in table and len(table.splitlines()) == 7
    assert plot(summary, tmp_path / "q.png", "test")
    assert (tmp_path / "q.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_neutral_fill_replaces_the_whole_statement() -> None:
    from hushcode_bench.holes import cut_tasks
    from hushcode_bench.languages import language_for
    from hushcode_bench.quality.testrun import neutral_document as _neutral
    from hushcode_bench.sources import SourceFile

    text = "def f(a, b):\n    total = a + b\n    return total\n"
    spec = language_for("f.py")
    assert spec is not None
    tasks = {
        t.kind: t for t in cut_tasks([SourceFile("f.py", spec, text)], ["line", "rest", "block"], limit=1)
    }
    assert tasks["block"].expected == "total = a + b\n    return total"
    assert _neutral(tasks["block"], text) == "def f(a, b):\n    pass\n"
    assert _neutral(tasks["line"], text).count("pass") == 1
    rest = tasks["rest"]
    line = text.split("\n")[rest.line]
    assert _neutral(rest, text) == text.replace(line, "    pass")


def test_deadline_stops_counts_our_requests_only(tmp_path: Path) -> None:
    from hushcode_bench.server_log import deadline_stops

    log = tmp_path / "server.log"
    log.write_text(
        "x INFO hushcode.completion: complete req=i1 doc=a.py stop=deadline result=ok\n"
        "x INFO hushcode.completion: complete req=speculative doc=a.py stop=deadline result=ok\n"
        "x INFO hushcode.completion: complete req=i2 doc=a.py stop=scope_end result=ok\n"
        "x INFO hushcode.completion: complete req=i3 doc=a.py stop=deadline result=empty\n"
    )
    assert deadline_stops(log) == 2
    assert deadline_stops(tmp_path / "missing.log") == 0
