"""End to end through the real `hushcode serve` (over stdio, pytest-lsp) against a fake server
process on loopback, in a network namespace whose only interface is loopback. These need no
model, so they run in seconds; test_e2e_llama_cpp_python.py does the same against the real
llama-cpp-python server and the real model."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import lsp
from tests.fixtures.tiny_gguf import write_tiny_gguf
from tests.remote import fake_server
from tests.remote.netns import Loopback

pytestmark = pytest.mark.timeout(180)
FAKE = str(Path(fake_server.__file__))
FUNC = "def add(a, b):\n    \n"
PORT = 18080  # inside the test's own namespace nothing else listens (without one: see _port)


def _port() -> int:
    from tests.remote.helpers import free_port

    return PORT if lsp.NO_NETWORK else free_port()


def options(kind: str, port: int, **engine: Any) -> dict[str, Any]:
    return {"engine": {"kind": kind, "url": f"http://127.0.0.1:{port}", **engine},
            "completion": {"speculative": False, "warmUp": False}}


def fake(net: Loopback, tmp_path: Path, port: int, *extra: str) -> Path:
    log = tmp_path / "fake.jsonl"
    net.popen([sys.executable, FAKE, "--port", str(port), "--log", str(log), *extra], tmp_path / "fake.out")
    net.wait_port(port)
    return log


def streams(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if "outcome" in r]


async def wait_streams(log: Path, count: int) -> list[dict[str, Any]]:
    for _ in range(300):
        found = streams(log)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"the fake server logged {len(streams(log))} streams, wanted {count}")


async def test_completion_via_llama_server_with_visible_status(tmp_path: Path) -> None:
    with Loopback() as net:
        port = _port()
        log = fake(net, tmp_path, port, "--reply", "return a + b\n")
        session = lsp.Session(options=options("llama-server", port), command=net.serve())
        async with session as client:
            status = await lsp.wait_for_state(client, {"ready"}, timeout=30)
            assert status["engineKind"] == "llama-server"
            assert status["engineUrl"] == f"http://127.0.0.1:{port}"
            assert status["enginePid"] is None
            uri = "file:///tmp/hushcode-remote/add.py"
            lsp.open_document(client, uri, FUNC)
            result = await lsp.inline(client, uri, 1, 4)
            assert result is not None and len(result.items) == 1
            assert result.items[0].insert_text == "return a + b"
            sent = (await wait_streams(log, 1))[-1]
            assert sent["path"] == "/completion" and all(isinstance(t, int) for t in sent["body"]["prompt"])
            assert fake_server.detokenize(sent["body"]["prompt"]).startswith("<|fim_prefix|>def add(a, b):")
            assert any(s.get("engineKind") == "llama-server" for s in session.statuses)  # hushcode/status
            stats = (await lsp.status(client, engine_stats=True))["engine"]
            assert stats["completed"] >= 1 and stats["url"] == f"http://127.0.0.1:{port}"


async def test_ollama_with_the_local_vocabulary(tmp_path: Path) -> None:
    model = write_tiny_gguf(tmp_path / "tiny-fim.gguf", fim=True)
    with Loopback() as net:
        port = _port()
        log = fake(net, tmp_path, port, "--reply", "return a + b\n")
        opts = options("ollama", port, model="qwen2.5-coder-test")
        opts["model"] = {"path": str(model)}
        async with lsp.Session(options=opts, command=net.serve()) as client:
            await lsp.wait_for_state(client, {"ready"}, timeout=60)
            uri = "file:///tmp/hushcode-remote/add.py"
            lsp.open_document(client, uri, FUNC)
            result = await lsp.inline(client, uri, 1, 4)
            assert result is not None and result.items[0].insert_text == "return a + b"
            body = (await wait_streams(log, 1))[-1]["body"]
            assert body["raw"] is True and body["prompt"].startswith("<|fim_prefix|>def add(a, b):")


async def test_unreachable_url_is_told_once_and_completions_answer_empty(tmp_path: Path) -> None:
    with Loopback() as net:
        port = _port()  # nothing listens there
        session = lsp.Session(options=options("openai", port, retries=1, probeMaxMs=500), command=net.serve())
        async with session as client:
            status = await lsp.wait_for_state(client, {"unreachable"}, timeout=30)
            assert f"127.0.0.1:{port}" in (status["message"] or "")
            uri = "file:///tmp/hushcode-remote/add.py"
            lsp.open_document(client, uri, FUNC)
            for _ in range(3):
                result = await lsp.inline(client, uri, 1, 4)
                assert result is None or not result.items
            await asyncio.sleep(2)  # more probes fail meanwhile
            errors = [m for m in lsp.error_messages(client) if "cannot be reached" in m]
            assert len(errors) == 1, errors
            assert (await lsp.status(client))["lastResult"] == "no_engine"


async def test_server_killed_mid_request(tmp_path: Path) -> None:
    with Loopback() as net:
        port = _port()
        log = fake(net, tmp_path, port, "--reply", "x = 1\n" * 40, "--delay", "0.2")
        server = net.started[-1]
        session = lsp.Session(options=options("openai", port, probeMaxMs=500), command=net.serve())
        async with session as client:
            await lsp.wait_for_state(client, {"ready"}, timeout=30)
            uri = "file:///tmp/hushcode-remote/add.py"
            lsp.open_document(client, uri, FUNC)
            request = asyncio.ensure_future(lsp.inline(client, uri, 1, 4))
            for _ in range(200):  # until the stream has started
                if (await lsp.status(client))["generating"]:
                    break
                await asyncio.sleep(0.05)
            server.kill()
            result = await asyncio.wait_for(request, 30)
            assert result is None or not result.items
            status = await lsp.wait_for_state(client, {"unreachable"}, timeout=30)
            assert "cannot be reached" in (status["message"] or "")
            assert len([m for m in lsp.error_messages(client) if "cannot be reached" in m]) == 1
            assert not streams(log)  # it never finished a stream


async def test_cancel_request_closes_the_stream_server_side(tmp_path: Path) -> None:
    with Loopback() as net:
        port = _port()
        log = fake(net, tmp_path, port, "--reply", "y = 2\n" * 40, "--delay", "0.2")
        async with lsp.Session(options=options("openai", port), command=net.serve()) as client:
            await lsp.wait_for_state(client, {"ready"}, timeout=30)
            uri = "file:///tmp/hushcode-remote/add.py"
            lsp.open_document(client, uri, FUNC)
            future = lsp.inline_request(client, uri, 1, 4, "slow-1")
            for _ in range(200):
                if (await lsp.status(client))["generating"]:
                    break
                await asyncio.sleep(0.05)
            lsp.cancel(client, "slow-1")
            with pytest.raises(Exception):  # noqa: B017 - the client sees RequestCancelled
                await asyncio.wait_for(future, 30)
            found = await wait_streams(log, 1)
            assert found[-1]["outcome"] == "closed_early" and found[-1]["pieces"] < 40


async def test_slow_server_is_cut_at_the_deadline(tmp_path: Path) -> None:
    with Loopback() as net:
        port = _port()
        log = fake(net, tmp_path, port, "--first-delay", "30")
        opts = options("openai", port)
        opts["completion"]["timeoutMs"] = 1500
        env = {"HUSHCODE_COMPLETION_TIMEOUT_MS": "1500"}  # lsp.config sets a generous one otherwise
        async with lsp.Session(env, options=opts, command=net.serve()) as client:
            await lsp.wait_for_state(client, {"ready"}, timeout=30)
            uri = "file:///tmp/hushcode-remote/add.py"
            lsp.open_document(client, uri, FUNC)
            result = await asyncio.wait_for(lsp.inline(client, uri, 1, 4), 20)
            assert result is None or not result.items
            assert (await wait_streams(log, 1))[-1]["outcome"] == "closed_early"
            status = await lsp.status(client)
            assert status["state"] == "ready"  # slow is not unreachable


async def test_four_users_on_one_busy_engine_none_starves(tmp_path: Path) -> None:
    """Four real servers type at once against one single-slot fake engine: every stale request's
    stream is closed server-side, so each user's suggestions at pauses still arrive."""
    from hushcode_bench.team import percentile, run_users

    with Loopback() as net:
        port = _port()
        log = fake(net, tmp_path, port, "--slots", "1", "--reply", "value = 1\n", "--delay", "0.05")
        results = await run_users(f"http://127.0.0.1:{port}", "openai", 4,
                                  {"completion": {"speculative": False, "warmUp": False, "timeoutMs": 8000}},
                                  cps=12, cap_s=30, prefix=net.prefix, log_dir=tmp_path,
                                  env={"PYTHONPATH": os.environ.get("PYTHONPATH", "")})
        found = streams(log)
        early = [s for s in found if s["outcome"] == "closed_early"]
        for r in results:
            assert r.pause_ms, r
            # every pause was answered by the engine (a suggestion, or one the filters dropped), in time
            assert set(r.outcomes) <= {"ok", "empty", "cache_hit"}, (r.name, r.outcomes, r.messages)
            assert "ok" in r.outcomes and r.engine.get("deadline") == 0, (r.name, r.outcomes, r.engine)
            assert r.engine.get("closed_early", 0) + r.engine.get("superseded", 0) >= 1, r.engine
        assert early, "no stream was closed early: stale requests kept the slot"
        assert len(early) >= sum(r.cancelled for r in results) // 4
        print("p50/p90 per user:", [(r.name, percentile(r.pause_ms, 50), percentile(r.pause_ms, 90)) for r in results],
              f"streams {len(found)}, closed early {len(early)}")


def test_the_loopback_namespace_has_no_route_out() -> None:
    """The remote-engine tests keep the suite's isolation: loopback, and nothing else."""
    import subprocess

    assert lsp.NO_NETWORK, "run the tests as root (as CI does) so servers get a private network"
    with Loopback() as net:
        assert net.isolated
        probe = subprocess.run(
            [*net.prefix, sys.executable, "-c",
             "import socket; s = socket.socket(); s.settimeout(3); print(s.connect_ex(('1.1.1.1', 443)))"],
            capture_output=True, text=True, timeout=30, check=False)
        assert probe.returncode == 0 and probe.stdout.strip() not in ("", "0")
