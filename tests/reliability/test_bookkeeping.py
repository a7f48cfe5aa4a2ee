"""Nothing piles up per message: pygls 2.1 kept the future of every didOpen/didChange/didClose
handler for good (about 2 KB per keystroke); hushcode's protocol forgets them once done."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.rpc import RawServer

URI = "file:///tmp/hushcode-bookkeeping/a.py"


def test_handled_messages_leave_nothing_behind(tmp_path: Path, tiny_model: Path) -> None:
    server = RawServer(tmp_path, {"HUSHCODE_MODEL": str(tiny_model), "HUSHCODE_TEST_REQUESTS": "1",
                                  "HUSHCODE_COMPLETION_MAX_TOKENS": "4", "HUSHCODE_COMPLETION_MAX_LINE_TOKENS": "4"})
    try:
        server.initialize()
        server.wait_for_state({"ready"})
        before = server.call("hushcode/getStatus", {})["protocolPending"]
        ids = []
        for round_ in range(20):
            server.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "python",
                                                                    "version": 1, "text": "def f():\n    "}})
            for i in range(25):
                server.notify("textDocument/didChange", {
                    "textDocument": {"uri": URI, "version": i + 2},
                    "contentChanges": [{"range": {"start": {"line": 1, "character": 4 + i},
                                                  "end": {"line": 1, "character": 4 + i}}, "text": "x"}]})
            ids.append(server.request("textDocument/inlineCompletion", {
                "textDocument": {"uri": URI}, "position": {"line": 1, "character": 29},
                "context": {"triggerKind": 2}}))
            if round_ % 2:
                server.notify("$/cancelRequest", {"id": ids[-1]})
            server.notify("textDocument/didClose", {"textDocument": {"uri": URI}})
        for msg_id in ids:
            server.wait(msg_id, 60)
        after = server.call("hushcode/getStatus", {})
        # 540 notifications and 20 requests handled: only the getStatus being answered is left
        assert after["protocolPending"] <= before <= 1, (before, after["protocolPending"])
        assert after["inFlight"] == 0
    finally:
        server.close()
