"""End to end against a real OpenAI-compatible server: llama-cpp-python's own server
(`python -m llama_cpp.server`) serving the default model, started by the test on loopback in a
network namespace of its own, and the real `hushcode serve` (engine.kind = "openai") talking to
it. Covered: completions, cancellation mid-stream (the server sees the stream closed), the
server killed mid-request, an unreachable URL, and a slow server past the deadline (a delaying
proxy in front of the real server)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import lsp
from tests.remote import delay_proxy
from tests.remote.helpers import free_port
from tests.remote.netns import Loopback

pytestmark = [pytest.mark.model, pytest.mark.timeout(300)]

FUNC = 'def add(a: int, b: int) -> int:\n    """Return the sum of a and b."""\n    \n'
# a long block to generate: the rest of the alphabet, one line each (about 90 tokens)
LONG = "def letters():\n    return [\n        'a',\n        'b',\n        'c',\n        \n"
LONG_AT = (5, 8)


@pytest.fixture(scope="module")
def served(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Loopback, int, Path]]:
    """One llama-cpp-python server for the module, in one namespace."""
    logs = tmp_path_factory.mktemp("llama-server")
    with Loopback() as net:
        port = start_server(net, model_path, logs / "server.log")
        yield net, port, logs / "server.log"


def start_server(net: Loopback, model: Path, log: Path) -> int:
    port = 18090 if net.isolated else free_port()
    net.popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "4096"], log)
    net.wait_port(port, timeout=180)
    return port


def options(port: int, **completion: Any) -> dict[str, Any]:
    return {"engine": {"kind": "openai", "url": f"http://127.0.0.1:{port}", "probeMaxMs": 1000},
            "completion": {"speculative": False, "warmUp": False, **completion}}


async def until_generating(client: Any, request: asyncio.Future[Any]) -> None:
    """Until the answer is streaming (the model writes the rest of the alphabet, ~90 tokens)."""
    for _ in range(1200):
        if (await lsp.status(client))["generating"]:
            return
        if request.done():
            raise AssertionError(f"the generation ended before it could be interrupted: {request.result()}")
        await asyncio.sleep(0.05)
    raise AssertionError("the server never started streaming")


async def test_completion_from_the_shared_server(served: tuple[Loopback, int, Path]) -> None:
    net, port, log = served
    session = lsp.Session(options=options(port), command=net.serve())
    async with session as client:
        status = await lsp.wait_for_state(client, {"ready"}, timeout=60)
        assert (status["engineKind"], status["engineUrl"]) == ("openai", f"http://127.0.0.1:{port}")
        assert status["template"] == "qwen"  # the markers were found through the server's tokenizer
        uri = "file:///tmp/hushcode-remote/add.py"
        lsp.open_document(client, uri, FUNC)
        result = await lsp.inline(client, uri, 2, 4)
        assert result is not None and len(result.items) == 1
        text = result.items[0].insert_text
        assert isinstance(text, str) and "a" in text and "b" in text
        status = await lsp.status(client, engine_stats=True)
        assert status["engine"]["tokenizer"] == "server /extras/tokenize"
        assert status["engine"]["completed"] >= 1 and status["controlTokens"] == 3
        assert "POST /v1/completions" in log.read_text(errors="replace")


async def test_cancel_mid_stream_closes_it_at_the_server(served: tuple[Loopback, int, Path]) -> None:
    net, port, log = served
    before = log.read_text(errors="replace").count("Disconnected from client")
    async with lsp.Session(options=options(port, maxTokens=200), command=net.serve()) as client:
        await lsp.wait_for_state(client, {"ready"}, timeout=60)
        uri = "file:///tmp/hushcode-remote/squares.py"
        lsp.open_document(client, uri, LONG)
        future = lsp.inline_request(client, uri, *LONG_AT, "long-1")
        await until_generating(client, future)
        lsp.cancel(client, "long-1")
        with pytest.raises(Exception):  # noqa: B017 - the client sees RequestCancelled
            await asyncio.wait_for(future, 60)
        for _ in range(200):
            if log.read_text(errors="replace").count("Disconnected from client") > before:
                break
            await asyncio.sleep(0.1)
        assert log.read_text(errors="replace").count("Disconnected from client") > before
        stats = (await lsp.status(client, engine_stats=True))["engine"]
        assert stats["cancelled"] >= 1 and stats["closed_early"] >= 1
        # and the server serves the next request
        lsp.open_document(client, "file:///tmp/hushcode-remote/add.py", FUNC)
        result = await lsp.inline(client, "file:///tmp/hushcode-remote/add.py", 2, 4)
        assert result is not None and result.items


async def test_slow_server_past_the_deadline(served: tuple[Loopback, int, Path], tmp_path: Path) -> None:
    net, port, _ = served
    proxy_port = 18091 if net.isolated else free_port()
    proxy_log = tmp_path / "proxy.jsonl"
    net.popen([sys.executable, str(Path(delay_proxy.__file__)), "--listen", str(proxy_port), "--upstream",
               str(port), "--delay", "60", "--log", str(proxy_log)], tmp_path / "proxy.out")
    net.wait_port(proxy_port)
    env = {"HUSHCODE_COMPLETION_TIMEOUT_MS": "3000"}
    async with lsp.Session(env, options=options(proxy_port, timeoutMs=3000), command=net.serve()) as client:
        await lsp.wait_for_state(client, {"ready"}, timeout=60)
        uri = "file:///tmp/hushcode-remote/add.py"
        lsp.open_document(client, uri, FUNC)
        result = await asyncio.wait_for(lsp.inline(client, uri, 2, 4), 60)
        assert result is None or not result.items
        for _ in range(100):
            if proxy_log.exists() and proxy_log.read_text().strip():
                break
            await asyncio.sleep(0.1)
        closed = [json.loads(line) for line in proxy_log.read_text().splitlines()]
        assert closed and closed[0]["closed_by"] == "client"  # hushcode let go at its deadline
        status = await lsp.status(client, engine_stats=True)
        assert status["state"] == "ready" and status["engine"]["deadline"] >= 1


async def test_server_killed_mid_request(model_path: Path, tmp_path: Path) -> None:
    with Loopback() as net:
        port = start_server(net, model_path, tmp_path / "server.log")
        server = net.started[-1]
        async with lsp.Session(options=options(port, maxTokens=200), command=net.serve()) as client:
            await lsp.wait_for_state(client, {"ready"}, timeout=60)
            uri = "file:///tmp/hushcode-remote/squares.py"
            lsp.open_document(client, uri, LONG)
            request = asyncio.ensure_future(lsp.inline(client, uri, *LONG_AT))
            await until_generating(client, request)
            server.kill()
            result = await asyncio.wait_for(request, 60)
            assert result is None or not result.items
            status = await lsp.wait_for_state(client, {"unreachable"}, timeout=60)
            assert f"127.0.0.1:{port}" in (status["message"] or "")
            assert len([m for m in lsp.error_messages(client) if "cannot be reached" in m]) == 1


async def test_unreachable_url(tmp_path: Path) -> None:
    with Loopback() as net:
        port = 18092 if net.isolated else free_port()  # nothing listens there
        async with lsp.Session(options=options(port), command=net.serve()) as client:
            status = await lsp.wait_for_state(client, {"unreachable"}, timeout=60)
            assert status["engineKind"] == "openai" and f"127.0.0.1:{port}" in (status["message"] or "")
            lsp.open_document(client, "file:///tmp/hushcode-remote/add.py", FUNC)
            result = await lsp.inline(client, "file:///tmp/hushcode-remote/add.py", 2, 4)
            assert result is None or not result.items
            assert len([m for m in lsp.error_messages(client) if "cannot be reached" in m]) == 1
