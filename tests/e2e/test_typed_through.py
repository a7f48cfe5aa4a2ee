"""Typing through a suggestion, and accepting a speculative one, cost no model call."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e import lsp

DOC = "def is_palindrome(word: str) -> bool:\n    \n"


async def _generations(client) -> int:  # type: ignore[no-untyped-def]
    return int((await lsp.status(client, engine_stats=True))["engine"]["generations"])


async def test_typing_through_a_suggestion_returns_the_rest_without_the_model(model_path: Path) -> None:
    env = {"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_SPECULATIVE": "false"}
    async with lsp.Session(env) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/through.py"
        lsp.open_document(client, uri, DOC)
        first = await lsp.inline(client, uri, 1, 4)
        assert first is not None and len(first.items) == 1
        suggestion = str(first.items[0].insert_text)
        assert len(suggestion) > 3
        before = await _generations(client)
        for i, ch in enumerate(suggestion[:3]):  # the user types the first three characters
            lsp.change(client, uri, version=2 + i, line=1, character=4 + i, text=ch)
            result = await lsp.inline(client, uri, 1, 5 + i)
            assert result is not None and len(result.items) == 1
            assert result.items[0].insert_text == suggestion[i + 1:]
            assert (await lsp.status(client))["lastResult"] == "cache_hit"
        assert await _generations(client) == before  # the engine's own counter: no model call


async def test_accepting_a_suggestion_finds_the_next_one_ready(model_path: Path) -> None:
    async with lsp.Session({"HUSHCODE_MODEL": str(model_path)}) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/spec.py"
        text = "import os\n\n\ndef python_files(folder):\n    names = "
        lsp.open_document(client, uri, text)
        first = await lsp.inline(client, uri, 4, 12)
        assert first is not None and len(first.items) == 1
        suggestion = str(first.items[0].insert_text)
        assert "\n" not in suggestion
        for _ in range(600):  # the speculative request runs in the background
            status = await lsp.status(client)
            if status["lastSpeculativeResult"] is not None:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("no speculative request ran")
        # the user accepts, presses Enter, and the editor asks again on the new line
        lsp.change(client, uri, version=2, line=4, character=12, text=suggestion + "\n    ")
        after = await lsp.inline(client, uri, 5, 4)
        print("speculative:", status["lastSpeculativeResult"])
        if status["lastSpeculativeResult"] == "ok":
            assert (await lsp.status(client))["lastResult"] == "cache_hit"
            assert after is not None and len(after.items) == 1
        else:  # the model had nothing to add there: then the request went to the model
            assert (await lsp.status(client))["lastResult"] != "cache_hit"


async def test_warm_up_on_open_makes_the_first_request_cheap(model_path: Path) -> None:
    env = {"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_PROMPT_FORMAT": "psm-typed"}
    lines = [f"def function_{i}(value):\n    return value * {i} + {i}\n\n" for i in range(25)]
    text = "".join(lines)
    async with lsp.Session(env) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/warm.py"
        lsp.open_document(client, uri, text)
        for _ in range(600):
            if (await lsp.status(client))["warmups"] >= 1:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("no warm-up ran")
        line = 3 * 20 + 1  # inside function_20's body
        lsp.change(client, uri, version=2, line=line, character=len("    return value * 20 + 20"), text=" - 1")
        await lsp.inline(client, uri, line, len("    return value * 20 + 20 - 1"))
        status = await lsp.status(client)
        # the warm-up evaluated the file's first screens: the request reused them
        assert status["reusedTokens"] >= 200, status
        assert status["evaluatedTokens"] < status["reusedTokens"] / 2
