"""textDocument/completion: the same suggestion as one item, for editors without inline support.

The item replaces the word being typed (so the editor's own filtering keeps it), and the
list is marked incomplete so the editor asks again as the user types.
"""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING

from lsprotocol import types

from hushcode.documents.positions import position_of, resolve_position

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer

_ids = itertools.count(1)
_WORD_TAIL = re.compile(r"\w*$")


def _end(text: str, offset: int, encoding: str) -> types.Position:
    line, character = position_of(text, offset, encoding)
    return types.Position(line=line, character=character)


def register(server: HushcodeServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(resolve_provider=False))
    async def completion(ls: HushcodeServer, params: types.CompletionParams) -> types.CompletionList:
        empty = types.CompletionList(is_incomplete=True, items=[])
        snapshot = ls.snapshot(params.text_document.uri)
        if snapshot is None:
            ls.unknown_document(params.text_document.uri, "completion")
            return empty
        encoding = ls.position_encoding
        line, character = params.position.line, params.position.character
        suggestion = await ls.session.completions.suggest(snapshot, line, character, encoding, f"c{next(_ids)}")
        ls.send_status()
        cursor = resolve_position(snapshot.text, line, character, encoding)
        if suggestion is None or cursor is None:
            return empty
        match = _WORD_TAIL.search(snapshot.text, cursor.line_start, cursor.offset)
        word = match.group(0) if match else ""
        start_line, start_char = position_of(snapshot.text, cursor.offset - len(word), encoding)
        new_text = word + suggestion.text
        label = new_text.strip().split("\n", 1)[0][:80] or new_text[:80]
        item = types.CompletionItem(
            label=label,
            kind=types.CompletionItemKind.Text,
            detail="hushcode",
            documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=f"```\n{new_text}\n```"),
            filter_text=new_text,
            sort_text="0",
            text_edit=types.TextEdit(
                range=types.Range(start=types.Position(line=start_line, character=start_char),
                                  end=_end(snapshot.text, cursor.offset + suggestion.replace_end, encoding)),
                new_text=new_text,
            ),
            insert_text_format=types.InsertTextFormat.PlainText,
        )
        return types.CompletionList(is_incomplete=True, items=[item])
