"""Next-edit suggestions in a real VS Code (code-server 4.139.1 in headless Chromium) with the
extension's .vsix, against the real `hushcode serve` and the real default model.

With `hushcode.nextEdit.enabled` on, renaming a parameter in a signature (typed over it, as a user
does) and moving to the line that still uses the old name makes the extension ask for a next edit
by itself; the edit is drawn as decorations (the new text beside the old, the removed text struck
through), Escape dismisses it, **hushcode: Suggest Next Edit** asks for it again, Tab accepts it, and
the saved file holds the renamed use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.keys import Keys

from tests.vscode.workbench import Tools, Workbench, running_workbench

pytestmark = [pytest.mark.model, pytest.mark.timeout(1800)]

SOURCE = 'def area(w, h):\n    """The area of a w by h rectangle."""\n    return w * h\n'
NEXT_EDIT_ANSWER = re.compile(r"next_edit req=n\d+ doc=area\.py result=(\S+) edits=(\d+)")

# The decorations of the focused editor: the text drawn by `before`/`after` decorations (CSS
# generated content of a span in a view line) and the text drawn struck through.
DECORATIONS_JS = """
    const editor = document.querySelector('.monaco-editor.focused') || document.querySelector('.monaco-editor');
    if (!editor) { return {drawn: [], struck: []}; }
    const drawn = [], struck = [];
    for (const span of editor.querySelectorAll('.view-lines span')) {
        for (const pseudo of ['::before', '::after']) {
            const content = getComputedStyle(span, pseudo).content;
            if (content && content !== 'none' && content !== 'normal') { drawn.push(content); }
        }
        if (getComputedStyle(span).textDecorationLine.includes('line-through') && span.textContent) {
            struck.push(span.textContent);
        }
    }
    return {drawn: drawn, struck: struck};
"""


@pytest.fixture(scope="module")
def workbench(
    vscode_tools: Tools, vsix: Path, model_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workbench]:
    settings = {
        "hushcode.nextEdit.enabled": True,
        # VS Code's word suggestions would open their list while `width` is typed, and the Down keys
        # that follow would move in that list instead of in the file.
        "editor.quickSuggestions": {"other": False, "comments": False, "strings": False},
        "editor.wordBasedSuggestions": "off",
    }
    with running_workbench(
        vscode_tools, vsix, model_path, tmp_path_factory.mktemp("code-server-next-edit"), settings=settings
    ) as bench:
        yield bench


def unquote(content: str) -> str:
    """A CSS `content` value ("\"idth\"") as the text it draws."""
    return content[1:-1] if len(content) >= 2 and content[0] == content[-1] == '"' else content


def decorations(bench: Workbench) -> dict[str, list[str]]:
    found: dict[str, Any] = bench.driver.execute_script(DECORATIONS_JS) or {}
    return {
        "drawn": [unquote(t).replace("\u00a0", " ") for t in found.get("drawn", [])],
        "struck": [t.replace("\u00a0", " ") for t in found.get("struck", [])],
    }


def test_a_renamed_parameter_is_suggested_at_its_use_and_tab_accepts_it(workbench: Workbench) -> None:
    path = workbench.folder / "area.py"
    path.write_text(SOURCE, encoding="utf-8")
    workbench.open_file(path)
    before = decorations(workbench)["drawn"]

    # Select the `w` of `def area(w, h):` and type `width` over it: a replacement, which the extension
    # asks after; then down to `return w * h` (a move to another line soon after such an edit asks again).
    workbench.chord(Keys.CONTROL, Keys.HOME)
    workbench.keys(*[Keys.ARROW_RIGHT] * 9)
    workbench.chord(Keys.SHIFT, Keys.ARROW_RIGHT)
    workbench.keys("width")
    workbench.wait("the rename in the editor", lambda: "def area(width, h):" in workbench.editor_text(), 20)
    workbench.keys(Keys.ARROW_DOWN, Keys.ARROW_DOWN)

    def shown() -> dict[str, list[str]] | None:
        found = decorations(workbench)
        return found if [t for t in found["drawn"] if t not in before] else None

    drawn = workbench.wait("a next edit drawn in the editor", shown, 240)
    workbench.screenshot("next-edit.png")
    answers = NEXT_EDIT_ANSWER.findall(workbench.server.channel_log())
    print(f"decorations: {drawn}; the server's next-edit answers: {answers}")
    assert answers and any(int(count) > 0 for _, count in answers), answers
    new_text = [t for t in drawn["drawn"] if t not in before]
    assert any("idth" in t for t in new_text), f"the drawn edit is not the rename: {drawn}"

    # Escape dismisses it; the explicit command asks again at the cursor (whatever the setting says).
    workbench.keys(Keys.ESCAPE)
    workbench.wait("the edit to go away", lambda: not shown(), 10)
    assert "return w * h" in workbench.editor_text()
    workbench.run_command("hushcode: Suggest Next Edit")
    drawn = workbench.wait("the next edit drawn again after the command", shown, 240)
    assert any("idth" in t for t in drawn["drawn"] if t not in before), drawn

    workbench.keys(Keys.TAB)
    workbench.wait("the accepted edit in the editor", lambda: "return width * h" in workbench.editor_text(), 20)
    workbench.chord(Keys.CONTROL, "s")
    workbench.wait("the file to be saved", workbench.saved)
    saved = path.read_text(encoding="utf-8")
    assert saved.startswith("def area(width, h):\n"), saved
    assert "    return width * h\n" in saved, saved
    compile(saved, "area.py", "exec")
