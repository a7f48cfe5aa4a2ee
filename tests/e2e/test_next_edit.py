"""hushcode/nextEdit through the real server and the real default model: after a parameter is
renamed in a signature (typed as keystrokes, as an editor sends them), a next-edit request at its
use answers an edit that renames the use, and the file with the edit applied is what a rename gives
(since the repeat of the last edit, nextedit/repeat.py, the server makes a rename's uses itself,
with no model call; the docstring's words stay); and a next edit that inserts text at the cursor
is also the inline suggestion there."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import lsp

pytestmark = pytest.mark.model

SOURCE = 'def area(w, h):\n    """The area of a w by h rectangle."""\n    return w * h\n'
URI = "file:///tmp/hushcode-next-edit/area.py"


def apply(text: str, edits: list[dict[str, Any]]) -> str:
    """The text with the LSP edits applied (positions in UTF-16, ASCII here), last first."""
    lines = text.split("\n")
    starts = [sum(len(line) + 1 for line in lines[:n]) for n in range(len(lines))]

    def offset(position: dict[str, int]) -> int:
        return starts[position["line"]] + position["character"]

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        text = text[:offset(edit["range"]["start"])] + edit["newText"] + text[offset(edit["range"]["end"]):]
    return text


async def test_a_renamed_parameter_is_renamed_at_its_use(model_path: Path) -> None:
    async with lsp.Session({"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_TIMEOUT_MS": "120000"}) as client:
        await lsp.wait_for_state(client, {"ready"}, 120)
        lsp.open_document(client, URI, SOURCE)
        for number, letter in enumerate("idth"):  # w -> width, one keystroke at a time
            lsp.change(client, URI, 2 + number, 0, 10 + number, letter)
        renamed = SOURCE.replace("area(w,", "area(width,")
        answer = await client.protocol.send_request_async(
            "hushcode/nextEdit", {"textDocument": {"uri": URI}, "position": {"line": 2, "character": 11}})
        edits = answer["edits"] if isinstance(answer, dict) else answer.edits
        edits = [lsp._plain(edit) for edit in edits]
        assert edits, "no edit after the rename"
        result = apply(renamed, edits)
        assert "return width * h" in result, result
        assert result.startswith("def area(width, h):"), result
        compile(result, "area.py", "exec")


async def test_a_next_edit_that_inserts_at_the_cursor_is_also_the_inline_suggestion_there(model_path: Path) -> None:
    session = lsp.Session({"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_TIMEOUT_MS": "120000"})
    async with session as client:
        await lsp.wait_for_state(client, {"ready"}, 120)
        lsp.open_document(client, URI, SOURCE)
        for number, letter in enumerate("idth"):
            lsp.change(client, URI, 2 + number, 0, 10 + number, letter)
        at = {"line": 2, "character": 12}  # right after the body's `w`: the rename's edit inserts "idth" here
        answer = await client.protocol.send_request_async(
            "hushcode/nextEdit", {"textDocument": {"uri": URI}, "position": at})
        edits = [lsp._plain(edit) for edit in (answer["edits"] if isinstance(answer, dict) else answer.edits)]
        assert edits == [{"range": {"start": at, "end": at}, "newText": "idth"}], edits
        for _ in range(50):  # the notification may land just after the answer
            if session.asked_again:
                break
            await asyncio.sleep(0.1)
        assert session.asked_again == [{"uri": URI, "reason": "nextEdit"}], session.asked_again
        # the editor asks again (VS Code as a manual trigger): the edit is the inline suggestion, from the cache
        result = await lsp.inline(client, URI, 2, 12, invoked=True)
        assert result is not None and [str(item.insert_text) for item in result.items] == ["idth"]
        assert (await lsp.status(client))["lastResult"] == "cache_hit"


# a recent edit (the comment line deleted), then a misspelled method name near the cursor
EVENS = ('def evens(numbers):\n    # the even ones\n    found = []\n    for n in numbers:\n'
         '        if n % 2 == 0:\n            found.apend(n)\n    return found\n')
COMPARE = ('def compare(included, excluded, inc, exc):\n    # both are sets\n    if inc is None:\n'
           '        return included.issuperset(exc)\n    else:\n        return excluded.issupserset(exc)\n')
TYPOS = [(EVENS, "found.append(n)"), (COMPARE, "return excluded.issuperset(exc)")]


@pytest.mark.parametrize(("source", "fixed"), TYPOS, ids=["apend", "issupserset"])
async def test_the_model_writes_a_next_edit_sure_enough_to_pass_the_default_gate(
        model_path: Path, source: str, fixed: str) -> None:
    """No rule makes this edit: the model's rewrite of the region does, and its confidence in the
    tokens that write it (nextedit/confidence.py) clears `completion.nextEditMinConfidence` (80)."""
    from lsprotocol import types

    uri = "file:///tmp/hushcode-next-edit/typo.py"
    async with lsp.Session({"HUSHCODE_MODEL": str(model_path), "HUSHCODE_COMPLETION_TIMEOUT_MS": "120000"}) as client:
        await lsp.wait_for_state(client, {"ready"}, 120)
        lsp.open_document(client, uri, source)
        gone = types.Range(start=types.Position(line=1, character=0), end=types.Position(line=2, character=0))
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(range=gone, text="")]))
        edited = "".join(source.splitlines(keepends=True)[:1] + source.splitlines(keepends=True)[2:])
        typo_line = next(n for n, line in enumerate(edited.splitlines()) if "apend" in line or "issupserset" in line)
        answer = await client.protocol.send_request_async(
            "hushcode/nextEdit", {"textDocument": {"uri": uri}, "position": {"line": typo_line - 1, "character": 8}})
        edits = [lsp._plain(edit) for edit in (answer["edits"] if isinstance(answer, dict) else answer.edits)]
        result = apply(edited, edits)
        assert fixed in result and result.count("\n") == edited.count("\n"), (edits, result)
        compile(result, "typo.py", "exec")
