"""Random but well-formed LSP sessions for the protocol fuzz test, checked against ModelDocument.

One sequence: up to 30 messages over up to three documents: didOpen, didChange (incremental,
full, several changes in one message, versions in and out of order), didClose, a reopen,
inlineCompletion and completion requests at any position (valid, at and past a line's end,
past the document's end, inside a surrogate pair or a UTF-8 sequence), $/cancelRequest of a
request in flight or already answered, and hushcode/getStatus. Texts mix surrogate pairs,
combining characters, ZWJ sequences, every kind of line break and characters that are *not*
LSP line breaks (form feed, U+0085, U+2028), empty documents and, now and then, a 1 MB line.

After the sequence: every request has its answer (a result, or RequestCancelled), the
server's copy of every document equals the model's, nothing was logged as an error, and
the server is alive.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from tests.reliability.model import ModelDocument
from tests.reliability.rpc import RawServer

PIECES = ["a", "x", "_", " ", "    ", "\t", "def f(a):", "return", "(", ")", "{", "}", ":", "#", "'", '"',
          "\n", "\n", "\r\n", "\r", "é", "中", "😀", "𝔸", "e\u0301", "a\u0308\u0301", "👨\u200d👩\u200d👧",
          "\x0c", "\x0b", "\x85", "\u2028", "\u2029", "\x1c", "\ufeff", "<|endoftext|>"]
NAMES = ["main.py", "my%20file.py", "caf%C3%A9.js", "notes.txt", "lib.rs"]
LANGUAGES = {"py": "python", "js": "javascript", "txt": "plaintext", "rs": "rust"}
CANCELLED = -32800

pieces_text = st.lists(st.sampled_from(PIECES), max_size=24).map("".join)
unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=16)
small_text = st.one_of(pieces_text, pieces_text, unicode_text)


def big_text(kind: str) -> str:
    """A document with a 1 MB line (a million code points)."""
    if kind == "ascii":
        return "data = '" + "a" * 1_000_000 + "'\ndef f():\n    "
    return "s = '" + "é😀a中" * 250_000 + "'\n\tx = 1\r\n"


document_text = st.sampled_from([False] * 24 + [True]).flatmap(
    lambda big: st.sampled_from(["ascii", "wide"]).map(big_text) if big else small_text)
OPS = ["open"] * 3 + ["change"] * 6 + ["close", "inline", "inline", "completion", "cancel", "status"]
POSITIONS = ["valid"] * 5 + ["line_end", "past_line_end", "past_line_end_max", "past_end", "inside"]


@dataclass
class Totals:
    """What the fuzz test sent, for the report."""

    sequences: int = 0
    messages: int = 0
    requests: int = 0
    changes: int = 0
    big_documents: int = 0
    cancelled: int = 0


@dataclass
class Sequence:
    server: RawServer
    encoding: str
    base_uri: str
    totals: Totals
    big_lines: bool = True  # now and then a document with a 1 MB line (off for the slow real model)
    docs: dict[str, ModelDocument | None] = field(default_factory=dict)  # None: closed
    requests: list[tuple[Any, str]] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    # -- drawing -----------------------------------------------------------------------
    def position(self, data: st.DataObject, doc: ModelDocument | None) -> dict[str, int]:
        spans = doc.line_spans() if doc is not None else [(0, 0)]
        kind = data.draw(st.sampled_from(POSITIONS), label="position kind")
        line = data.draw(st.integers(0, len(spans) - 1), label="line")
        start, end = spans[line]
        if kind == "past_end":
            return {"line": len(spans) + data.draw(st.integers(0, 3)), "character": data.draw(st.integers(0, 9))}
        if kind == "line_end":
            return {"line": line, "character": end - start}
        if kind == "past_line_end":
            return {"line": line, "character": end - start + data.draw(st.integers(1, 4))}
        if kind == "past_line_end_max":
            return {"line": line, "character": 2**31 - 1}  # LSP's largest uinteger
        at = data.draw(st.integers(start, end), label="unit")
        if kind == "valid" and doc is not None:
            at = doc.boundary(start, at)
        return {"line": line, "character": at - start}

    def uri(self, data: st.DataObject) -> str:
        return f"{self.base_uri}/{data.draw(st.sampled_from(NAMES[:3] + NAMES[3:]), label='name')}"

    # -- messages ----------------------------------------------------------------------
    def step(self, data: st.DataObject) -> None:
        op = data.draw(st.sampled_from(OPS), label="op")
        open_docs = [u for u, d in self.docs.items() if d is not None]
        closed = [u for u in (f"{self.base_uri}/{n}" for n in NAMES) if self.docs.get(u) is None]
        if op == "open" and not closed:
            op = "change"
        if op == "open" or not open_docs and op in ("change", "close"):
            uri = data.draw(st.sampled_from(closed), label="uri")
            self.open(uri, data.draw(document_text if self.big_lines else small_text, label="text"))
        elif op == "change":
            self.change(data, data.draw(st.sampled_from(open_docs), label="uri"))
        elif op == "close":
            uri = data.draw(st.sampled_from(open_docs), label="uri")
            self.server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
            self.docs[uri] = None
        elif op in ("inline", "completion"):
            uri = self.uri(data)
            where = self.position(data, self.docs.get(uri))
            params: dict[str, Any] = {"textDocument": {"uri": uri}, "position": where}
            if op == "inline":
                params["context"] = {"triggerKind": data.draw(st.sampled_from([2, 2, 1]), label="trigger")}
                method = "textDocument/inlineCompletion"
            else:
                method = "textDocument/completion"
            self.requests.append((self.server.request(method, params), method))
            self.totals.requests += 1
        elif op == "cancel":
            ids = [rid for rid, _ in self.requests] + ["never-sent"]
            self.server.notify("$/cancelRequest", {"id": data.draw(st.sampled_from(ids), label="cancel")})
            self.totals.cancelled += 1
        else:
            self.requests.append((self.server.request("hushcode/getStatus", {}), "hushcode/getStatus"))
            self.totals.requests += 1
        self.totals.messages += 1

    def open(self, uri: str, text: str) -> None:
        version = 1
        self.docs[uri] = ModelDocument.of(text, self.encoding, version)
        self.totals.big_documents += len(text) > 500_000
        language = LANGUAGES[uri.rsplit(".", 1)[1]]
        self.server.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": language, "version": version, "text": text}})

    def change(self, data: st.DataObject, uri: str) -> None:
        doc = self.docs[uri]
        assert doc is not None
        # usually the next version; sometimes an older or a repeated one (out of order)
        version = doc.version + data.draw(st.sampled_from([1, 1, 1, 1, 2, 0, -1, -3]), label="version step")
        changes = []
        for _ in range(data.draw(st.integers(1, 3), label="changes")):
            if data.draw(st.sampled_from([False] * 7 + [True]), label="full"):
                text = data.draw(document_text if self.big_lines else small_text, label="full text")
                doc.set_text(text)
                changes.append({"text": text})
                continue
            start, end = self.position(data, doc), self.position(data, doc)
            if (end["line"], end["character"]) < (start["line"], start["character"]):
                start, end = end, start
            text = data.draw(small_text, label="text")
            doc.replace((start["line"], start["character"]), (end["line"], end["character"]), text)
            changes.append({"range": {"start": start, "end": end}, "text": text})
        doc.version = version
        self.totals.changes += len(changes)
        self.server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                      "contentChanges": changes})

    # -- checks ------------------------------------------------------------------------
    def check(self, timeout: float) -> None:
        """Every request answered, every document equal to its model; then close them all."""
        for rid, method in self.requests:
            answer = self.server.wait(rid, timeout)[0]
            if "error" in answer:
                assert answer["error"]["code"] == CANCELLED, (method, answer)
            elif method != "hushcode/getStatus":
                assert isinstance(answer["result"], dict) and isinstance(answer["result"]["items"], list), answer
        for uri, doc in self.docs.items():
            seen = self.server.call("hushcode/debugDocument", {"uri": uri}, timeout)
            if doc is None:
                assert not seen["open"], uri
                continue
            assert seen["open"], uri
            if seen["text"] != doc.text:
                raise AssertionError(f"{uri}: the server's copy differs from the model\n"
                                     f"server: {seen['text'][:300]!r}\nmodel:  {doc.text[:300]!r}")
            assert seen["version"] == doc.version
            self.server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        # a cancelled completion is answered at once, but its handler holds the engine until the engine
        # has stopped (engine/supervisor.py): give that a moment, then nothing may be left half-handled
        deadline = time.monotonic() + 10
        status = self.server.call("hushcode/getStatus", {}, timeout)
        while status["inFlight"] and time.monotonic() < deadline:
            time.sleep(0.1)
            status = self.server.call("hushcode/getStatus", {}, timeout)
        assert status["inFlight"] == 0, status  # nothing left half-handled
        assert self.server.alive()
