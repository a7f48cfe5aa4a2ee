"""textDocument/didClose: forget per-document state (pygls itself keeps the text in sync)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from hushcode.server import HushcodeServer


def register(server: HushcodeServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: HushcodeServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.completions.forget(params.text_document.uri)
