"""Syntax-aware completion through the real server and model."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from tests.e2e import lsp


def apply(text: str, line: int, item: types.InlineCompletionItem) -> str:
    """The document after accepting `item` (single-line range, UTF-16 = code points for this ASCII text)."""
    lines = text.split("\n")
    assert item.range is not None and item.range.start.line == item.range.end.line == line
    current = lines[line]
    lines[line] = current[: item.range.start.character] + str(item.insert_text) + current[item.range.end.character:]
    return "\n".join(lines)


async def test_mid_line_never_returns_a_block(model_path: Path) -> None:
    async with lsp.Session({"HUSHCODE_MODEL": str(model_path)}) as client:
        await lsp.wait_for_state(client, {"ready"})
        cases = [
            ("def area(w, h):\n    return w * \n", 1, len("    return w * ")),
            ("import os\nfiles = [f for f in os.listdir('.') if f.endswith('.py')]\nsizes = {f: \n", 2, 13),
            ("def greet(name):\n    print(, name)\n", 1, len("    print(")),
        ]
        for i, (text, line, character) in enumerate(cases):
            uri = f"file:///tmp/hushcode-e2e/mid{i}.py"
            lsp.open_document(client, uri, text)
            result = await lsp.inline(client, uri, line, character)
            assert result is not None
            for item in result.items:
                assert "\n" not in str(item.insert_text), item.insert_text


async def test_completion_before_a_closing_paren_does_not_double_it(model_path: Path) -> None:
    async with lsp.Session({"HUSHCODE_MODEL": str(model_path)}) as client:
        await lsp.wait_for_state(client, {"ready"})
        answered = 0
        cases = [
            ("import os\n\nhome = os.path.join(os.path.expanduser('~'), )\n", 2, len("home = os.path.join(os.path.expanduser('~'), ")),
            ("def total(prices):\n    return sum()\n", 1, len("    return sum(")),
            ("values = [1, 2, 3]\nprint(len())\n", 1, len("print(len(")),
        ]
        for i, (text, line, character) in enumerate(cases):
            uri = f"file:///tmp/hushcode-e2e/paren{i}.py"
            lsp.open_document(client, uri, text)
            result = await lsp.inline(client, uri, line, character)
            assert result is not None
            for item in result.items:
                answered += 1
                after = apply(text, line, item).split("\n")[line]
                assert after.count("(") == after.count(")"), after
        assert answered >= 1  # the model did suggest something in at least one case


async def test_manual_trigger_offers_distinct_alternatives(model_path: Path) -> None:
    async with lsp.Session({"HUSHCODE_MODEL": str(model_path)}) as client:
        await lsp.wait_for_state(client, {"ready"})
        uri = "file:///tmp/hushcode-e2e/alt.py"
        text = "def is_palindrome(word: str) -> bool:\n    \n\nprint(is_palindrome('abba'))\n"
        lsp.open_document(client, uri, text)
        automatic = await lsp.inline(client, uri, 1, 4)
        assert automatic is not None and len(automatic.items) == 1
        invoked = await lsp.inline(client, uri, 1, 4, invoked=True)
        assert invoked is not None and 2 <= len(invoked.items) <= 3
        texts = [str(item.insert_text) for item in invoked.items]
        assert len(set(texts)) == len(texts)
