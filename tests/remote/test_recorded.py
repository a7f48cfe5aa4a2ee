"""The llama.cpp server, OpenAI-compatible and Ollama protocol shapes, against recorded exchanges
(recordings/: written by hand from each project's API documentation, see its README). A fake
server replays the recorded answer; the test checks the request hushcode sent and what it made
of the answer."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from hushcode.engine.contracts import GenerateRequest
from tests.fixtures.tiny_gguf import write_tiny_gguf
from tests.remote import fake_server
from tests.remote.fake_server import Config, FakeServer
from tests.remote.helpers import fim_request, make

pytestmark = pytest.mark.timeout(60)
RECORDINGS = Path(__file__).parent / "recordings"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_gguf(tmp_path_factory.mktemp("gguf") / "tiny-fim.gguf", fim=True)


CASES = [
    ("llama_server_completion", "llama-server", {}),
    ("llama_server_infill", "llama-server", {"endpoint": "infill"}),
    ("openai_completions", "openai", {}),
    ("ollama_generate", "ollama", {"model": "qwen2.5-coder:1.5b-base"}),
]


@pytest.mark.parametrize(("name", "kind", "options"), CASES, ids=[c[0] for c in CASES])
async def test_recorded_exchange(name: str, kind: str, options: dict[str, Any], tiny_model: Path) -> None:
    recording = json.loads((RECORDINGS / f"{name}.json").read_text(encoding="utf-8"))
    wanted, expect = recording["request"], recording["expect"]
    server = FakeServer(Config(replay={wanted["path"]: recording["response"]}, delay=0.001,
                               model=options.get("model", "qwen2.5-coder-test")))
    uv, port = await fake_server.serve(server)
    if kind == "ollama":
        options = {**options, "local_model_path": str(tiny_model)}
    engine, messages = make(kind, port, **options)
    engine.start()
    try:
        assert await engine.wait_ready(30), messages
        if name == "llama_server_infill":
            request = await _infill_request(engine, wanted["fields"])
        else:
            request = await fim_request(engine, "def add(a, b):\n    ", "\n", max_tokens=32)
        result = await engine.generate(request)
        assert result is not None
        assert (result.text, result.reason) == (expect["text"], expect["reason"])
        assert (result.reused, result.evaluated, result.generated) == (
            expect["reused"], expect["evaluated"], expect["generated"])
        for _ in range(100):
            if server.streams():
                break
            await asyncio.sleep(0.02)
        sent = server.streams()[-1]
        assert sent["path"] == wanted["path"]
        for key, value in wanted["fields"].items():
            assert sent["body"].get(key) == value, key
        for key, value in wanted.get("options", {}).items():
            assert sent["body"]["options"].get(key) == value, key
        if wanted.get("prompt_is_token_ids"):
            assert sent["body"]["prompt"] == request.tokens
        if wanted.get("prompt_is_text"):
            assert isinstance(sent["body"]["prompt"], str) and "def add(a, b):" in sent["body"]["prompt"]
        assert sent["outcome"] == "complete"  # the answer was read to its end: nothing cut early
    finally:
        await engine.stop()
        uv.should_exit = True
        await asyncio.sleep(0.05)


async def _infill_request(engine: Any, fields: dict[str, Any]) -> GenerateRequest:
    extra = fields["input_extra"][0]
    parts = await engine.tokenize(["ws\n", f"{extra['filename']}\n{extra['text']}", "a.py\n",
                                   fields["input_prefix"], fields["input_suffix"]])
    repo, m = engine.model.repo, engine.model.markers
    tokens = [repo.repo_name, *parts[0], repo.file_sep, *parts[1], repo.file_sep, *parts[2],
              m.prefix, *parts[3], m.suffix, *parts[4], m.middle]
    return GenerateRequest(tokens=tokens, document="file:///a.py", max_tokens=32)
