"""The LSP protocol layer: pygls's LanguageServerProtocol with hushcode's fixes.

- UTF-8 positions whenever the client offers them;
- the open documents kept by documents/store.py (LSP's own edit rules);
- every message checked before pygls sees it (`handle_body`): malformed JSON-RPC is answered
  with the error JSON-RPC and LSP prescribe, and the server keeps serving (see
  docs/reliability.md);
- handler futures forgotten once done (pygls kept one per didChange).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import cattrs
from lsprotocol import types
from pygls.protocol import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
    LanguageServerProtocol,
    lsp_method,
)

from hushcode.documents.store import DocumentStore
from hushcode.lsp.transport import (
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    SERVER_NOT_INITIALIZED,
    check_envelope,
    error_reply,
    is_request,
)

if TYPE_CHECKING:
    from hushcode.lsp.server import HushcodeServer

log = logging.getLogger("hushcode.lsp.protocol")


class HushcodeProtocol(LanguageServerProtocol):
    """pygls's protocol, preferring UTF-8 positions whenever the client offers them, keeping
    documents with LSP's own edit rules (documents/store.py), and answering malformed messages
    with JSON-RPC errors instead of dropping them (see `handle_body`)."""

    _server: HushcodeServer

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> Any:
        general = params.capabilities.general
        if general is not None and general.position_encodings:
            offered = list(general.position_encodings)
            if types.PositionEncodingKind.Utf8 in offered:
                general.position_encodings = [types.PositionEncodingKind.Utf8] + [
                    e for e in offered if e != types.PositionEncodingKind.Utf8
                ]
            elif types.PositionEncodingKind.Utf16 in offered:
                # UTF-16 is LSP's mandatory default; prefer it over UTF-32 for predictability.
                general.position_encodings = [types.PositionEncodingKind.Utf16]
        return (yield from self._with_document_store(super().lsp_initialize(params)))

    def _with_document_store(self, inner: Generator[Any, Any, Any]) -> Generator[Any, Any, Any]:
        """Run pygls's initialize, swapping the Workspace it creates (before it first yields, to
        call our own initialize handler) for a DocumentStore."""
        value = None
        while True:
            try:
                step = inner.send(value)
            except StopIteration as done:
                self._adopt_store()
                return done.value
            self._adopt_store()
            value = yield step

    def _adopt_store(self) -> None:
        if self._workspace is not None and not isinstance(self._workspace, DocumentStore):
            self._workspace = DocumentStore.replacing(self._workspace, self._server._text_document_sync_kind)

    def _execute_handler(self, msg_id: Any, handler: Any, callback: Any, args: Any = None,
                         kwargs: Any = None) -> None:
        """pygls's, plus: forget the handler's future once it is done. pygls files the future of
        every generator or async handler under its id and removes it only when it answers a
        client's request, so each didOpen/didChange/didClose (generators inside pygls) left one
        behind for good: about 2 KB per keystroke. The entry goes on the event loop's next turn:
        a generator's future calls back at once, from whatever cancels it, and pygls's shutdown
        cancels the pending ones while it walks the table."""
        super()._execute_handler(msg_id, handler, callback, args, kwargs)
        future = self._request_futures.get(msg_id)
        if future is not None:
            loop = asyncio.get_running_loop()

            def forget(done: Any) -> None:
                if self._request_futures.get(msg_id) is done:
                    del self._request_futures[msg_id]

            def later(done: Any) -> None:
                with contextlib.suppress(RuntimeError):  # the loop has closed: nothing is left to forget
                    loop.call_soon_threadsafe(forget, done)

            future.add_done_callback(later)

    # -- malformed input ---------------------------------------------------------------------
    def handle_body(self, body: bytes) -> None:
        """Parse one message body and handle it; answer what is malformed as JSON-RPC says:
        not JSON -> Parse error (id null); not a request/notification/response -> Invalid
        Request; a request whose params do not fit its method -> Invalid params; a request before
        initialize -> ServerNotInitialized, after shutdown -> Invalid Request. An unknown method
        gets MethodNotFound (pygls); an unknown notification is ignored."""
        try:
            data = json.loads(body)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            self._server.report_bad_input("json", f"the editor sent a message that is not JSON ({exc})")
            self._send_data(error_reply(None, PARSE_ERROR, f"Parse error: {exc}"))
            return
        problem = check_envelope(data)
        if problem is not None:
            self._server.report_bad_input("envelope", f"the editor sent an invalid JSON-RPC message: {problem}")
            if not (isinstance(data, dict) and "method" not in data and "id" in data):  # never answer a response
                self._send_data(error_reply(data.get("id") if isinstance(data, dict) else None,
                                            INVALID_REQUEST, f"Invalid Request: {problem}"))
            return
        method = data.get("method")
        if method is not None and method != "exit" and (self._shutdown or self._workspace is None
                                                         and method != "initialize"):
            # LSP: before initialize a request gets ServerNotInitialized, after shutdown InvalidRequest;
            # notifications are dropped
            if is_request(data):
                code, why = ((INVALID_REQUEST, "the server is shutting down") if self._shutdown
                             else (SERVER_NOT_INITIALIZED, "the server is not initialized yet"))
                self._send_data(error_reply(data["id"], code, f"{method}: {why}"))
            return
        if "method" in data and "params" not in data:
            data["params"] = None  # JSON-RPC lets a client leave params out; pygls's fallback types require them
        try:
            message = self.structure_message(data)
        except Exception as exc:  # noqa: BLE001 - cattrs raises many kinds; each becomes Invalid params
            self._invalid_params(data, exc)
            return
        self.handle_message(message)

    def structure_message(self, data: dict[str, Any]) -> Any:
        """pygls's structure_message, minus its traceback in the log: a message that does not fit
        its method's types raises here, and `handle_body` answers it (Invalid params)."""
        if "jsonrpc" not in data:
            return data
        method = data.get("method")
        if method is not None:
            fallback = JsonRPCRequestMessage if "id" in data else JsonRPCNotification
            return self._converter.structure(data, self.get_message_type(method) or fallback)
        if "error" in data:
            return self._converter.structure(data, types.ResponseErrorMessage)
        response_type = self._result_types.pop(data["id"], None) or JsonRPCResponseMessage
        return self._converter.structure(data, response_type)

    def _invalid_params(self, data: dict[str, Any], exc: Exception) -> None:
        cause = exc.__cause__ if exc.__cause__ is not None else exc
        try:
            details = "; ".join(cattrs.transform_error(cause)[:3])
        except Exception:  # noqa: BLE001 - not a cattrs error: describe it plainly
            details = str(cause) or type(cause).__name__
        method = data.get("method")
        if is_request(data):
            log.warning("invalid params for request %s (%s): %s", data["id"], method, details)
            self._send_data(error_reply(data["id"], INVALID_PARAMS, f"Invalid params for {method}: {details}"))
        elif method is not None:
            self._server.report_bad_input(f"params:{method}", f"the editor sent {method} with invalid "
                                                              f"parameters, which were ignored: {details}")
        else:
            log.warning("could not read a response from the editor: %s", details)
