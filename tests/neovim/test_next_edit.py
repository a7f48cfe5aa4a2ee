"""Next-edit suggestions in Neovim (clients/neovim/lua/hushcode/next_edit*.lua).

Three tiers: the pure Lua functions (what to draw for an edit, "was this plain typing?"), run in a
real Neovim 0.12 without a server; the drawing, hint, jump and dismiss of an edit put on screen by
hand; and the real path, through the real server and the default model, in Neovim 0.12 and 0.11:
rename `w` to `width` in a signature as a user does (`ciw`), move to the body, and accept the edit
shown there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.neovim.editor import Editor

NAMESPACE = "hushcode.next_edit"
SOURCE = 'def area(w, h):\n    """The area of a w by h rectangle."""\n    return w * h\n'
NE = "require('hushcode.next_edit')"
DRAW = "require('hushcode.next_edit_draw')"
TRIGGER = "require('hushcode.next_edit_trigger')"
DELETE, INSERT = "HushcodeNextEditDelete", "HushcodeNextEditInsert"


@pytest.fixture(scope="module")
def editor(nvim_012: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Editor]:
    editor = Editor(nvim_012, tmp_path_factory.mktemp("next-edit"), {})
    yield editor
    editor.close()


def marks(editor: Editor, edit: dict[str, Any], lines: list[str]) -> list[list[Any]]:
    return editor.lua(f"local edit, lines = ... return {DRAW}.marks(edit, function(r) return lines[r + 1] end, #lines)",
                      edit, lines)


def edit(start: tuple[int, int], end: tuple[int, int], text: str) -> dict[str, Any]:
    return {"start_row": start[0], "start_col": start[1], "end_row": end[0], "end_col": end[1], "text": text}


# ---- pure functions ------------------------------------------------------------------------------

def test_marks_of_a_change_within_a_line(editor: Editor) -> None:
    """`return w * h` -> `return width * h`: `w` struck through, `width` inline right after it."""
    got = marks(editor, edit((2, 11), (2, 12), "width"), SOURCE.splitlines())
    assert got == [
        [2, 11, {"end_row": 2, "end_col": 12, "hl_group": DELETE, "strict": False}],
        [2, 12, {"virt_text": [["width", INSERT]], "virt_text_pos": "inline", "strict": False}],
    ]


def test_marks_of_an_insertion_and_a_deletion(editor: Editor) -> None:
    lines = SOURCE.splitlines()
    assert marks(editor, edit((2, 12), (2, 12), "idth"), lines) == [
        [2, 12, {"virt_text": [["idth", INSERT]], "virt_text_pos": "inline", "strict": False}]]
    assert marks(editor, edit((2, 4), (2, 11), ""), lines) == [
        [2, 4, {"end_row": 2, "end_col": 11, "hl_group": DELETE, "strict": False}]]
    assert marks(editor, edit((2, 4), (2, 4), ""), lines) == []


def test_marks_of_whole_lines(editor: Editor) -> None:
    """Whole lines replaced by whole lines: the new ones as virt_lines under the struck ones."""
    lines = ["a", "b", "c"]
    assert marks(editor, edit((1, 0), (2, 0), "B1\nB2\n"), lines) == [
        [1, 0, {"end_row": 2, "end_col": 0, "hl_group": DELETE, "strict": False}],
        [2, 0, {"virt_lines": [[["B1", INSERT]], [["B2", INSERT]]], "virt_lines_above": True, "strict": False}],
    ]
    # up to LSP's position after the last line break: under the last line
    assert marks(editor, edit((2, 0), (3, 0), "z\n"), lines) == [
        [2, 0, {"end_row": 2, "end_col": 1, "hl_group": DELETE, "strict": False}],
        [2, 0, {"virt_lines": [[["z", INSERT]]], "virt_lines_above": False, "strict": False}],
    ]
    # a deleted line: struck through, nothing to add
    assert marks(editor, edit((0, 0), (1, 0), ""), lines) == [
        [0, 0, {"end_row": 1, "end_col": 0, "hl_group": DELETE, "strict": False}]]


def test_marks_of_a_change_across_lines(editor: Editor) -> None:
    """A part of a line becomes two lines: the edited lines as they will read, under them."""
    lines = ["x = f(a, b)", "y = 1"]
    assert marks(editor, edit((0, 6), (0, 10), "\n    a,\n    b,\n"), lines) == [
        [0, 6, {"end_row": 0, "end_col": 10, "hl_group": DELETE, "strict": False}],
        [0, 0, {"virt_lines": [[["x = f(", INSERT]], [["    a,", INSERT]], [["    b,", INSERT]], [[")", INSERT]]],
                "virt_lines_above": False, "strict": False}],
    ]


@pytest.mark.parametrize(("encoding", "character", "col"), [("utf-16", 4, 5), ("utf-8", 5, 5), ("utf-32", 4, 5)])
def test_to_bytes(editor: Editor, encoding: str, character: int, col: int) -> None:
    """`é` is 2 bytes, 1 UTF-16 unit; a line past the buffer's end is column 0."""
    rng = {"start": {"line": 0, "character": character}, "end": {"line": 1, "character": 3}}
    assert editor.lua(f"return {{ {DRAW}.to_bytes(...) }}", rng, "héllo = 1", None, encoding) == [0, col, 1, 0]


def test_is_far_and_the_hint(editor: Editor) -> None:
    far = f"return {DRAW}.is_far(...)"
    assert editor.lua(far, 10, 12, 0, 40) is False, "two lines below, on screen"
    assert editor.lua(far, 10, 14, 0, 40) is True, "four lines below"
    assert editor.lua(far, 10, 9, 10, 40) is True, "above the window"
    assert editor.lua(f"return {DRAW}.hint(...)", 41, "<M-n>") == "next edit: line 42, <M-n> to jump"
    assert editor.lua(f"return {DRAW}.hint(...)", 0, False) == "next edit: line 1, :Hushcode next-edit jump to jump"


def change(text: str, after: str = "", *, insert: bool = True, old_bytes: int = 0, old_rows: int = 0) -> dict:
    return {"insert_mode": insert, "text": text, "after": after, "old_bytes": old_bytes, "old_rows": old_rows}


TYPING = [
    ("a-letter-at-the-end", change("x"), True),
    ("a-word-before-closing-brackets", change("width", "):"), True),
    ("enter-and-indent", change("\n    "), True),
    ("backspace-at-the-end", change("", old_bytes=1), True),
    ("o-in-normal-mode", change("\n", "    return w", insert=False), True),
    ("a-word-inside-a-line", change("width", ", h):"), False),
    ("ciw-deletes", change("", ", h):", insert=False, old_bytes=1), False),
    ("x-at-the-end-in-normal-mode", change("", insert=False, old_bytes=1), False),
    ("a-multi-line-paste", change("a\nb"), False),
    ("a-replacement", change("y", old_bytes=1), False),
    ("backspace-joins-lines", change("", old_bytes=1, old_rows=1), False),
    ("a-charwise-paste-in-normal-mode", change("foo", insert=False), False),
]


@pytest.mark.parametrize(("change", "typing"), [t[1:] for t in TYPING], ids=[t[0] for t in TYPING])
def test_is_typing(editor: Editor, change: dict, typing: bool) -> None:
    assert editor.lua(f"return {TRIGGER}.is_typing(...)", change) is typing


@pytest.mark.parametrize(("value", "enabled", "warned"), [
    ({"enabled": True}, True, False), ({}, False, False), (True, True, False), ({"enabled": "yes"}, False, True),
    ("on", False, True)], ids=["on", "default", "a-bare-boolean", "a-string-enabled", "a-string"])
def test_the_setting(editor: Editor, value: object, enabled: bool, warned: bool) -> None:
    """`next_edit = { enabled = true }` turns automatic asks on; a bad value warns and leaves them off."""
    editor.nvim.command("messages clear")
    editor.lua("require('hushcode').setup({ enable = false, next_edit = ... })", value)
    assert editor.lua(f"return {TRIGGER}.enabled()") is enabled
    assert ("next_edit must be a table" in editor.messages()) is warned


# ---- drawn by hand: hint, jump, dismiss, a change -----------------------------------------------

def shown_marks(editor: Editor) -> list[Any]:
    ns = editor.nvim.api.get_namespaces().get(NAMESPACE)
    return [] if ns is None else editor.nvim.api.buf_get_extmarks(0, ns, 0, -1, {"details": True})


def hint(editor: Editor) -> str | None:
    for _, _, _, details in shown_marks(editor):
        if details.get("virt_text_pos") == "eol":
            return "".join(chunk[0] for chunk in details["virt_text"])
    return None


@pytest.fixture
def far_edit(neovim: Editor) -> Editor:
    """A buffer of 30 lines with the plugin's keys and watch, an edit on line 25 put on screen (as an
    answer would be: a client table is all `show` needs), the cursor on line 1."""
    neovim.lua("require('hushcode').setup({ enable = false })")
    neovim.nvim.command("enew")
    neovim.lua("""
        local lines = {}
        for i = 1, 30 do lines[i] = ('x%d = %d'):format(i, i) end
        vim.api.nvim_buf_set_lines(0, 0, -1, false, lines)
        require('hushcode.keymaps').attach(0, require('hushcode').options.keymaps)
        require('hushcode.next_edit_trigger').attach(0)
        local range = { start = { line = 24, character = 5 }, ['end'] = { line = 24, character = 7 } }
        require('hushcode.next_edit').show(vim.api.nvim_get_current_buf(), { id = -1, offset_encoding = 'utf-16' },
          { { range = range, newText = '250' } }, vim.api.nvim_buf_get_changedtick(0))
    """)
    return neovim


def test_a_far_edit_gets_a_hint_and_the_jump_key_goes_there(far_edit: Editor) -> None:
    editor = far_edit
    assert hint(editor) == "next edit: line 25, <M-n> to jump"
    hint_row = [m[1] for m in shown_marks(editor) if m[3].get("virt_text_pos") == "eol"]
    assert hint_row == [0], "at the cursor's line"
    struck = [m for m in shown_marks(editor) if m[3].get("hl_group") == DELETE]
    assert [(m[1], m[2], m[3]["end_col"]) for m in struck] == [(24, 5, 7)]
    editor.nvim.input("j")
    editor.wait("the hint to follow the cursor", lambda: [m[1] for m in shown_marks(editor)
                                                          if m[3].get("virt_text_pos") == "eol"] == [1], timeout=5)
    editor.nvim.input("<M-n>")
    editor.wait("the jump", lambda: editor.cursor() == (25, 5), timeout=5)
    assert hint(editor) is None, "near the cursor now: no hint"
    assert editor.lines()[24] == "x25 = 25", "jumping changes nothing"
    editor.nvim.input("<Esc>")
    editor.wait("<Esc> to dismiss it", lambda: not shown_marks(editor), timeout=5)
    assert editor.lua(f"return {NE}.get()") is None


def test_a_change_clears_the_edit(far_edit: Editor) -> None:
    editor = far_edit
    assert editor.lua(f"return {NE}.get()")
    editor.nvim.input("x")  # deletes a character of line 1
    editor.wait("the edit to go", lambda: not shown_marks(editor), timeout=5)
    editor.nvim.input("<M-l>")  # nothing to accept: the key does what it did (nothing in normal mode)
    assert editor.lines()[24] == "x25 = 25"


def test_insert_mode_dismiss_key_and_leaving_insert_mode(far_edit: Editor) -> None:
    editor = far_edit
    editor.nvim.input("i")  # no server here: no ghost text, the next edit stays
    editor.wait("insert mode", lambda: editor.mode() == "i", timeout=5)
    assert shown_marks(editor)
    editor.nvim.input("<C-]>")
    editor.wait("<C-]> to dismiss the edit", lambda: not shown_marks(editor), timeout=5)
    assert editor.mode() == "i" and editor.lines()[0] == "x1 = 1", "no abbreviation, no text"
    editor.lua("""require('hushcode.next_edit').show(vim.api.nvim_get_current_buf(), { id = -1, offset_encoding = 'utf-16' },
        { { range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 2 } }, newText = 'y1' } },
        vim.api.nvim_buf_get_changedtick(0))""")
    assert shown_marks(editor) and hint(editor) is None, "on the cursor's line: no hint"
    editor.nvim.input("<Esc>")
    editor.wait("leaving insert mode to hide it", lambda: not shown_marks(editor) and editor.mode() == "n", timeout=5)


def test_keys_pass_through_without_an_edit(neovim: Editor) -> None:
    neovim.lua("require('hushcode').setup({ enable = false })")
    neovim.nvim.command("enew")
    neovim.lua("vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'a', 'b' }) "
               "require('hushcode.keymaps').attach(0, require('hushcode').options.keymaps)")
    neovim.nvim.input("vj<Esc>")  # <Esc> still ends visual mode
    neovim.wait("normal mode", lambda: neovim.mode() == "n", timeout=5)
    assert neovim.nvim.api.exec2("nmap <Esc>", {"output": True})["output"].count("next edit") == 1


# ---- the real server and model --------------------------------------------------------------------

COUNT_REQUESTS = """
    _G.next_edit_requests = 0
    vim.api.nvim_create_autocmd('LspRequest', { callback = function(ev)
      local request = ev.data.request
      if request and request.method == 'hushcode/nextEdit' and request.type == 'pending' then
        _G.next_edit_requests = _G.next_edit_requests + 1
      end
    end })
"""


def rename_then_move(editor: Editor) -> None:
    """Open the file, wait for the model, rename `w` to `width` in the signature with `ciw` as a user
    does, leave insert mode and go down to the `return` line. Counts the next-edit requests sent."""
    editor.open("area.py", SOURCE)
    editor.wait_ready()
    editor.lua(COUNT_REQUESTS)
    editor.nvim.api.win_set_cursor(0, [1, 9])
    editor.nvim.input("ciwwidth<Esc>2j")
    editor.wait("the rename", lambda: editor.lines()[0] == "def area(width, h):", timeout=10)
    assert editor.cursor()[0] == 3


def next_edit_requests(editor: Editor) -> int:
    return editor.lua("return _G.next_edit_requests")


def accept_and_save(editor: Editor) -> None:
    edits = editor.wait("a next edit on screen", lambda: shown_marks(editor) and editor.lua(f"return {NE}.get()"),
                        timeout=180)
    # the ciw's change, the typing inside the line and the move down: one request after the debounce
    assert next_edit_requests(editor) == 1
    assert editor.lines()[2] == "    return w * h", "an edit on screen is not in the buffer yet"
    editor.nvim.input("<M-l>")
    editor.wait(f"the accepted edit {edits!r} to make `return width * h`",
                lambda: editor.lines()[2] == "    return width * h", timeout=10)
    assert editor.lines()[0] == "def area(width, h):"
    editor.nvim.command("write")
    assert "    return width * h\n" in (editor.home / "area.py").read_text()


@pytest.mark.model
def test_a_rename_is_followed_by_its_next_edit(neovim: Editor) -> None:
    """With next_edit.enabled, the rename and the move to the body ask by themselves; the accept
    key applies the edit shown."""
    neovim.setup(next_edit={"enabled": True})
    rename_then_move(neovim)
    neovim.wait("a next-edit request", lambda: next_edit_requests(neovim), timeout=5)
    accept_and_save(neovim)


@pytest.mark.model
def test_neovim_011_shows_and_accepts_a_next_edit(neovim_011: Editor) -> None:
    """Neovim 0.11 has no inline completion; next edits need only extmarks and requests."""
    neovim_011.setup(next_edit={"enabled": True})
    rename_then_move(neovim_011)
    accept_and_save(neovim_011)


@pytest.mark.model
def test_off_by_default_and_asked_for_explicitly(neovim: Editor) -> None:
    """Without the setting nothing asks by itself; `:Hushcode next-edit` asks, and the server answers."""
    neovim.setup()
    rename_then_move(neovim)
    neovim.nvim.command("sleep 500m")  # past the debounce an enabled client would ask after
    assert next_edit_requests(neovim) == 0
    assert not shown_marks(neovim)
    neovim.nvim.command("Hushcode next-edit")
    accept_and_save(neovim)
