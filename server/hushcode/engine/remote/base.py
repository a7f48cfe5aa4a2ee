"""What every remote engine shares: state and health, newest-request-wins, the deadline, early
stop, and the figures. The protocol modules only say how to ask and how to read the answer.

Guarantees (the same as the local engine's, over HTTP):
- one generation at a time per language server; a newer request for the same document closes
  the older one's stream at once (the server stops working for nobody), speculative work yields
  (engine/scheduler.py, shared with the local engine);
- a request never outlives its deadline: the stream is closed and what arrived is returned;
- a server that cannot be reached is reported once (window/showMessage), the state becomes
  "unreachable", completions answer empty at once (no network wait per keystroke), and a
  health probe with backoff brings them back when the server answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import httpx

from hushcode.engine.contracts import EngineState, GenerateRequest, GenerateResult, LoadedModel, Notify
from hushcode.engine.interface import Capabilities, Ranker
from hushcode.engine.remote.http import BadAnswer, Http, Refused, Unreachable, describe
from hushcode.engine.remote.options import RemoteOptions
from hushcode.engine.remote.streaming import StreamStop
from hushcode.engine.remote.tokenizers import LocalVocabTokenizer, Tokenizer, control_texts
from hushcode.engine.remote.vocabulary import ControlTokenInText, Vocabulary
from hushcode.engine.scheduler import Queued, Scheduler

log = logging.getLogger("hushcode.engine.remote")

_TOKENIZE_TIMEOUT_S = 10.0


class RemoteEngine(Queued):
    """A `CompletionEngine` on a server reached over HTTP. Subclasses implement the hooks."""

    kind = "remote"
    pid: int | None = None  # no local process
    text_prompts = False  # True: the server takes text (and parses special tokens in it)

    def __init__(self, options: RemoteOptions, notify: Notify, on_state: Callable[[], None] = lambda: None) -> None:
        self.options = options
        self.url: str | None = options.url.rstrip("/")
        self.http = Http(options.url, options.api_key, options.connect_timeout_s, options.retries)
        self._notify = notify
        self._on_state = on_state
        self.state = EngineState.STOPPED
        self.model: LoadedModel | None = None
        self.last_error: str | None = None
        self.restarts = 0  # times the server came back after being unreachable
        self.generating = False
        self.tokenizer: Tokenizer | None = None
        self.control: dict[int, str] = {}  # control token id -> its spelling
        self.vocab: Vocabulary | None = None
        self.scheduler = Scheduler(lambda job: job.task.cancel())  # cancelling closes the stream now
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._told_unreachable = False
        self._ready = asyncio.Event()
        self._active = 0
        self.network_audit: bool | None = None  # no engine process of ours
        self.max_concurrent = 0  # streams open at once from this server process (1 by design)
        self.counters = {"generations": 0, "completed": 0, "closed_early": 0, "deadline": 0, "failed": 0,
                         "tokens_generated": 0, "unreachable": 0}

    # -- hooks for the protocol modules ----------------------------------------------------
    async def _health(self) -> None:
        """Raise Unreachable, Refused or BadAnswer unless the server can serve now."""
        raise NotImplementedError

    async def _setup(self) -> None:
        """Choose the tokenizer and learn the model (set self.tokenizer, self.model, self.control)."""
        raise NotImplementedError

    async def _body(self, request: GenerateRequest) -> tuple[str, dict[str, Any]]:
        """The path and JSON body of one streamed generation."""
        raise NotImplementedError

    def _read(self, line: str, state: dict[str, Any]) -> tuple[str, dict[str, Any] | None] | None:
        """One line of the stream: (text piece, the final figures at the end of the answer, else
        None); None to skip the line. `state` lives as long as one request."""
        raise NotImplementedError

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def model_path(self) -> str | None:
        """The local GGUF whose vocabulary is in use, if any (the weights are on the server)."""
        return self.tokenizer.model_path if self.tokenizer else None

    @property
    def capabilities(self) -> Capabilities:
        """A shared server answers one text per request and prices prompts on its own hardware."""
        return Capabilities(alternatives=False, ranking=False, prompt_bound=False)

    def start(self) -> None:
        if self._task is None:
            log.info("engine: %s server at %s; the code around the cursor and context from other files "
                     "are sent there with each completion", self.kind, self.url)
            self._set_state(EngineState.LOADING)
            self._task = asyncio.get_running_loop().create_task(self._connect(), name="remote-engine-connect")

    async def wait_ready(self, timeout: float) -> bool:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)
        return self.state is EngineState.READY

    async def _use_local_vocabulary(self, path: str) -> None:
        """Count tokens and find the FIM markers with the vocabulary of a local GGUF (model.path)."""
        local = LocalVocabTokenizer(path, self._notify)
        self.model = await local.start()
        self.control = await control_texts(local, self.model)
        self.tokenizer = local

    async def stop(self) -> None:
        self._stopping = True
        self.scheduler.stop_running()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self.tokenizer is not None:
            await self.tokenizer.close()
        await self.http.close()
        self._set_state(EngineState.STOPPED)

    def _set_state(self, state: EngineState) -> None:
        changed = state is not self.state
        self.state = state
        if state is EngineState.READY:
            self._ready.set()
        else:
            self._ready.clear()
        if changed:
            self._on_state()

    async def _connect(self) -> None:
        """Probe until the server answers, learn its model, then be ready. Backoff 0.5 s doubling
        to `probe_max_s`; one message when it is unreachable, one when it is back."""
        backoff = 0.5
        while not self._stopping:
            try:
                await self._health()
                if self.model is None:
                    await self._setup()
                    assert self.tokenizer is not None and self.model is not None
                    self.vocab = Vocabulary(self.tokenizer, self.control, self.model.bos, self.text_prompts)
            except Refused as exc:
                self.last_error = f"The engine at {self.url} cannot be used: {exc}"
                self._set_state(EngineState.FAILED)
                self._notify("error", self.last_error)
                return
            except (Unreachable, BadAnswer) as exc:
                self._mark_unreachable(str(exc))
            else:
                self.last_error = None
                if self._told_unreachable:
                    self._told_unreachable = False
                    self.restarts += 1
                    self._notify("info", f"The engine at {self.url} answers again; completions resumed.")
                log.info("engine ready: %s at %s model=%r template=%s tokenizer=%s", self.kind, self.url,
                         self.model.name if self.model else None,
                         self.model.markers.template if self.model else None,
                         self.tokenizer.name if self.tokenizer else None)
                self._set_state(EngineState.READY)
                return
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.options.probe_max_s)

    def _mark_unreachable(self, reason: str) -> None:
        self.last_error = f"The engine at {self.url} cannot be reached: {reason}"
        if not self._told_unreachable:
            self._told_unreachable = True
            self.counters["unreachable"] += 1
            self._notify("error", f"{self.last_error}. Completions are off until it answers again "
                                  f"(hushcode keeps trying).")
        self._set_state(EngineState.UNREACHABLE)

    def _lost(self, reason: str) -> None:
        """A request failed on the way: probe again (quietly, if the server still answers)."""
        log.warning("engine request to %s failed: %s", self.url, reason)
        if self._stopping or (self._task is not None and not self._task.done()):
            return
        self._task = asyncio.get_running_loop().create_task(self._connect(), name="remote-engine-probe")

    # -- requests --------------------------------------------------------------------------
    async def tokenize(self, texts: list[str], speculative: bool = False) -> list[list[int]] | None:
        vocab = self.vocab
        if self.state is not EngineState.READY or vocab is None:
            return None
        if not speculative:
            self.scheduler.preempt()  # real work first
        try:
            return await asyncio.wait_for(vocab.tokenize(texts), _TOKENIZE_TIMEOUT_S)
        except (TimeoutError, Unreachable) as exc:
            self._lost(str(exc) or "tokenizing timed out")
        except BadAnswer as exc:
            log.warning("tokenize failed: %s", exc)
        except ControlTokenInText:
            log.warning("tokenize: the user's text produced a control token; request dropped")
        return None

    async def generate(self, request: GenerateRequest, ranker: Ranker | None = None) -> GenerateResult | None:
        """One streamed generation (a shared server does not rank: `capabilities.ranking` is False,
        so no ranker is given)."""
        if request.max_tokens <= 0 or self.state is not EngineState.READY:
            return None  # no warm-up on a shared server: it would cost everyone
        return await self.scheduler.run(request.document, request.speculative, lambda job: self._generate(request),
                                        request.waits)

    async def _generate(self, request: GenerateRequest) -> GenerateResult | None:
        """One streamed generation; never raises (failures are logged and give None)."""
        if self.state is not EngineState.READY:
            return None
        self.counters["generations"] += 1
        loop = asyncio.get_running_loop()
        started = loop.time()
        stops = StreamStop(request, started)
        first_piece: float | None = None
        final: dict[str, Any] = {}
        reason: str | None = None
        state: dict[str, Any] = {}
        budget = request.timeout_ms / 1000
        self.generating = False
        self._active += 1
        self.max_concurrent = max(self.max_concurrent, self._active)
        try:
            async with asyncio.timeout(budget):
                path, body = await self._body(request)
                async with self.http.stream(path, body, budget) as response:
                    async for line in response.aiter_lines():
                        read = self._read(line, state) if not final else None
                        if read is None:
                            continue  # after the last chunk: read on to the end, the connection stays reusable
                        piece, end = read
                        if piece:
                            if first_piece is None:
                                first_piece = loop.time()
                            self.generating = True
                            reason = stops.feed(piece, loop.time())
                        if end is not None:
                            final = end or {"reason": "stop"}
                            reason = reason or str(end.get("reason") or "stop")
                        elif reason is not None:
                            self.counters["closed_early"] += 1
                            break  # leaving the block closes the stream: the server stops
                    reason = reason or "stop"
        except TimeoutError:
            reason = "deadline"
            self.counters["deadline"] += 1
            self.counters["closed_early"] += 1
        except asyncio.CancelledError:
            self.counters["closed_early"] += 1
            raise
        except Unreachable as exc:
            self.counters["failed"] += 1
            self._lost(str(exc))
            return None
        except Refused as exc:
            self.counters["failed"] += 1
            self.last_error = f"The engine at {self.url} refused a completion: {exc}"
            self._set_state(EngineState.FAILED)
            self._notify("error", self.last_error)
            return None
        except BadAnswer as exc:
            self.counters["failed"] += 1
            log.warning("engine at %s: %s", self.url, exc)
            return None
        except httpx.TransportError as exc:  # the connection broke mid-answer
            self.counters["failed"] += 1
            self._lost(describe(exc))
            return None
        finally:
            self._active -= 1
            self.generating = False
        ended = loop.time()
        self.counters["completed"] += 1
        self.counters["tokens_generated"] += stops.pieces
        prompt_end = first_piece if first_piece is not None else ended
        reused = int(final.get("cached") or 0)
        return GenerateResult(
            text=stops.text, reason=reason or "stop", prompt_tokens=len(request.tokens), reused=reused,
            evaluated=int(final.get("evaluated") or max(len(request.tokens) - reused, 0)),
            generated=int(final.get("generated") or stops.pieces),
            prompt_ms=round((prompt_end - started) * 1000, 2), gen_ms=round((ended - prompt_end) * 1000, 2),
            control_tokens=self.vocab.count_control(request.tokens) if self.vocab else 0,
            alternatives=(stops.text,),
        )

    async def prompt_text(self, tokens: list[int]) -> str:
        """A token-id prompt as text, for the servers that take only text."""
        assert self.vocab is not None
        return await self.vocab.prompt_text(tokens)

    async def stats(self) -> dict[str, Any] | None:
        return {**self.counters, "superseded": self.scheduler.superseded, "cancelled": self.scheduler.cancelled,
                "retries": self.http.retried, "kind": self.kind, "url": self.url,
                "tokenizer": self.tokenizer.name if self.tokenizer else None, "max_concurrent": self.max_concurrent}
