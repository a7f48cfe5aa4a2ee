"""Marker strings in the user's code are text, never control tokens."""

from __future__ import annotations

from pathlib import Path

from hushcode.prompt.templates import all_marker_spellings
from tests.e2e import lsp


def adversarial_document() -> str:
    markers = all_marker_spellings()
    lines = ["# A file that talks about FIM tokens:"]
    lines += [f"# {m}" for m in markers]
    lines += ["MARKERS = [" + ", ".join(repr(m) for m in markers) + "]", "", "",
              "def count_markers(text: str) -> int:", '    """Count how many FIM markers appear in text."""', "    "]
    return "\n".join(lines) + "\n"


async def test_document_with_every_marker_completes_normally(model_path: Path) -> None:
    text = adversarial_document()
    line = text.count("\n") - 1
    async with lsp.Session({"HUSHCODE_MODEL": str(model_path)}) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/markers.py"
        lsp.open_document(client, uri, text)
        result = await lsp.inline(client, uri, line, 4)
        assert result is not None and len(result.items) == 1 and result.items[0].insert_text.strip()
        status = await lsp.status(client)
        # Exactly the three markers we add (prefix, suffix, middle): the user's marker strings
        # were tokenized as text, or the count would be far higher.
        assert status["controlTokens"] == 3
        assert status["evaluatedTokens"] > 200
