"""The server's copies of the open documents: pygls's workspace, with LSP's own edit rules.

pygls keeps the open documents; these subclasses only change how an incremental change is
applied (see edits.py for what pygls 2.1 gets wrong) and make a change to a document that
was never opened a logged no-op instead of an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from hushcode.documents.edits import apply_change, split_lines

log = logging.getLogger("hushcode.documents")


def _encoding_name(encoding: Any) -> str:
    value = getattr(encoding, "value", encoding)
    return str(value) if value else "utf-16"


class SyncedDocument(TextDocument):
    """A pygls TextDocument whose incremental changes follow LSP's rules exactly."""

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        r = change.range
        self._source = apply_change(self.source, (r.start.line, r.start.character),
                                    (r.end.line, r.end.character), change.text,
                                    _encoding_name(self.position_codec.encoding))

    @property
    def lines(self) -> Sequence[str]:
        return tuple(split_lines(self.source))


class DocumentStore(Workspace):
    """pygls's Workspace, creating SyncedDocuments."""

    @classmethod
    def replacing(cls, old: Workspace, sync_kind: types.TextDocumentSyncKind) -> DocumentStore:
        """A store with the same root, folders and position encoding as pygls's fresh workspace."""
        return cls(old.root_uri, sync_kind, list(old.folders.values()), old.position_encoding)

    def _create_text_document(self, doc_uri: str, source: str | None = None, version: int | None = None,
                              language_id: str | None = None) -> TextDocument:
        return SyncedDocument(doc_uri, source=source, version=version, language_id=language_id,
                              sync_kind=self._sync_kind, position_codec=self.position_codec)

    def lookup(self, uri: str) -> TextDocument | None:
        """The open document for `uri` as the client wrote it (pygls keys documents by the
        percent-decoded URI: "my%20file.py" and "my file.py" are the same document)."""
        document: TextDocument | None = self.text_documents.get(unquote(uri))
        return document

    def update_text_document(self, text_doc: types.VersionedTextDocumentIdentifier,
                             change: types.TextDocumentContentChangeEvent) -> None:
        if self.lookup(text_doc.uri) is None:
            log.debug("didChange for a document that is not open: ignored")
            return
        super().update_text_document(text_doc, change)
