"""textDocument/inlineCompletion (LSP 3.18): ghost text at the cursor."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from lsprotocol import types

from hushcode.documents.positions import position_of, resolve_position

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer

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
            ls.unknown_document(params.text_document.uri, "inline completion")
            return empty
        invoked = params.context.trigger_kind == types.InlineCompletionTriggerKind.Invoked
        # A manual trigger (e.g. Alt+\\ in VS Code) gets alternatives to cycle through.
        count = ls.session.settings.completion.alternatives if invoked else 1
        encoding = ls.position_encoding
        # typing (not a manual trigger): the next suggestion is prepared "as if accepted"
        found = await ls.session.completions.suggest_all(
            snapshot, params.position.line, params.position.character, encoding, f"i{next(_ids)}", count,
            speculate=not invoked)
        ls.send_status()
        cursor = resolve_position(snapshot.text, params.position.line, params.position.character, encoding)
        if not found or cursor is None:
            return empty
        items = []
        for suggestion in found:
            # replace auto-closed brackets right of the cursor instead of doubling them
            line, character = position_of(snapshot.text, cursor.offset + suggestion.replace_end, encoding)
            here = types.Range(start=params.position, end=types.Position(line=line, character=character))
            items.append(types.InlineCompletionItem(insert_text=suggestion.text, range=here))
        return types.InlineCompletionList(items=items)
