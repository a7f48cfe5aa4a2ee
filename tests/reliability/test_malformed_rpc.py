"""Malformed JSON-RPC over the real stdio stream: the server answers with protocol errors where
JSON-RPC and LSP say so, tells the user once, and keeps serving (a valid request right after
each bad message is answered)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.rpc import RawServer

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
SERVER_NOT_INITIALIZED = -32002
URI = "file:///tmp/hushcode-malformed/a.py"


def frame(message: object) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def status_request(msg_id: str) -> dict[str, object]:
    return {"jsonrpc": "2.0", "id": msg_id, "method": "hushcode/getStatus", "params": {}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Iterator[RawServer]:
    server = RawServer(tmp_path_factory.mktemp("malformed"), {
        "HUSHCODE_MODEL": str(tiny_model), "HUSHCODE_TEST_REQUESTS": "1"})
    # before initialize: a request is refused with ServerNotInitialized, a notification dropped
    early = server.request("hushcode/getStatus", {})
    assert server.wait(early)[0]["error"]["code"] == SERVER_NOT_INITIALIZED
    server.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "python", "version": 1,
                                                            "text": "dropped"}})
    server.initialize()
    server.wait_for_state({"ready"})
    assert server.call("hushcode/debugDocument", {"uri": URI}) == {"uri": URI, "open": False}
    try:
        yield server
    finally:
        server.close()


def still_serving(server: RawServer, tag: str) -> None:
    """A valid request right after the bad input gets its normal answer."""
    answer = server.wait(server.request("hushcode/getStatus", {}, msg_id=f"after-{tag}"), 30)[0]
    assert answer["result"]["state"] == "ready", answer


def null_id_errors(server: RawServer) -> list[int]:
    return [r["error"]["code"] for r in server.responses.get(None, [])]


@pytest.mark.parametrize("body,code", [
    (b"{not json", PARSE_ERROR),
    (b'{"jsonrpc": "2.0", "id": 1, "method": ', PARSE_ERROR),  # cut short
    (b"\xff\xfe\x00garbage", PARSE_ERROR),  # not UTF-8
    (b"[]", INVALID_REQUEST),
    (json.dumps([status_request("in-a-batch")]).encode(), INVALID_REQUEST),  # batches are not LSP
    (b"42", INVALID_REQUEST),
    (b'"a string"', INVALID_REQUEST),
    (b"null", INVALID_REQUEST),
    (b'{"jsonrpc": "2.0", "id": {"an": "object"}, "method": "hushcode/getStatus"}', INVALID_REQUEST),
], ids=["bad-json", "truncated-json", "not-utf8", "empty-array", "batch", "number", "string", "null", "object-id"])
def test_unreadable_messages_get_an_error_with_a_null_id(server: RawServer, body: bytes, code: int) -> None:
    before = len(server.responses.get(None, []))
    server.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    still_serving(server, f"null-{body.hex()}")
    assert null_id_errors(server)[before:] == [code]
    assert "in-a-batch" not in server.responses  # the request inside the batch was not run


def test_a_request_without_jsonrpc_or_with_a_bad_method_is_an_invalid_request(server: RawServer) -> None:
    server.send({"id": "no-version", "method": "hushcode/getStatus", "params": {}})
    server.send({"jsonrpc": "1.0", "id": "old-version", "method": "hushcode/getStatus"})
    server.send({"jsonrpc": "2.0", "id": "number-method", "method": 5})
    for msg_id in ("no-version", "old-version", "number-method"):
        assert server.wait(msg_id)[0]["error"]["code"] == INVALID_REQUEST
    still_serving(server, "invalid-request")


def test_unknown_methods(server: RawServer) -> None:
    answer = server.wait(server.request("hushcode/noSuchThing", {"x": 1}))[0]
    assert answer["error"]["code"] == METHOD_NOT_FOUND
    answer = server.wait(server.request("$/noSuchThing", None))[0]
    assert answer["error"]["code"] == METHOD_NOT_FOUND
    server.notify("hushcode/noSuchNotification", {"x": 1})  # ignored: no answer, no error
    server.notify("$/noSuchNotification", {})
    still_serving(server, "unknown")


def test_wrong_param_types_are_invalid_params(server: RawServer) -> None:
    bad = {
        "position-string": {"textDocument": {"uri": URI}, "position": "here",
                            "context": {"triggerKind": 1}},
        "negative-line": {"textDocument": {"uri": URI}, "position": {"line": -1, "character": 0},
                          "context": {"triggerKind": 1}},
        "no-document": {"position": {"line": 0, "character": 0}, "context": {"triggerKind": 1}},
        "params-a-list": [1, 2, 3],
        "params-null": None,
    }
    for tag, params in bad.items():
        answer = server.wait(server.request("textDocument/inlineCompletion", params, msg_id=tag))[0]
        assert answer["error"]["code"] == INVALID_PARAMS, (tag, answer)
        assert "textDocument/inlineCompletion" in answer["error"]["message"]
    answer = server.wait(server.request("textDocument/completion", {"textDocument": 7, "position": {}}))[0]
    assert answer["error"]["code"] == INVALID_PARAMS
    still_serving(server, "params")


def test_a_notification_with_bad_params_is_ignored_and_reported_once(server: RawServer) -> None:
    server.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "python", "version": 1,
                                                            "text": "x = 1\n"}})
    for _ in range(3):
        server.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2},
                                                 "contentChanges": "not a list"})
    server.notify("textDocument/didChange", {"textDocument": {"uri": "file:///never/opened.py", "version": 2},
                                             "contentChanges": [{"text": "y"}]})
    still_serving(server, "notification")
    assert server.call("hushcode/debugDocument", {"uri": URI})["text"] == "x = 1\n"  # unchanged
    warnings = server.messages(kind=2)
    assert sum("textDocument/didChange with invalid parameters" in m for m in warnings) == 1, warnings
    assert any("opened.py without opening it first" in m for m in warnings), warnings
    server.notify("textDocument/didClose", {"textDocument": {"uri": URI}})


def test_a_suggestion_for_a_document_never_opened_is_empty_and_said(server: RawServer) -> None:
    never = "file:///tmp/hushcode-malformed/never-opened.py"
    position = {"line": 0, "character": 0}
    inline = server.call("textDocument/inlineCompletion", {
        "textDocument": {"uri": never}, "position": position, "context": {"triggerKind": 2}})
    assert inline == {"items": []}
    menu = server.call("textDocument/completion", {"textDocument": {"uri": never}, "position": position})
    assert menu["items"] == [], menu
    time.sleep(0.2)
    log = server.log_file.read_text(encoding="utf-8", errors="replace")
    assert "inline completion for never-opened.py, a document the editor has not opened" in log
    assert "completion for never-opened.py, a document" in log.replace("inline completion", "")
    still_serving(server, "never-opened")


def test_a_request_without_params_is_served(server: RawServer) -> None:
    server.send({"jsonrpc": "2.0", "id": "no-params", "method": "hushcode/getStatus"})
    assert server.wait("no-params")[0]["result"]["state"] == "ready"


def test_a_reused_request_id_gets_both_answers(server: RawServer) -> None:
    for _ in range(2):
        server.send(status_request("twice"))
    answers = server.wait("twice", count=2)
    assert [a["result"]["state"] for a in answers] == ["ready", "ready"]
    still_serving(server, "reused")


@pytest.mark.parametrize("tag,prefix", [
    ("lower-case-header", b"content-length:  %d \r\n\r\n"),
    ("extra-headers", b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: %d\r\n\r\n"),
    ("bare-newlines", b"Content-Length: %d\n\n"),
])
def test_header_variants_are_read(server: RawServer, tag: str, prefix: bytes) -> None:
    body = json.dumps(status_request(tag)).encode()
    server.send_raw(prefix % len(body) + body)
    assert server.wait(tag, 30)[0]["result"]["state"] == "ready"


@pytest.mark.parametrize("tag,junk", [
    ("no-header", b"\r\n" + json.dumps(status_request("lost-1")).encode()),
    ("not-a-number", b"Content-Length: many\r\n\r\n" + json.dumps(status_request("lost-2")).encode()),
    ("garbage-line", b"hello there\r\n"),
    ("huge-length", b"Content-Length: 99999999999999\r\n\r\n{}"),
    ("length-too-short", b"Content-Length: 10\r\n\r\n" + json.dumps(status_request("lost-3")).encode()),
])
def test_a_broken_frame_costs_only_itself(server: RawServer, tag: str, junk: bytes) -> None:
    server.send_raw(junk)
    server.send(status_request(tag))
    assert server.wait(tag, 30)[0]["result"]["state"] == "ready"
    assert server.alive()


def test_a_length_too_long_costs_at_most_the_next_message(server: RawServer) -> None:
    short = json.dumps(status_request("long-1")).encode()
    second = frame(status_request("long-2"))
    server.send_raw(b"Content-Length: %d\r\n\r\n" % (len(short) + 25) + short)  # eats into the next frame
    server.send_raw(second)
    server.send(status_request("long-3"))
    assert server.wait("long-3", 30)[0]["result"]["state"] == "ready"


def test_after_shutdown_requests_are_refused_and_exit_is_clean(tmp_path: Path, tiny_model: Path) -> None:
    server = RawServer(tmp_path, {"HUSHCODE_MODEL": str(tiny_model)})
    try:
        server.initialize()
        assert server.wait(server.request("shutdown"))[0].get("result") is None
        late = server.wait(server.request("hushcode/getStatus", {}))[0]
        assert late["error"]["code"] == INVALID_REQUEST
        server.notify("exit")
        assert server.proc.wait(30) == 0
    finally:
        server.close()


def test_the_log_holds_no_traceback(server: RawServer) -> None:
    time.sleep(0.2)
    log = server.log_file.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[log.index("Traceback") - 500:][:3000]
    assert server.alive()
