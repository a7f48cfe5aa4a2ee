"""hushcode/debugDocument: the server's own copy of an open document, for tests.

Registered only when the server's environment has HUSHCODE_TEST_REQUESTS=1 (the protocol fuzz
test compares it with a reference model of every document); an ordinary server answers the
method with MethodNotFound. The copy is the snapshot a completion request would see.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer

DEBUG_DOCUMENT = "hushcode/debugDocument"
TEST_REQUESTS_ENV = "HUSHCODE_TEST_REQUESTS"


def register(server: HushcodeServer) -> None:
    if os.environ.get(TEST_REQUESTS_ENV) != "1":
        return

    @server.feature(DEBUG_DOCUMENT)
    def debug_document(ls: HushcodeServer, params: Any) -> dict[str, Any]:
        uri = params.get("uri") if isinstance(params, dict) else getattr(params, "uri", None)
        if not isinstance(uri, str):
            return {"uri": uri, "open": False}  # not a document; tests only, so no error dance
        snapshot = ls.snapshot(uri)
        if snapshot is None:
            return {"uri": uri, "open": False}
        return {"uri": uri, "open": True, "version": snapshot.version, "text": snapshot.text,
                "languageId": snapshot.language_id, "positionEncoding": ls.position_encoding}
