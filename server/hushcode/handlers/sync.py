"""didOpen: warm the KV cache for the new document; didClose: forget per-document state.
(The text itself is kept in sync by pygls's workspace with documents/store.py's edit rules.)"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer


def register(server: HushcodeServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: HushcodeServer, params: types.DidOpenTextDocumentParams) -> None:
        snapshot = ls.snapshot(params.text_document.uri)
        if snapshot is not None:
            ls.session.opened(snapshot)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: HushcodeServer, params: types.DidChangeTextDocumentParams) -> None:
        snapshot = ls.snapshot(params.text_document.uri)
        if snapshot is None:
            name = params.text_document.uri.rsplit("/", 1)[-1]
            ls.report_bad_input("unopened", f"the editor changed {name} without opening it first; the change "
                                            f"was ignored")
            return
        ls.session.changed(snapshot)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: HushcodeServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.session.closed(params.text_document.uri)
