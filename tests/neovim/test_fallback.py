"""Neovim 0.11 has no inline completion: the plugin falls back to `textDocument/completion`."""

from __future__ import annotations

import pytest

from tests.neovim.editor import MODEL_NAME, Editor
from tests.neovim.test_inline import BODY, SOURCE

pytestmark = pytest.mark.model


def hushcode_item(editor: Editor) -> dict | None:
    """The hushcode item of the insert-mode completion in progress, if any."""
    return editor.lua("""
        if vim.fn.complete_info({ 'mode' }).mode == '' then return nil end
        for _, item in ipairs(vim.fn.complete_info({ 'items' }).items) do
          local lsp = vim.tbl_get(item, 'user_data', 'nvim', 'lsp', 'completion_item')
          if lsp and lsp.detail == 'hushcode' then
            return { word = item.word, text = lsp.textEdit.newText }
          end
        end
    """)


@pytest.mark.parametrize("completeopt", ["menu,preview", "menu,menuone,noselect,popup"],
                         ids=["default-completeopt", "menu-noselect"])
def test_completion_fallback_inserts_the_whole_suggestion(neovim_011: Editor, completeopt: str) -> None:
    editor = neovim_011
    assert editor.lua("return vim.lsp.inline_completion == nil"), "this Neovim has inline completion"
    editor.nvim.options["completeopt"] = completeopt
    editor.setup()
    editor.open("point.py", SOURCE)
    editor.wait_ready()
    editor.nvim.api.win_set_cursor(0, [BODY, 0])
    editor.nvim.input("A<M-l>")  # the accept key asks for completions when no menu is open
    item = editor.wait("hushcode's item in the completion menu", lambda: hushcode_item(editor))
    if "menuone" in completeopt:
        assert editor.nvim.funcs.pumvisible() == 1
    suggestion = item["text"]
    assert "\n" in suggestion, f"the model's suggestion has one line only: {suggestion!r}"
    assert item["word"] == suggestion.split("\n")[0], "the menu shows and inserts the first line"
    expected = SOURCE.replace("        \n", "        " + suggestion + "\n").splitlines()
    editor.nvim.input("<M-l>")  # ...and accepts the item when the menu is open
    editor.wait("the whole suggestion in the buffer", lambda: editor.lines() == expected, timeout=10)
    last = suggestion.split("\n")[-1]
    assert editor.cursor() == (BODY + suggestion.count("\n"), len(last))
    assert editor.mode() == "i"


def test_checkhealth_reports_the_fallback(neovim_011: Editor) -> None:
    editor = neovim_011
    editor.setup()
    editor.open("point.py", SOURCE)
    editor.wait_ready()
    editor.nvim.command("checkhealth hushcode")
    report = "\n".join(editor.lines())
    assert "WARNING Neovim 0.11" in report and "completion fallback" in report, report
    assert f"OK model loaded: {MODEL_NAME} (template qwen)" in report, report
    assert "OK server found:" in report, report
    assert "this Neovim uses the completion fallback" in report, report
    assert "ERROR" not in report, report


def test_statusline_on_0_11(neovim_011: Editor) -> None:
    editor = neovim_011
    editor.setup()
    editor.open("point.py", SOURCE)
    editor.wait_ready()
    assert editor.statusline() == f"hushcode: {MODEL_NAME}"
