"""hushcode/nextEdit: a rewrite of the code near the cursor, learned from the recent edits, as
text edits (docs/protocol.md). Params as textDocument/inlineCompletion's (`textDocument`,
`position`); the answer is `{"edits": [{"range": ..., "newText": ...}]}`, empty when nothing."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from hushcode.documents.positions import position_of, resolve_position
from hushcode.nextedit.edit import Edit

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer

NEXT_EDIT = "hushcode/nextEdit"
ASK_AGAIN_REASON = "nextEdit"  # a next edit that inserts at the cursor waits as an inline suggestion
_ids = itertools.count(1)


def _field(value: Any, name: str) -> Any:
    """`value[name]` or `value.name` (pygls hands a custom method's params as named tuples)."""
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


def _params(params: Any) -> tuple[str, int, int] | None:
    """(uri, line, character) from the params, or None when they are malformed."""
    uri = _field(_field(params, "textDocument"), "uri")
    position = _field(params, "position")
    line, character = _field(position, "line"), _field(position, "character")
    if not isinstance(uri, str) or not isinstance(line, int) or not isinstance(character, int):
        return None
    return uri, line, character


def _position(text: str, offset: int, encoding: str) -> dict[str, int]:
    line, character = position_of(text, offset, encoding)
    return {"line": line, "character": character}


def _at_cursor(edits: list[Edit], offset: int) -> str | None:
    """The text of the one edit when it only inserts at the cursor, else None."""
    if len(edits) == 1 and edits[0].start == edits[0].end == offset and edits[0].text.strip():
        return edits[0].text
    return None


def register(server: HushcodeServer) -> None:
    @server.feature(NEXT_EDIT)
    async def next_edit(ls: HushcodeServer, params: Any) -> dict[str, Any]:
        nothing: dict[str, Any] = {"edits": []}
        parsed = _params(params)
        if parsed is None:
            ls.report_bad_input("params", "hushcode/nextEdit needs textDocument.uri and position; answered "
                                          "with no edits")
            return nothing
        uri, line, character = parsed
        snapshot = ls.snapshot(uri)
        if snapshot is None:
            ls.unknown_document(uri, "next edit")
            return nothing
        if not ls.session.settings.completion.enabled:
            return nothing
        encoding = ls.position_encoding
        settings = ls.session.settings.completion
        edits = await ls.session.next_edits.suggest(snapshot, line, character, encoding, ls.session.engine,
                                                     f"n{next(_ids)}", settings.timeout_ms,
                                                     settings.next_edit_min_confidence)
        text = snapshot.text
        cursor = resolve_position(text, line, character, encoding)
        if cursor is not None and (insertion := _at_cursor(edits, cursor.offset)) is not None:
            # an insertion at the cursor is an inline suggestion too: the editor's own ghost text,
            # accepted as any suggestion (the client asks again, answered from the cache)
            ls.session.completions.offer(uri, text[:cursor.offset], text[cursor.offset:cursor.line_end], insertion,
                                         ASK_AGAIN_REASON)
        return {"edits": [{"range": {"start": _position(text, e.start, encoding),
                                     "end": _position(text, e.end, encoding)},
                           "newText": e.text} for e in edits]}
