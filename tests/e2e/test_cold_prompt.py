"""Through the real server and model: a cold KV cache is answered from the short prompt and then
warmed in the background; a space at the cursor is held back from the prompt (token healing)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e import lsp

FUNCTIONS = "".join(f"def scale_{i}(value):\n    return value * {i} + {i}\n\n\n" for i in range(40))
DOC = FUNCTIONS + "def add(first, second):\n    \n"


async def _warmed(client) -> None:  # type: ignore[no-untyped-def]
    """Wait until the background evaluation of the full prompt has ended."""
    for _ in range(3000):
        if (await lsp.status(client))["warmups"] >= 1:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the full prompt was never evaluated in the background")


async def test_a_cold_cache_answers_from_the_short_prompt_then_warms_the_full_one(model_path: Path) -> None:
    env = {"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_WARM_UP": "false",
           "HUSHCODE_COMPLETION_SPECULATIVE": "false", "HUSHCODE_COMPLETION_COLD_PROMPT_TOKENS": "160"}
    async with lsp.Session(env) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/cold.py"
        lsp.open_document(client, uri, DOC)
        line = DOC.count("\n") - 1
        await lsp.inline(client, uri, line, 4)
        first = await lsp.status(client)
        assert first["lastColdPrompt"] is True, first
        assert first["evaluatedTokens"] + first["reusedTokens"] <= 160, first  # the short prompt only
        await _warmed(client)
        # the next keystroke: the full prompt, found in the KV cache
        lsp.change(client, uri, version=2, line=line, character=4, text="r")
        lsp.change(client, uri, version=3, line=line, character=5, text="esult = ")
        await lsp.inline(client, uri, line, len("    result = "))
        second = await lsp.status(client)
        assert second["lastColdPrompt"] is False, second
        short = first["evaluatedTokens"] + first["reusedTokens"]
        assert second["reusedTokens"] > short and second["evaluatedTokens"] <= 160, second


async def test_a_space_at_the_cursor_is_held_back_from_the_prompt(model_path: Path) -> None:
    env = {"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_SPECULATIVE": "false"}
    async with lsp.Session(env) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/heal.py"
        text = "def add(first, second):\n    "
        lsp.open_document(client, uri, text)
        result = await lsp.inline(client, uri, 1, 4)
        status = await lsp.status(client)
        assert status["lastHeldBack"] == 1, status
        assert result is not None and len(result.items) == 1
        suggestion = str(result.items[0].insert_text)
        assert suggestion.strip() and not suggestion[0].isspace(), suggestion  # the space is not doubled
        assert "first" in suggestion and "second" in suggestion, suggestion
