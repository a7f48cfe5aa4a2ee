"""hushcode/nextEdit through its handler and service, with a fake engine: the request the engine
gets, the answer's shape (ranges in the client's encoding), and newest-request-wins."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from hushcode.completion.cache import CachedText
from hushcode.completion.service import CompletionService
from hushcode.config.settings import Settings
from hushcode.documents.history import EditHistory
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.contracts import GenerateRequest, GenerateResult
from hushcode.engine.interface import Ranker
from hushcode.handlers import next_edit as handler
from hushcode.nextedit.service import KEY, NextEditService, max_tokens
from tests.unit.fake_engine import FakeLocalEngine

URI = "file:///w/area.py"
BEFORE = 'def area(w, h):\n    s = size(w, 1)\n    t = "é🎉" + size(h, 1)\n    return s + t\n'
# the user replaced an argument of one call: its sibling call is the place it implies, and the
# change does not repeat mechanically there (calls.py, repeat.py): the model fills that line
AFTER = BEFORE.replace("size(w, 1)", "size(w, 10)")
SIBLING = 't = "é🎉" + size(h, 1)'
LINE = 't = "é🎉" + size(h, 10)'  # the sibling as the model fills it (one line)
REWRITE = AFTER.replace(SIBLING, LINE)


class RewritingEngine(FakeLocalEngine):
    """Tokenizes one id per character; answers every generation with `answer` (after `gate`)."""

    def __init__(self, answer: str, reason: str = "stop") -> None:
        super().__init__()
        self.answer, self.reason = answer, reason
        self.requests: list[GenerateRequest] = []
        self.tokenized: list[bool] = []
        self.gate: asyncio.Event | None = None

    async def tokenize(self, texts: list[str], speculative: bool = False) -> list[list[int]]:
        self.tokenized.append(speculative)
        return [[100 + ord(c) for c in text] for text in texts]

    async def generate(self, request: GenerateRequest, ranker: Ranker | None = None) -> GenerateResult:
        self.requests.append(request)
        if self.gate is not None:
            await self.gate.wait()
        return GenerateResult(text=self.answer, reason=self.reason, prompt_tokens=len(request.tokens), reused=0,
                              evaluated=len(request.tokens), generated=10, prompt_ms=0.0, gen_ms=1.0,
                              control_tokens=3)


class FakeServer:
    """What ``register`` and the handler use of the language server."""

    def __init__(self, engine: RewritingEngine | None, text: str | None = AFTER, encoding: str = "utf-16",
                 before: str = BEFORE) -> None:
        self.features: dict[str, Callable[..., Any]] = {}
        history = EditHistory()
        history.opened(URI, before)
        if text is not None:
            history.changed(URI, text, 1.0)
        self.text = text
        completions = CompletionService(Settings(), None)
        self.asked_again: list[tuple[str, str]] = []
        completions.ask_again = lambda uri, reason: self.asked_again.append((uri, reason))
        self.session = SimpleNamespace(engine=engine, settings=Settings(), next_edits=NextEditService(history),
                                       completions=completions)
        self.position_encoding = encoding
        self.unknown: list[str] = []
        self.bad: list[str] = []

    def feature(self, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.features[name] = fn
            return fn
        return register

    def snapshot(self, uri: str) -> DocumentSnapshot | None:
        return DocumentSnapshot(uri=uri, version=2, text=self.text, language_id="python") \
            if uri == URI and self.text is not None else None

    def unknown_document(self, uri: str, request: str) -> None:
        self.unknown.append(request)

    def report_bad_input(self, kind: str, message: str) -> None:
        self.bad.append(kind)


async def ask(server: FakeServer, params: Any) -> dict[str, Any]:
    handler.register(server)  # type: ignore[arg-type]
    answer: dict[str, Any] = await server.features[handler.NEXT_EDIT](server, params)
    return answer


def params(line: int = 0, character: int = 14, uri: str = URI) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


async def test_the_answer_is_the_edits_in_the_clients_encoding() -> None:
    engine = RewritingEngine(LINE + "\n")
    server = FakeServer(engine)
    answer = await ask(server, params())
    # the sibling call, filled as one line; "é🎉" is 3 UTF-16 code units
    assert answer == {"edits": [
        {"range": {"start": {"line": 2, "character": 25}, "end": {"line": 2, "character": 25}}, "newText": "0"},
    ]}
    request, = engine.requests
    assert request.document == URI + KEY and request.speculative and request.stop_at_newline
    assert request.max_tokens == max_tokens(len(SIBLING))  # the line, one token per character here
    assert engine.tokenized == [True]  # tokenizing never pre-empts completions' background work


async def test_an_edit_that_is_not_a_rename_rewrites_the_region() -> None:
    before = "def area(w, h):\n    return w * h\n"
    after = before.replace("w * h", "w * h * 2")
    engine = RewritingEngine(after.replace("area(w, h)", "area(w, h=1)"))
    server = FakeServer(engine, text=after, before=before)
    answer = await ask(server, params(line=1, character=4))
    request, = engine.requests
    assert not request.stop_at_newline and request.max_tokens == max_tokens(len(after))  # the whole region
    assert answer == {"edits": [{"range": {"start": {"line": 0, "character": 13}, "end": {"line": 0, "character": 13}},
                                 "newText": "=1"}]}


async def test_params_as_pygls_hands_them_and_the_utf8_encoding() -> None:
    engine = RewritingEngine(LINE)
    server = FakeServer(engine, encoding="utf-8")
    namespace = SimpleNamespace(textDocument=SimpleNamespace(uri=URI),
                                position=SimpleNamespace(line=2, character=28))  # after the `1`, in UTF-8
    answer = await ask(server, namespace)
    assert [(e["range"]["start"], e["newText"]) for e in answer["edits"]] == [({"line": 2, "character": 28}, "0")]


async def test_an_insertion_at_the_cursor_waits_as_an_inline_suggestion() -> None:
    server = FakeServer(RewritingEngine(LINE))
    at = AFTER.index("(h, 1") + 5  # right after the `1` the model makes `10`: "0" inserts at the cursor
    answer = await ask(server, params(line=2, character=25))
    assert [e["newText"] for e in answer["edits"]] == ["0"]  # the next edit is answered as ever
    line_end = AFTER.index("\n", at)
    completions = server.session.completions
    assert completions.cache.get(URI, AFTER[:at], AFTER[at:line_end]) == [CachedText("0")]
    assert server.asked_again == [(URI, "nextEdit")]
    assert completions.later.asked_again(URI, AFTER[:at], AFTER[at:line_end])  # VS Code's manual re-ask: once


async def test_an_edit_away_from_the_cursor_is_no_inline_suggestion() -> None:
    server = FakeServer(RewritingEngine(LINE))
    answer = await ask(server, params(line=0, character=14))  # the signature: the edit is two lines below
    assert [e["newText"] for e in answer["edits"]] == ["0"]
    assert server.asked_again == []


async def test_nothing_to_suggest() -> None:
    # the model gives the line back unchanged
    server = FakeServer(RewritingEngine(SIBLING))
    assert await ask(server, params()) == {"edits": []}
    # the model was cut short: not the whole line
    server = FakeServer(RewritingEngine(LINE, reason="length"))
    assert await ask(server, params()) == {"edits": []}
    # a line that breaks the parse
    server = FakeServer(RewritingEngine('t = "é🎉" + size(h, 10'))
    assert await ask(server, params()) == {"edits": []}
    # no engine (no model, or still loading)
    server = FakeServer(None)
    assert await ask(server, params()) == {"edits": []}
    # a position past the end of its line
    server = FakeServer(RewritingEngine(LINE))
    assert await ask(server, params(line=0, character=99)) == {"edits": []}
    assert server.session.next_edits.tickets.holds(URI) is False


async def test_unknown_documents_and_malformed_params() -> None:
    server = FakeServer(RewritingEngine(REWRITE))
    assert await ask(server, params(uri="file:///w/other.py")) == {"edits": []}
    assert server.unknown == ["next edit"]
    assert await ask(server, {"position": {"line": 0}}) == {"edits": []}
    assert await ask(server, None) == {"edits": []}
    assert server.bad == ["params", "params"]


async def test_the_newest_request_wins() -> None:
    engine = RewritingEngine(LINE)
    engine.gate = asyncio.Event()
    server = FakeServer(engine)
    handler.register(server)  # type: ignore[arg-type]
    feature = server.features[handler.NEXT_EDIT]
    first = asyncio.ensure_future(feature(server, params()))
    while not engine.requests:
        await asyncio.sleep(0)
    second = asyncio.ensure_future(feature(server, params()))
    await asyncio.sleep(0.01)
    assert first.done() and first.result() == {"edits": []}  # its generation was stopped
    engine.gate.set()
    assert len((await second)["edits"]) == 1
    assert len(engine.requests) == 2


async def test_a_sibling_call_gets_the_same_added_argument_with_no_model_call() -> None:
    before = "def f(a, b, enc):\n    x = load(a)\n    y = load(b)\n    return x, y\n"
    after = before.replace("load(a)", "load(a, enc)")
    engine = RewritingEngine("never asked")
    server = FakeServer(engine, text=after, before=before)
    answer = await ask(server, params(line=2, character=4))
    assert answer == {"edits": [{"range": {"start": {"line": 2, "character": 14}, "end": {"line": 2, "character": 14}},
                                 "newText": ", enc"}]}
    assert engine.requests == []  # made as the user made it, not generated


async def test_a_renamed_parameter_is_renamed_at_its_uses_with_no_model_call() -> None:
    before = 'def area(w, h):\n    s = "é🎉" + w * h  # w is the width\n    return s + w + self.w\n'
    after = before.replace("area(w,", "area(width,")
    engine = RewritingEngine("never asked")
    server = FakeServer(engine, text=after, before=before)
    answer = await ask(server, params(line=0, character=14))
    # both uses in code; not the comment's words, not another object's attribute `self.w`
    assert answer == {"edits": [
        {"range": {"start": {"line": 1, "character": 17}, "end": {"line": 1, "character": 17}}, "newText": "idth"},
        {"range": {"start": {"line": 2, "character": 16}, "end": {"line": 2, "character": 16}}, "newText": "idth"},
    ]}
    assert engine.requests == []
