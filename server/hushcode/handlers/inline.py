"""textDocument/inlineCompletion (LSP 3.18): ghost text at the cursor."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from lsprotocol import types

from hushcode.documents.positions import position_of, resolve_position

if TYPE_CHECKING:
    from hushcode.server import HushcodeServer

_ids = itertools.count(1)


def register(server: HushcodeServer) -> None:
    # pygls advertises inlineCompletionProvider only when options are given.
    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(
        ls: HushcodeServer, params: types.InlineCompletionParams
    ) -> types.InlineCompletionList:
        empty = types.InlineCompletionList(items=[])
        snapshot = ls.snapshot(params.text_document.uri)
        if snapshot is None:
            return empty
        suggestion = await ls.completions.suggest(
            snapshot, params.position.line, params.position.character, ls.position_encoding, f"i{next(_ids)}"
        )
        ls.send_status()
        if suggestion is None:
            return empty
        end = params.position
        if suggestion.replace_end:  # replace auto-closed brackets right of the cursor instead of doubling them
            cursor = resolve_position(snapshot.text, end.line, end.character, ls.position_encoding)
            assert cursor is not None  # the service resolved it already
            line, character = position_of(snapshot.text, cursor.offset + suggestion.replace_end, ls.position_encoding)
            end = types.Position(line=line, character=character)
        here = types.Range(start=params.position, end=end)
        return types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text=suggestion.text, range=here)])
