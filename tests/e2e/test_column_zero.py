"""A blank line inside a body with the cursor at column 0 (a formatter stripped its whitespace),
through the real server and model: the suggestion brings the indentation the code around asks for,
never writes module-level code inside the body, and accepted whole, the file still compiles."""

from __future__ import annotations

from pathlib import Path

from tests.e2e import lsp
from tests.e2e.test_syntax_aware import apply

# (the text, its blank line's row, the indentations a line there may take)
CASES = [
    # a gap between two statements: one line, at the block's indentation
    ("def area(width, height):\n    w = abs(width)\n\n    return w * h\n", 2, ("    ",)),
    ("def mean(xs):\n    if not xs:\n        return 0.0\n\n    return total / len(xs)\n", 3, ("    ",)),
    # the empty body of a header
    ("def fibonacci(n):\n    if n <= 1:\n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n", 2, ("        ",)),
    # the end of a loop at the end of the file: the loop or the function, never module level
    (("def count_vowels(word):\n    count = 0\n    for ch in word:\n        if ch in 'aeiou':\n"
     "            count += 1\n\n"), 5, ("            ", "        ", "    ")),
]


async def test_a_column_0_blank_line_in_a_body_gets_its_indentation_and_stays_in_the_body(model_path: Path) -> None:
    async with lsp.Session({"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_DEBOUNCE_MS": "0"}) as client:
        await lsp.wait_for_state(client, {"ready"})
        shown = 0
        for i, (text, row, indents) in enumerate(CASES):
            uri = f"file:///tmp/hushcode-e2e/col0_{i}.py"
            lsp.open_document(client, uri, text)
            result = await lsp.inline(client, uri, row, 0)
            assert result is not None
            for item in result.items:
                shown += 1
                suggestion = str(item.insert_text)
                lines = [line for line in suggestion.split("\n") if line.strip()]
                first = lines[0]
                assert first[: len(first) - len(first.lstrip())] in indents, (text, suggestion)
                # nothing at module level inside the body, and no test code after it
                assert all(line.startswith(" ") for line in lines), (text, suggestion)
                assert "__main__" not in suggestion and "print(" not in suggestion, suggestion
                compile(apply(text, row, item), f"col0_{i}.py", "exec")  # accepted whole, it compiles
        assert shown >= 3  # the model did suggest at most of them


async def test_the_log_says_when_a_blank_line_needed_its_indentation(model_path: Path, tmp_path: Path) -> None:
    log_file = tmp_path / "hushcode.log"
    session = lsp.Session({"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_DEBOUNCE_MS": "0"})
    session.config.server_command = [*lsp.SERVER, "--log-file", str(log_file)]
    async with session as client:
        await lsp.wait_for_state(client, {"ready"})
        text, row, _ = CASES[0]
        uri = "file:///tmp/hushcode-e2e/col0_log.py"
        lsp.open_document(client, uri, text)
        await lsp.inline(client, uri, row, 0)
        await lsp.inline(client, uri, row - 1, len("    w = abs(width)"))  # not a blank line: nothing added
    lines = [line for line in log_file.read_text().splitlines() if "complete req=i" in line]
    assert "scope=line indented=4 " in lines[0] and "indented=" not in lines[1]
