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


# Blank lines where the small model jumps ahead: it writes the function's last line (a `return`)
# where the code below still needs a first line.
JUMPING_AHEAD = [
    'def power_mod(n: int, p: int):\n    """Return 2**n modulo p."""\n    \n    for _ in range(n):\n'
    '        result = (2 * result) % p\n    return result\n',
    'def count_sevens(n: int):\n    """Count the digit 7 in the numbers below n that 11 or 13 divide."""\n    \n'
    '    for i in range(n):\n        if i % 11 == 0 or i % 13 == 0:\n            total += str(i).count("7")\n'
    '    return total\n',
    'def last_drop(values: list[int]) -> int:\n    """Return the last index where a value is smaller than the one'
    ' before, or -1."""\n    \n    for i in range(1, len(values)):\n        if values[i] < values[i - 1]:\n'
    '            index = i\n    return index\n',
    'def longest_word(words: list[str]) -> str:\n    """Return the longest of the words (the first one on ties)."""\n'
    '    \n    for word in words:\n        if len(word) > len(best):\n            best = word\n    return best\n',
]
JUMPS = ("return", "raise", "break", "continue")


async def _first_lines(env: dict[str, str]) -> list[str]:
    """The first line of each JUMPING_AHEAD suggestion at its blank line (line 2, after the indentation)."""
    lines = []
    async with lsp.Session({"HUSHCODE_MODEL": str(env.pop("model")), **env}) as client:
        await lsp.wait_for_state(client, {"ready"})
        for i, text in enumerate(JUMPING_AHEAD):
            uri = f"file:///tmp/hushcode-e2e/jump{i}.py"
            lsp.open_document(client, uri, text)
            result = await lsp.inline(client, uri, 2, 4)
            assert result is not None
            lines.append(str(result.items[0].insert_text).split("\n")[0].strip() if result.items else "")
    return lines


async def test_a_blank_line_is_not_filled_with_a_jump_that_makes_the_code_below_dead(model_path: Path) -> None:
    # ranking off, to see the cleanup alone: with the minimal cleanup the model jumps ahead...
    off = {"HUSHCODE_COMPLETION_BLANK_LINE_CANDIDATES": "0"}
    raw = await _first_lines({"model": str(model_path), "HUSHCODE_COMPLETION_POSTPROCESS": "minimal", **off})
    assert any(line.startswith(JUMPS) for line in raw), raw
    # ...with the full cleanup (postprocess/reachability.py) no suggestion does
    cleaned = await _first_lines({"model": str(model_path), **off})
    assert not [line for line in cleaned if line.startswith(JUMPS)], cleaned
    # and with the defaults (ranking on) neither
    default = await _first_lines({"model": str(model_path)})
    assert not [line for line in default if line.startswith(JUMPS)], default
