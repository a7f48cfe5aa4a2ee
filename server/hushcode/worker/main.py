"""The engine process: `python -m hushcode.worker.main`.

It owns one llama.cpp model and context, reads requests on stdin and answers on a
private copy of stdout (the messages: engine/wire.py). A crash in here (an assert, a segfault,
the OOM killer) ends only this process; the server notices and restarts it.

Threads: a reader thread parses requests and sets the stop flag of the running
generation at once on `cancel`; the main thread runs requests one at a time, so two
generations can never share the context. Loading is worker/loader.py, one generation
worker/generate.py.
"""

from __future__ import annotations

import collections
import ctypes
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, BinaryIO

from hushcode import netguard
from hushcode.engine import wire
from hushcode.engine.wire import decode, encode
from hushcode.worker import generate, loader
from hushcode.worker.candidates import DecoderCandidates


class Channel:
    """The private protocol stream (a dup of the original stdout)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, event: wire.Event) -> None:
        with self._lock:
            self._stream.write(encode(event))
            self._stream.flush()


class Engine:
    """The loaded model, and what the reader thread and the main thread share about the running
    generation (its id, its stop flag, the ids cancelled before they ran)."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.model: loader.Model | None = None
        self.current_id: int | None = None
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()  # guards current_id and cancelled_ids between the two threads
        self.model_lock = threading.Lock()  # held while a model loads; tokenizing on the reader needs it
        self.cancelled_ids: collections.deque[int] = collections.deque(maxlen=256)
        # a ranked generation whose prompt the server is still asking about (its id, its candidates):
        # it stays the running one (a cancel of its id stops the questions) until wire.EndRanking
        self.ranking: tuple[int, DecoderCandidates] | None = None
        self.active = 0
        self.timeline: collections.deque[tuple[int, float, float]] = collections.deque(maxlen=1000)
        self.stats = {"generations": 0, "max_concurrent": 0, "cancelled": 0, "tokens_generated": 0,
                      "prompt_tokens_evaluated": 0, "prompt_tokens_reused": 0}

    @property
    def llm(self) -> Any:
        """llama.cpp's model (None until one is loaded)."""
        return self.model.llm if self.model is not None else None

    def load(self, request: wire.Load) -> None:
        self.end_ranking(None)
        with self.model_lock:  # a tokenize request on the reader thread waits in the queue meanwhile
            self.model = None
            try:
                self.model, answer = loader.load(request)
            except Exception as exc:  # noqa: BLE001 -- whatever stops a load is reported: the server must never wait
                answer = wire.LoadFailed("unloadable", f"{type(exc).__name__}: {exc}")
            self.channel.send(answer)

    def tokenize_now(self, request: wire.Tokenize) -> bool:
        """Answer a tokenize request on the reader thread, at once, even while a generation
        runs: the vocabulary is read-only (llama.cpp releases the GIL in both), and a keystroke's
        prompt must not wait behind a generation that its own cancel is still stopping. False
        while no model is ready (a load in progress): the request then waits in the queue."""
        if not self.model_lock.acquire(blocking=False):
            return False
        try:
            if self.model is None:
                return False
            try:
                self.tokenize(request)
            except Exception as exc:  # noqa: BLE001 - a bad request must not kill the reader
                self.channel.send(wire.Error(request.id, f"{type(exc).__name__}: {exc}"))
            return True
        finally:
            self.model_lock.release()

    def tokenize(self, request: wire.Tokenize) -> None:
        model = self._loaded()
        self.channel.send(wire.Tokens(request.id, tuple(tuple(model.tokenize(text)) for text in request.texts)))

    def detokenize(self, request: wire.Detokenize) -> None:
        # control tokens come back as their text (a remote engine's text prompt)
        model = self._loaded()
        self.channel.send(wire.Texts(request.id, tuple(model.detokenize(ids) for ids in request.tokens)))

    def cancel(self, request: wire.Cancel) -> None:
        """On the reader thread: stop the running generation now, or skip it when it comes."""
        with self.lock:
            self.cancelled_ids.append(request.id)
            if request.id == self.current_id:
                self.stop_flag.set()

    def generate(self, request: wire.Generate) -> None:
        self.end_ranking(None)
        with self.lock:
            skip = request.id in self.cancelled_ids
            if not skip:
                self.current_id = request.id
                self.stop_flag.clear()
        if skip:
            self.channel.send(wire.Done(id=request.id, text="", alternatives=("",), reason="cancelled",
                                   prompt_tokens=len(request.tokens), reused=0, evaluated=0, generated=0,
                                   prompt_ms=0, gen_ms=0, control_tokens=0))
            return
        candidates = None
        try:
            candidates = self._generate(request)
        finally:
            if candidates is not None:
                self.ranking = (request.id, candidates)
            else:
                with self.lock:
                    self.current_id = None

    def _generate(self, request: wire.Generate) -> DecoderCandidates | None:
        self.active += 1
        self.stats["max_concurrent"] = max(self.stats["max_concurrent"], self.active)
        self.stats["generations"] += 1
        started = time.monotonic()
        try:
            done, candidates = generate.generate(self._loaded(), request, self.stop_flag.is_set, self.channel.send)
        finally:
            self.active -= 1
            self.timeline.append((request.id, started, time.monotonic()))
        self.stats["prompt_tokens_evaluated"] += done.evaluated
        self.stats["prompt_tokens_reused"] += done.reused
        self.stats["cancelled"] += 1 if done.reason == "cancelled" else 0
        self.stats["tokens_generated"] += done.generated
        self.channel.send(done)
        return candidates

    def candidate(self, request: wire.Candidate) -> None:
        """Lines for the ranking of `request.session` (worker/candidates.py); none once it is over."""
        candidates = self._ranking(request.session)
        if candidates is None:
            lines = wire.CandidateLines(texts=None, generated=0, reason="cancelled", id=request.id)
        else:
            found = (candidates.left_to_right() if request.way == "left_to_right"
                     else candidates.from_start(request.start, request.values) if request.way == "start"
                     else candidates.from_first(request.token))
            self.stats["tokens_generated"] += found.generated
            lines = wire.CandidateLines(texts=found.texts, generated=found.generated, reason=found.reason, id=request.id)
        self.channel.send(lines)

    def score(self, request: wire.Score) -> None:
        """A candidate's score for the ranking of `request.session`."""
        candidates = self._ranking(request.session)
        if candidates is None:
            self.channel.send(wire.Scored(score=None, reason="cancelled", id=request.id))
            return
        floor = float("-inf") if request.floor is None else request.floor
        scoring = candidates.score(request.text, request.end_of_text, floor)
        self.channel.send(wire.Scored(score=scoring.score, reason=scoring.reason, id=request.id))

    def end_ranking(self, request: wire.EndRanking | None) -> None:
        """The server's questions about a ranked generation are over (None: whichever is open)."""
        if self.ranking is not None and (request is None or request.session == self.ranking[0]):
            self.ranking = None
            with self.lock:
                self.current_id = None

    def _ranking(self, session: int) -> DecoderCandidates | None:
        return self.ranking[1] if self.ranking is not None and self.ranking[0] == session else None

    def handle(self, request: wire.Request) -> None:
        """Run one queued request (a model is loaded)."""
        handlers: dict[type, Callable[[Any], None]] = {
            wire.Tokenize: self.tokenize, wire.Detokenize: self.detokenize, wire.Generate: self.generate,
            wire.Candidate: self.candidate, wire.Score: self.score, wire.EndRanking: self.end_ranking,
            wire.GetStats: self.report}
        handler = handlers.get(type(request))
        if handler is not None:
            handler(request)

    def report(self, request: wire.GetStats) -> None:
        self.channel.send(wire.Stats(request.id, dict(self.stats), tuple(self.timeline), self.active))

    def _loaded(self) -> loader.Model:
        if self.model is None:
            raise RuntimeError("no model loaded")
        return self.model


def _reader(stdin: BinaryIO, inbox: queue.Queue[wire.Request | None], engine: Engine) -> None:
    """Parse requests; a cancel takes effect at once, and so does a tokenize once the model is
    loaded; everything else is queued.

    Tokenizing here, not behind a running generation, matters while the user types: the newer
    request must reach `generate` (where the server cancels the obsolete generation of its
    document) without waiting for that generation to end. llama.cpp's tokenizer only reads the
    vocabulary, so it can run beside a decode (llama-server tokenizes in its HTTP threads too).
    """
    for line in stdin:
        try:
            message = decode(line)
        except ValueError:
            continue
        if isinstance(message, wire.Tokenize) and engine.tokenize_now(message):
            continue
        if isinstance(message, wire.Cancel):
            engine.cancel(message)
        elif isinstance(message, wire.Request):
            inbox.put(message)
    inbox.put(None)  # the server closed the pipe: exit


def _serve(engine: Engine, inbox: queue.Queue[wire.Request | None]) -> None:
    """Run the queued requests, one at a time, until the server says stop or closes the pipe."""
    while (request := inbox.get()) is not None and not isinstance(request, wire.Shutdown):
        request_id = None if isinstance(request, wire.Load | wire.EndRanking) else request.id
        try:
            if isinstance(request, wire.Load):
                engine.load(request)
            elif engine.model is None:
                engine.channel.send(wire.Error(request_id, "no model loaded"))
            else:
                engine.handle(request)
        except Exception as exc:  # noqa: BLE001 -- a bad request must not kill the engine
            engine.channel.send(wire.Error(request_id, f"{type(exc).__name__}: {exc}"))


def _die_with_the_server() -> None:
    """Linux: end this process when the server dies, even by SIGKILL, instead of finishing a
    generation nobody will read."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main() -> int:
    """Run the engine until the server closes the pipe."""
    netguard.install_if_requested("the engine")  # inherited from the server's environment
    _die_with_the_server()
    # 1. Keep the protocol on a private copy of stdout, and point fd 1 at stderr, so a
    #    native library that prints (or redirects fd 1 while loading) cannot corrupt it.
    #    llama_cpp is imported only after this, by the first load (worker/loader.py).
    channel = Channel(os.fdopen(os.dup(1), "wb", buffering=0))
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    engine = Engine(channel)
    inbox: queue.Queue[wire.Request | None] = queue.Queue()
    threading.Thread(target=_reader, args=(sys.stdin.buffer, inbox, engine), daemon=True).start()
    _serve(engine, inbox)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    # Exit without interpreter finalization: the reader thread is blocked in a read of stdin,
    # and finalizing while it holds the buffer's lock aborts the process ("could not acquire lock").
    os._exit(code)
