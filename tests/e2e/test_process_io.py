"""stdout carries only the protocol; logs carry no source; the CLI demo works."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from lsprotocol import types

from hushcode.engine.contracts import GenerateRequest
from hushcode.engine.wire import Generate, Load, Shutdown, Tokenize, encode
from tests.e2e import lsp

REPO = Path(__file__).resolve().parents[2]


def test_engine_stdout_carries_only_messages_even_when_llama_prints(model_path: Path) -> None:
    """A verbose load makes llama.cpp print hundreds of lines; none may reach the protocol stream."""
    requests = encode(Load(model_path=str(model_path), n_ctx=512, verbose=True))
    requests += encode(Tokenize(1, ("print('hi')",)))
    requests += encode(Generate.of(2, GenerateRequest(tokens=[1, 2, 3], document="io.py", max_tokens=3)))
    requests += encode(Shutdown())
    proc = subprocess.run([sys.executable, "-m", "hushcode.worker.main"], input=requests,
                          capture_output=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    events = [json.loads(line)["ev"] for line in lines]  # every line is a message
    assert events[0] == "loaded" and "tokens" in events and events[-1] == "done"
    assert len(proc.stderr) > 1000  # llama.cpp did print (to stderr)


def test_server_stdout_is_protected_from_native_writes() -> None:
    code = ("import os, sys; from hushcode.lsp.stdio import claim_stdout; out = claim_stdout(); "
            "os.write(1, b'native noise\\n'); print('python noise'); out.write(b'PROTOCOL'); out.flush()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, check=False)
    assert proc.stdout == b"PROTOCOL"
    assert b"native noise" in proc.stderr and b"python noise" in proc.stderr


async def test_log_file_has_one_line_per_completion_and_no_source(model_path: Path, tmp_path: Path) -> None:
    log_file = tmp_path / "hushcode.log"
    session = lsp.Session({"HUSHCODE_MODEL": str(model_path)})
    session.config.server_command = [*lsp.SERVER, "--log-file", str(log_file)]
    secret = "zanzibar_quokka_total"
    async with session as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/secret.py"
        lsp.open_document(client, uri, f"def {secret}(a, b):\n    ")
        await lsp.inline(client, uri, 1, 4)
    log = log_file.read_text()
    lines = [line for line in log.splitlines() if "complete req=" in line]
    assert len(lines) == 1
    for field in ("reused=", "evaluated=", "generated=", "prompt_ms=", "gen_ms=", "total_ms="):
        assert field in lines[0]
    assert secret not in log


async def test_non_ascii_positions_in_utf8_and_utf16(model_path: Path) -> None:
    text = "naïve_😀 = 1\nrésumé = naïve_😀 + naï"
    for encoding, character in (("utf-8", len("résumé = naïve_😀 + naï".encode())),
                                ("utf-16", len("résumé = naïve_😀 + naï".encode("utf-16-le")) // 2)):
        async with lsp.Session({"HUSHCODE_MODEL": str(model_path)}, encodings=[encoding]) as client:
            await lsp.wait_for_state(client, {"ready"})
            uri = f"file:///tmp/hushcode-e2e/enc-{encoding}.py"
            lsp.open_document(client, uri, text)
            result = await client.text_document_completion_async(types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, character)))
            status = await lsp.status(client)
            assert status["positionEncoding"] == encoding
            assert status["lastResult"] != "invalid_position"
            if result is not None and len(result.items):
                edit = result.items[0].text_edit
                assert isinstance(edit, types.TextEdit)
                # the replaced word starts right after "+ ", counted in this encoding
                start = "résumé = naïve_😀 + "
                expected = len(start.encode()) if encoding == "utf-8" else len(start.encode("utf-16-le")) // 2
                assert edit.range.start.character == expected and edit.new_text.startswith("naï")


def test_cli_complete_prints_a_suggestion(model_path: Path) -> None:
    env = {**os.environ, "HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_TIMEOUT_MS": "120000"}
    proc = subprocess.run([sys.executable, "-m", "hushcode", "complete", str(REPO / "examples/sample.py:6:5"),
                           "--figures"], capture_output=True, text=True, timeout=180, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    assert "evaluated=" in proc.stderr and "total_ms=" in proc.stderr
    # one line of timing: the model's load, the prompt, the generation
    assert re.search(r"model ready in \d+ ms; prompt of \d+ tokens read in \d+ ms.*; \d+ tokens written in \d+ ms",
                     proc.stderr), proc.stderr
    # an explicit request: the whole block, never cut by the first-suggestion budget of typing
    assert "stop=budget" not in proc.stderr and "cold=" not in proc.stderr, proc.stderr


def test_cli_complete_in_place_and_again(model_path: Path) -> None:
    """The demo's command: the file with the suggestion in place, its lines marked, then the same
    place twice more (the suggestion cache, then the model's own cache)."""
    env = {**os.environ, "HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_TIMEOUT_MS": "120000"}
    sample = REPO / "examples/sample.py"
    proc = subprocess.run([sys.executable, "-m", "hushcode", "complete", "--in-place", "--again", f"{sample}:6:5"],
                          capture_output=True, text=True, timeout=180, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    rows = proc.stdout.splitlines()
    source = sample.read_text(encoding="utf-8").splitlines()
    assert [row[7:] for row in rows[:5]] == source[:5] and all(row[5:7] == "  " for row in rows[:5]), rows
    marked = [row for row in rows if row[5:7] == "+ "]
    assert marked and rows[5].startswith("   6 + ") and rows[5][7:].startswith("    "), rows
    assert "from the suggestion cache (no model call)" in proc.stderr, proc.stderr
    assert re.search(r"suggestion cache emptied: \d+ ms; the model's cache held \d+ of the prompt's", proc.stderr)


def test_cli_complete_with_a_broken_model_fails_at_once(tmp_path: Path) -> None:
    """A model file that cannot load: exit status 1 with the engine's reason, without waiting out
    the 120 s that a slow load gets."""
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)
    env = {**os.environ, "HUSHCODE_MODEL": str(broken)}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "hushcode", "complete", str(REPO / "examples/sample.py:6:5")],
                          capture_output=True, text=True, timeout=100, env=env, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "the engine did not start" in proc.stderr, proc.stderr
    assert time.monotonic() - started < 90


def test_cli_complete_bad_location() -> None:
    proc = subprocess.run([sys.executable, "-m", "hushcode", "complete", "nofile"], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 2 and "FILE:LINE:COL" in proc.stderr
