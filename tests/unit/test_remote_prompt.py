"""The pure parts of the remote engines: text prompts from token ids, defusing special-token
spellings, taking a FIM prompt apart for /infill, and stopping a stream by the local rules."""

from __future__ import annotations

import pytest

from hushcode.config.settings import load_settings
from hushcode.engine.contracts import GenerateRequest
from hushcode.engine.remote.streaming import StreamStop, server_stops, sse_data
from hushcode.engine.remote.text_prompt import ZWSP, defuse, infill_parts, join_runs, prompt_runs
from hushcode.prompt.layout import PromptPieces, RepoMarkers, build_prompt
from hushcode.prompt.templates import FimMarkers, all_marker_spellings

QWEN = FimMarkers(template="qwen", prefix=1, suffix=2, middle=3, order="psm", stop_ids=(), marker_texts=(
    "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"))
REPO = RepoMarkers(repo_name=4, file_sep=5)


@pytest.mark.parametrize("spelling", all_marker_spellings() + ("<|im_start|>", "<s>", "<|vision_start|>"))
def test_defuse_breaks_every_special_spelling(spelling: str) -> None:
    out = defuse(f"x = '{spelling}'")
    assert spelling not in out
    assert out.replace(ZWSP, "") == f"x = '{spelling}'"  # only zero-width spaces were added


@pytest.mark.parametrize("text", ["def f(a, b):\n    return a < b and b > [1][0]\n", "if x<y|z>w: pass", ""])
def test_defuse_leaves_ordinary_code_alone(text: str) -> None:
    assert defuse(text) == text


def test_runs_split_at_control_tokens_and_join_back() -> None:
    control = {1: "<|fim_prefix|>", 2: "<|fim_suffix|>", 3: "<|fim_middle|>"}
    runs = prompt_runs([1, 10, 11, 2, 12, 3], control)
    assert runs == [1, [10, 11], 2, [12], 3]
    assert join_runs(runs, control, ["ab", "c"]) == "<|fim_prefix|>ab<|fim_suffix|>c<|fim_middle|>"


def test_infill_parts_of_a_repository_prompt() -> None:
    pieces = PromptPieces(prefix=[20, 21], suffix=[30], typed=[40], files=[[6], [7, 8], [9]])
    tokens = build_prompt("psm-typed", QWEN, pieces, bos=None, repo=REPO)
    parts = infill_parts(tokens, QWEN, REPO, None)
    assert parts is not None
    assert parts.files == [[7, 8]]  # the current file's path (the last one) is not context
    assert (parts.prefix, parts.suffix, parts.typed) == ([20, 21], [30], [40])


def test_infill_parts_of_spm_and_with_bos() -> None:
    tokens = build_prompt("spm", QWEN, PromptPieces(prefix=[20], suffix=[30, 31]), bos=99)
    parts = infill_parts(tokens, QWEN, REPO, 99)
    assert parts is not None and (parts.prefix, parts.suffix, parts.typed, parts.files) == ([20], [30, 31], [], [])


def test_infill_parts_refuses_other_shapes() -> None:
    assert infill_parts([7, 1, 20, 1, 2, 3], QWEN, REPO, None) is None  # a marker twice
    assert infill_parts([50, 51, 52], QWEN, REPO, None) is None  # the chat format: no FIM markers


def test_stream_stop_uses_the_local_rules() -> None:
    line = StreamStop(GenerateRequest(tokens=[], document="d", stop_at_newline=True))
    assert line.feed("return") is None and line.feed(" a\n") == "newline"
    block = StreamStop(GenerateRequest(tokens=[], document="d", stop_indent=4))
    assert block.feed("x = 1\n    y = 2\n") is None and block.feed("z") == "scope_end"
    budget = StreamStop(GenerateRequest(tokens=[], document="d", stop_indent=4, budget_ms=600), started=10.0)
    assert budget.feed("x = 1\n", now=10.5) is None  # within the first-suggestion budget
    assert budget.feed("    y = 2\n", now=10.7) == "budget"  # past it: the next line end ends it
    short = StreamStop(GenerateRequest(tokens=[], document="d", max_tokens=2))
    assert short.feed("a") is None and short.feed("b") == "length"
    assert server_stops(GenerateRequest(tokens=[], document="d", stop_at_newline=True), QWEN.marker_texts,
                        limit=4) == ["\n", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>"]
    assert sse_data("data: {}") == "{}" and sse_data(": ping") is None and sse_data("") is None


def test_engine_settings_new_keys() -> None:
    settings, warnings = load_settings({"engine": {"kind": "llama-server", "url": "http://box:8080",
                                                   "endpoint": "infill", "tokenizer": "local", "retries": 0,
                                                   "connectTimeoutMs": 500, "probeMaxMs": 1000}}, {})
    assert not warnings
    engine = settings.engine
    assert (engine.endpoint, engine.tokenizer, engine.retries, engine.connect_timeout_ms, engine.probe_max_ms) == (
        "infill", "local", 0, 500, 1000)
    _, warnings = load_settings({"engine": {"endpoint": "chat"}}, {})
    assert warnings and "endpoint" in warnings[0]


async def test_factory_picks_the_engine_and_reads_the_key_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from hushcode.engine.factory import create_engine
    from hushcode.engine.remote.openai import OpenAIEngine

    told: list[tuple[str, str]] = []
    settings, _ = load_settings({"engine": {"kind": "openai"}}, {})
    engine, error = await create_engine(settings, lambda level, text: told.append((level, text)), lambda: None)
    assert engine is None and error is not None and "engine.url" in error

    monkeypatch.setenv("TEAM_KEY", "k-123")
    settings, _ = load_settings({"engine": {"kind": "openai", "url": "https://box:8443/", "apiKeyEnv": "TEAM_KEY",
                                            "tokenizer": "server"}}, {})
    engine, error = await create_engine(settings, lambda level, text: told.append((level, text)), lambda: None)
    assert isinstance(engine, OpenAIEngine) and error is None
    assert engine.http.client.headers["authorization"] == "Bearer k-123"
    assert (engine.kind, engine.url, engine.pid) == ("openai", "https://box:8443", None)
    await engine.stop()  # never started: nothing was connected
    settings, _ = load_settings({"engine": {"kind": "openai", "url": "http://box:8000/v1/", "tokenizer": "server"}}, {})
    engine, _ = await create_engine(settings, lambda level, text: None, lambda: None)
    assert engine is not None and engine.url == "http://box:8000"  # /v1 is ours to add
    await engine.stop()  # never started: nothing was connected

    settings, _ = load_settings({"engine": {"kind": "ollama", "url": "http://box:11434", "apiKeyEnv": "NO_SUCH_VAR",
                                            "tokenizer": "server"}}, {})
    engine, _ = await create_engine(settings, lambda level, text: told.append((level, text)), lambda: None)
    assert engine is not None and "authorization" not in engine.http.client.headers  # type: ignore[attr-defined]
    assert any(level == "warning" and "NO_SUCH_VAR" in text for level, text in told)
    await engine.stop()
