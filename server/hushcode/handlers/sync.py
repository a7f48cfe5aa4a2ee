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
        if snapshot is not None and ls.context is not None:
            ls.context.opened(snapshot.uri, snapshot.text)
        if snapshot is not None and ls.is_engine_ready():
            ls.run_task(ls.completions.warm(snapshot), "warm-up")

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: HushcodeServer, params: types.DidChangeTextDocumentParams) -> None:
        if ls.document(params.text_document.uri) is None:
            name = params.text_document.uri.rsplit("/", 1)[-1]
            ls.report_bad_input("unopened", f"the editor changed {name} without opening it first; the change "
                                            f"was ignored")
            return
        if ls.context is not None:  # the buffer wins over the file on disk; edits feed retrieval
            snapshot = ls.snapshot(params.text_document.uri)
            if snapshot is not None:
                ls.context.changed(snapshot.uri, snapshot.text)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: HushcodeServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.completions.forget(params.text_document.uri)
        if ls.context is not None:
            ls.context.closed(params.text_document.uri)
