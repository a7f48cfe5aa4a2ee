"""Neovim 0.12: ghost text from the real server and model, and the plugin's keys.

Each test opens the same small file and enters insert mode on the empty body of `__init__`,
where the server suggests a block (two assignments with the default model).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.neovim.editor import MODEL_NAME, Editor

pytestmark = pytest.mark.model

SOURCE = "class Point:\n    def __init__(self, x, y):\n        \n"
BODY = 3  # 1-based line of the empty body, which holds 8 spaces


def start(editor: Editor, **options: object) -> str:
    """Set up, open the file, enter insert mode at the end of the body line, return the ghost text."""
    editor.setup(**options)
    editor.open("point.py", SOURCE)
    editor.wait_ready()
    editor.nvim.api.win_set_cursor(0, [BODY, 0])
    editor.nvim.input("A")
    return editor.wait_ghost()


def press(editor: Editor, keys: str, until: str, probe) -> object:
    editor.nvim.input(keys)
    return editor.wait(until, probe, timeout=60)  # "next" may ask the model for alternatives


def test_ghost_text_appears_in_insert_mode(neovim: Editor) -> None:
    ghost = start(neovim)
    assert neovim.mode() == "i"
    assert ghost.strip(), "empty ghost text"
    (mark,) = neovim.ghost_marks()
    _, row, col, details = mark
    assert (row, col) == (BODY - 1, 8), "the suggestion is drawn at the cursor"
    assert details["virt_text_pos"] == "inline"
    assert neovim.lines() == SOURCE.splitlines(), "ghost text is not in the buffer"


def test_accept_inserts_the_suggestion(neovim: Editor) -> None:
    ghost = start(neovim)
    expected = SOURCE.replace("        \n", "        " + ghost + "\n").splitlines()
    press(neovim, "<M-l>", "the suggestion in the buffer", lambda: neovim.lines() == expected)
    last = ghost.splitlines()
    assert neovim.cursor() == (BODY + len(last) - 1, (8 if len(last) == 1 else 0) + len(last[-1]))
    assert neovim.mode() == "i"


def test_accept_word_inserts_one_word_then_the_next(neovim: Editor) -> None:
    ghost = start(neovim)
    word = re.match(r"\s*\w+|\s*[^\w\s]+", ghost).group(0)
    assert word != ghost, f"the suggestion is a single word: {ghost!r}"
    press(neovim, "<M-w>", f"{word!r} inserted", lambda: neovim.lines()[BODY - 1] == "        " + word)
    assert neovim.lines()[BODY:] == [], "nothing but the word was inserted"
    assert neovim.cursor() == (BODY, 8 + len(word))
    # The server continues from there: the next word of its new suggestion goes in the same way.
    rest = neovim.wait_ghost()
    following = re.match(r"\s*\w+|\s*[^\w\s]+", rest).group(0)
    press(neovim, "<M-w>", f"{following!r} inserted",
          lambda: neovim.lines()[BODY - 1] == "        " + word + following)


def test_accept_line_inserts_one_line(neovim: Editor) -> None:
    ghost = start(neovim)
    first, _, rest = ghost.partition("\n")
    assert rest, f"the model's suggestion has one line only, so this cannot show a line accept: {ghost!r}"
    press(neovim, "<M-j>", "the first line inserted", lambda: neovim.lines()[BODY - 1] == "        " + first)
    assert neovim.lines() == SOURCE.replace("        \n", "        " + first + "\n").splitlines()
    assert neovim.cursor() == (BODY, 8 + len(first))


def test_accept_after_typing_the_start_of_the_suggestion(neovim: Editor) -> None:
    """Keys typed while the answer to them is on its way: the older suggestion is still accepted right."""
    ghost = start(neovim)
    typed = ghost[:2]
    expected = SOURCE.replace("        \n", "        " + ghost + "\n").splitlines()
    # One batch of input: the accept comes well within the 200 ms before Neovim asks again.
    press(neovim, typed + "<M-l>", "the suggestion in the buffer, once", lambda: neovim.lines() == expected)


CALL = "def area(w, h):\n    return w * h\n\n\nx = area(3, )\n"


@pytest.mark.parametrize("typed", [0, 1], ids=["as-shown", "typed-through"])
def test_accept_replaces_the_closing_bracket_it_retypes(neovim: Editor, typed: int) -> None:
    """Between brackets the suggestion ends with the `)` that is already there: it replaces it."""
    neovim.setup()
    neovim.open("area.py", CALL)
    neovim.wait_ready()
    neovim.nvim.api.win_set_cursor(0, [5, 12])
    neovim.nvim.input("i")
    ghost = neovim.wait_ghost()
    assert ghost.endswith(")"), f"the model did not close the call: {ghost!r}"
    assert neovim.ghost_marks()[0][3]["virt_text_pos"] == "overlay", "the range covers the `)`"
    press(neovim, ghost[:typed] + "<M-l>", "the call completed",
          lambda: neovim.lines()[4] == "x = area(3, " + ghost)


def test_next_and_previous_cycle_through_the_alternatives(neovim: Editor) -> None:
    first = start(neovim)
    # Typing gets one suggestion; "next" asks the server again as a manual trigger, which it answers
    # with alternatives, and moves to the second.
    hint = press(neovim, "<M-]>", "the second alternative",
                 lambda: re.fullmatch(r" \(2/(\d)\)", neovim.ghost_hint()))
    total = int(hint.group(1))
    assert total >= 2
    shown = {2: neovim.ghost()}
    for index in range(3, total + 1):
        press(neovim, "<M-]>", f"alternative {index}",
              lambda i=index: neovim.ghost_hint() == f" ({i}/{total})")
        shown[index] = neovim.ghost()
    press(neovim, "<M-]>", "the first again", lambda: neovim.ghost_hint() == f" (1/{total})")
    shown[1] = neovim.ghost()
    assert shown[1] == first
    assert len(set(shown.values())) == total, f"alternatives are not distinct: {shown}"
    press(neovim, "<M-[>", "the last, backwards", lambda: neovim.ghost_hint() == f" ({total}/{total})")
    assert neovim.ghost() == shown[total]
    expected = SOURCE.replace("        \n", "        " + shown[total] + "\n").splitlines()
    press(neovim, "<M-l>", "the alternative on screen in the buffer", lambda: neovim.lines() == expected)


def test_dismiss_hides_the_suggestion(neovim: Editor) -> None:
    start(neovim)
    press(neovim, "<C-]>", "the ghost text to go", lambda: not neovim.ghost_marks())
    assert neovim.lines() == SOURCE.splitlines()
    assert neovim.mode() == "i"


def test_keys_keep_their_meaning_without_a_suggestion(neovim: Editor) -> None:
    neovim.setup(keymaps={"accept": "<Tab>"})
    neovim.open("point.py", SOURCE)
    neovim.wait_ready()
    # Inside a word the server suggests nothing.
    neovim.nvim.api.win_set_cursor(0, [1, 3])
    neovim.nvim.input("i")
    neovim.wait("the server's empty answer", lambda: neovim.lua(
        "local s = require('hushcode').status() "
        "return s.requests > 0 and vim.startswith(s.lastResult or '', 'skip')"))
    assert not neovim.ghost_marks()
    neovim.nvim.input("<Tab>")
    neovim.wait("<Tab> to indent", lambda: re.fullmatch(r"cla\s+ss Point:", neovim.lines()[0]), timeout=10)
    assert neovim.nvim.api.exec2("imap <M-l>", {"output": True})["output"].strip() == "No mapping found"


def test_without_setup(neovim: Editor) -> None:
    """Only lsp/hushcode.lua and vim.lsp.enable(): ghost text and the keys still come on attach."""
    cmd = [sys.executable, "-m", "hushcode", "serve", "--log-file", str(neovim.log_file)]
    neovim.lua("vim.lsp.config('hushcode', { cmd = ... }) vim.lsp.enable('hushcode')", cmd)
    neovim.open("point.py", SOURCE)
    neovim.wait_ready()
    neovim.nvim.api.win_set_cursor(0, [BODY, 0])
    neovim.nvim.input("A")
    ghost = neovim.wait_ghost()
    expected = SOURCE.replace("        \n", "        " + ghost + "\n").splitlines()
    press(neovim, "<M-l>", "the suggestion in the buffer", lambda: neovim.lines() == expected)


def test_statusline_shows_the_model(neovim: Editor) -> None:
    neovim.setup()
    assert neovim.statusline() == "", "empty before any hushcode server runs"
    neovim.open("point.py", SOURCE)
    neovim.wait_ready()
    assert neovim.statusline() == f"hushcode: {MODEL_NAME}"
    neovim.nvim.api.win_set_cursor(0, [BODY, 0])
    neovim.nvim.input("A")
    neovim.wait_ghost()
    # After a completion it also shows the server's latency.
    line = neovim.wait("the latency", lambda: re.fullmatch(rf"hushcode: {re.escape(MODEL_NAME)} \d+ms",
                                                            neovim.statusline()))
    assert line
    neovim.nvim.command("Hushcode toggle")
    assert neovim.statusline() == "hushcode: off"


def test_toggle_turns_ghost_text_off_and_on(neovim: Editor) -> None:
    neovim.setup()
    neovim.open("point.py", SOURCE)
    neovim.wait_ready()
    assert neovim.lua("return vim.lsp.inline_completion.is_enabled({ bufnr = 0 })") is True
    neovim.nvim.command("Hushcode toggle")
    assert neovim.lua("return vim.lsp.inline_completion.is_enabled({ bufnr = 0 })") is False
    neovim.nvim.command("Hushcode toggle")
    assert neovim.lua("return vim.lsp.inline_completion.is_enabled({ bufnr = 0 })") is True
    neovim.nvim.api.win_set_cursor(0, [BODY, 0])
    neovim.nvim.input("A")
    neovim.wait_ghost()


def test_hushcode_commands(neovim: Editor) -> None:
    neovim.setup()
    neovim.open("point.py", SOURCE)
    neovim.wait_ready()
    neovim.nvim.command("Hushcode model")
    assert f"hushcode: {MODEL_NAME} (template qwen, ready)" in neovim.messages()
    neovim.nvim.command("Hushcode status")  # asks the server: the answer comes back later
    neovim.wait(":Hushcode status's answer", lambda: "state: ready" in neovim.messages(), timeout=10)
    assert f"model: {MODEL_NAME} (template qwen)" in neovim.messages()
    neovim.nvim.command("Hushcode log")
    assert neovim.nvim.api.buf_get_name(0) == str(neovim.log_file)
    assert any("initialize" in line for line in neovim.lines())


def test_model_option_and_model_command(nvim_012: str, tmp_path: Path, model_path: Path) -> None:
    """setup({ model }) reaches the server; `:Hushcode model PATH` restarts it with another file."""
    other = tmp_path / "other.gguf"
    other.symlink_to(model_path)
    editor = Editor(nvim_012, tmp_path, {"HUSHCODE_COMPLETION_TIMEOUT_MS": "120000"})  # no HUSHCODE_MODEL
    try:
        editor.setup(model=str(model_path))
        editor.open("point.py", SOURCE)
        first = editor.wait_ready()
        assert f"model={model_path}" in editor.log_file.read_text()
        editor.nvim.command(f"Hushcode model {other}")
        editor.wait("a new server with the other model", lambda: editor.lua(
            "local s = require('hushcode').status(); return s and s.state == 'ready' and s.pid ~= ... ",
            first["pid"]))
        assert f"model={other}" in editor.log_file.read_text()
        assert editor.statusline() == f"hushcode: {MODEL_NAME}"
        editor.nvim.api.win_set_cursor(0, [BODY, 0])
        editor.nvim.input("A")
        editor.wait_ghost()
    finally:
        editor.close()


def test_ghost_text_comes_once_the_model_is_ready_without_typing(nvim_012: str, tmp_path: Path,
                                                                 model_path: Path) -> None:
    """Insert mode on the empty body while the model still loads: the request finds no engine, and
    once it is ready the server's `hushcode/askAgain` makes Neovim ask again; no key is pressed."""
    editor = Editor(nvim_012, tmp_path, {"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_TIMEOUT_MS": "120000",
                                         "HUSHCODE_ENGINE_LOAD_DELAY_MS": "8000"})
    try:
        editor.setup()
        editor.open("point.py", SOURCE)
        editor.wait("the server to answer that the model is loading", lambda: editor.lua(
            "local s = require('hushcode').status(); return s and s.state == 'loading'"), timeout=60)
        editor.nvim.api.win_set_cursor(0, [BODY, 0])
        editor.nvim.input("A")
        editor.wait("the request that found no engine", lambda: "result=no_engine" in editor.log_file.read_text(),
                    timeout=30)
        assert editor.ghost() is None
        ghost = editor.wait("ghost text after the load, with no key pressed", editor.ghost, timeout=120)
        assert ghost.strip() and editor.mode() == "i"
        assert "ask again: point.py (ready)" in editor.log_file.read_text()
        assert editor.lines() == SOURCE.splitlines()
    finally:
        editor.close()
