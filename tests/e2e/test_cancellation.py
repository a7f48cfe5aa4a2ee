"""A storm of requests, each cancelled by the next, and what the engine saw."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from tests.e2e import lsp

HEAD = 'def greet(name: str) -> str:\n    """Say hello."""\n    return '


async def test_cancel_storm_leaves_server_responsive_and_generations_never_overlap(model_path: Path) -> None:
    async with lsp.Session({"HUSHCODE_MODEL": str(model_path)}) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/storm.py"
        lsp.open_document(client, uri, HEAD + "\n")
        typed = "f'Hello, {name}! How are you today, my dear friend?'"[:50]
        futures = []
        column = len("    return ")
        for i, ch in enumerate(typed):
            lsp.change(client, uri, version=i + 2, line=2, character=column + i, text=ch)
            if futures:
                lsp.cancel(client, f"storm-{i - 1}")
            futures.append(lsp.inline_request(client, uri, 2, column + i + 1, msg_id=f"storm-{i}"))
            await asyncio.sleep(0.02)
        results = await asyncio.wait_for(asyncio.gather(*futures, return_exceptions=True), 120)
        assert len(results) == 50  # every request got an answer (a result or a cancellation error)

        # still responsive: a fresh request at the end of the line completes normally
        lsp.change(client, uri, version=100, line=2, character=column + 50, text="\n    ")
        final = await asyncio.wait_for(lsp.inline(client, uri, 3, 4), 60)
        assert final is not None

        status = await lsp.status(client, engine_stats=True)
        engine = status["engine"]
        assert engine["max_concurrent"] == 1
        spans = sorted((start, end) for _, start, end in engine["timeline"])
        assert all(prev_end <= start for (_, prev_end), (start, _) in itertools.pairwise(spans)), spans
        assert engine["generations"] <= 51  # cancelled requests waiting for the engine never reached it
        assert engine["cancelled"] >= 1  # running generations were stopped early
