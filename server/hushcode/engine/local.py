"""The server's side of the engine: start, talk to, supervise and restart the engine process.

Everything here runs on the server's asyncio loop and never blocks it: the engine is a
child process reached over pipes. Guarantees:
- one generation at a time (an asyncio lock here, and a sequential loop in the engine);
- the newest request for a document wins: an older one waiting is dropped, a running
  one is told to stop;
- a request never waits past its hard deadline: a hung engine is killed and restarted;
- a crash fails the requests in flight (they get empty results), is reported in words,
  and is followed by a restart with backoff; a model that crashes on every load is not
  restarted forever.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import itertools
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from hushcode.engine.contracts import (
    EngineConfig,
    EngineCrashed,
    EngineState,
    GenerateRequest,
    GenerateResult,
    LoadedModel,
    Notify,
    describe_exit,
)
from hushcode.engine.interface import Capabilities
from hushcode.engine.wire import Message, decode, encode
from hushcode.isolation import child_cwd, python_command
from hushcode.prompt.layout import ChatMarkers, RepoMarkers
from hushcode.prompt.templates import FimMarkers
from hushcode.worker import memory

__all__ = ["EngineConfig", "EngineCrashed", "EngineState", "EngineSupervisor", "GenerateRequest",
           "GenerateResult", "LoadedModel", "Notify", "describe_exit"]

log = logging.getLogger("hushcode.engine")

_MAX_LOAD_CRASHES = 3  # consecutive crashes while loading before we give up
_MAX_CRASHES_PER_MINUTE = 5
_HARD_GRACE_S = 5.0  # past a request's own deadline plus this...
_SILENCE_S = 60.0  # ...and this long without a word from the engine, it is considered hung
# The longest message line read from the engine. asyncio's default (64 KiB) is less than the token
# ids of one long line (a minified file: 100,000 characters are about 120 KB of JSON); a line over
# the limit killed the reader, and with nobody reading, the engine blocked on its next write.
_LINE_LIMIT = 256 * 1024 * 1024


class EngineSupervisor:
    """Owns the engine process for one model (a `CompletionEngine`; with `config.vocab_only`, a
    tokenizer only: the isolated vocabulary of a remote engine's model)."""

    kind = "local"
    url: str | None = None

    def __init__(self, config: EngineConfig, notify: Notify, on_state: Callable[[], None] = lambda: None):
        self.config = config
        self._notify = notify
        self._on_state = on_state
        self.state = EngineState.STOPPED
        self.model: LoadedModel | None = None
        self.pid: int | None = None
        self.restarts = 0
        self.last_error: str | None = None
        self.generating = False  # True once the running generation has streamed a token
        self.network_audit: bool | None = None  # the engine's audit hook, as it reported when loaded
        self._proc: asyncio.subprocess.Process | None = None
        self._ids = itertools.count(1)
        self._pending: dict[Any, asyncio.Future[Message]] = {}
        self._loaded: asyncio.Future[Message] | None = None
        self._gen_lock = asyncio.Lock()
        self._latest: dict[str, int] = {}
        self._running: tuple[int, str, bool] | None = None  # (id, document, speculative)
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        self._allocation_failed = False  # the engine said an allocation failed (llama.cpp's stderr)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._hung = False  # set when we kill an engine that stopped answering
        self._unreadable = False  # set when we kill an engine whose message could not be read
        self._last_activity = 0.0  # loop time of the engine's last message
        self._ready = asyncio.Event()
        self.waiting = 0  # generations waiting for the engine (the request queue)
        self.max_waiting = 0

    @property
    def model_path(self) -> str | None:
        return self.config.model_path

    @property
    def capabilities(self) -> Capabilities:
        on_cpu = self.model is not None and (self.model.gpu_layers or 0) == 0
        return Capabilities(alternatives=True, ranking=True, prompt_bound=on_cpu)

    # -- lifecycle -----------------------------------------------------------------
    def start(self) -> None:
        """Start supervising in the background (returns at once)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._supervise(), name="engine-supervisor")
            self._task.add_done_callback(self._supervisor_ended)

    def _supervisor_ended(self, task: asyncio.Task[None]) -> None:
        """A bug in supervision must not leave the server "loading" forever: say so, and log it."""
        if task.cancelled() or task.exception() is None:
            return
        log.error("engine supervision failed", exc_info=task.exception())
        self._fail(f"hushcode's engine supervision failed: {task.exception()!r}. Restart hushcode.")

    async def wait_ready(self, timeout: float) -> bool:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)
        return self.state is EngineState.READY

    async def stop(self) -> None:
        """Stop the engine and the supervisor."""
        self._stopping = True
        proc = self._proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(Exception):
                assert proc.stdin is not None
                proc.stdin.write(encode({"op": "shutdown"}))
                proc.stdin.close()
            try:
                await asyncio.wait_for(proc.wait(), 3)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._set_state(EngineState.STOPPED)

    def _set_state(self, state: EngineState) -> None:
        self.state = state
        if state is EngineState.READY:
            self._ready.set()
        else:
            self._ready.clear()
        self._on_state()

    async def _supervise(self) -> None:
        load_crashes = 0
        crash_times: collections.deque[float] = collections.deque(maxlen=_MAX_CRASHES_PER_MINUTE)
        backoff = 0.5
        loop = asyncio.get_running_loop()
        while not self._stopping:
            outcome = await self._run_once()
            if self._stopping:
                return
            if outcome == "load_failed":
                return  # deterministic: the message was sent, restarting would fail the same way
            if outcome == "crashed_loading":
                load_crashes += 1
                if load_crashes >= _MAX_LOAD_CRASHES:
                    self._fail(f"The engine crashed {load_crashes} times while loading the model "
                               f"{self.config.model_path}; hushcode stopped restarting it. "
                               f"Last error: {self.last_error}")
                    return
            else:
                load_crashes = 0
                crash_times.append(loop.time())
                if len(crash_times) == crash_times.maxlen and loop.time() - crash_times[0] < 60:
                    self._fail(f"The engine crashed {len(crash_times)} times in a minute; hushcode stopped "
                               f"restarting it. Last error: {self.last_error}")
                    return
                backoff = 0.5
            self._set_state(EngineState.RESTARTING)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 8.0)
            self.restarts += 1

    def _fail(self, message: str) -> None:
        self.last_error = message
        self._set_state(EngineState.FAILED)
        self._notify("error", message)

    async def _run_once(self) -> str:
        """Run one engine process until it exits; return how it ended."""
        self._set_state(EngineState.LOADING)
        self._stderr_tail.clear()  # the last words of this process only
        self._allocation_failed = False
        # No gdb backtrace on a GGML_ASSERT: it takes seconds and hides the assertion in the log.
        env = {"GGML_NO_BACKTRACE": "1", **os.environ, **self.config.env}
        try:
            # isolated: nothing in the user's folder (a `types.py`, PYTHONPATH) is imported (isolation.py)
            self._proc = proc = await asyncio.create_subprocess_exec(
                *python_command("hushcode.worker.main"), cwd=child_cwd(),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                env=env, limit=_LINE_LIMIT,
            )
        except OSError as exc:  # no permission to run Python, no memory or processes left, ...
            self._fail(f"hushcode could not start its engine process ({sys.executable}): {exc.strerror or exc}.")
            return "load_failed"
        self.pid = proc.pid
        log.info("engine started pid=%s model=%s", proc.pid, self.config.model_path)
        self._loaded = asyncio.get_running_loop().create_future()
        readers = [asyncio.create_task(self._read_stdout(proc)), asyncio.create_task(self._read_stderr(proc))]
        self._send({"op": "load", "path": self.config.model_path, "n_ctx": self.config.n_ctx,
                    "threads": self.config.threads, "threads_batch": self.config.threads_batch,
                    "gpu_layers": self.config.gpu_layers, "n_batch": self.config.n_batch,
                    "vocab_only": self.config.vocab_only})
        loaded = False
        wait_exit = asyncio.create_task(proc.wait())
        done, _ = await asyncio.wait({self._loaded, wait_exit}, return_when=asyncio.FIRST_COMPLETED)
        if self._loaded in done and not self._loaded.cancelled():
            msg = self._loaded.result()
            if msg["ev"] == "loaded":
                loaded = True
                self._on_loaded(msg)
            else:
                self._on_load_failed(msg)
                await self._terminate(proc)
                await asyncio.gather(wait_exit, *readers, return_exceptions=True)
                return "load_failed"
        returncode = await wait_exit
        await asyncio.gather(*readers, return_exceptions=True)
        self.pid = None
        if self._stopping:
            return "stopped"
        how = ("sent a message too long to read and was killed" if self._unreadable
               else "stopped answering and was killed" if self._hung else describe_exit(returncode))
        self._hung = self._unreadable = False
        if not loaded and self._allocation_failed:
            self._fail_pending(EngineCrashed(how))
            self._fail(f"The model {self.config.model_path} does not fit in memory: llama.cpp could not allocate "
                       f"it and the engine {how}. Choose a smaller model or quantisation, or a smaller "
                       f"model.contextTokens (now {self.config.n_ctx}).")
            return "load_failed"  # the same model would fail the same way: no restart
        tail = " | ".join(list(self._stderr_tail)[-3:])
        self.last_error = f"engine {how}" + (f": {tail}" if tail else "")
        log.error("engine pid=%s %s; last stderr: %s", proc.pid, how, tail or "(none)")
        self._fail_pending(EngineCrashed(how))
        phase = "while generating" if loaded else f"while loading the model {self.config.model_path}"
        self._notify("error" if not loaded else "warning",
                     f"The hushcode engine {how} {phase}. Restarting it; completions are paused meanwhile.")
        return "crashed" if loaded else "crashed_loading"

    def _on_loaded(self, msg: Message) -> None:
        m = msg["markers"]
        markers = FimMarkers(template=msg["template"], prefix=m["prefix"], suffix=m["suffix"],
                             middle=m["middle"], order=m["order"], stop_ids=(), marker_texts=tuple(m["texts"]),
                             end_of_text=m.get("end_of_text"))
        self.model = LoadedModel(name=msg["model"], markers=markers, bos=msg.get("bos"),
                                 n_ctx=msg["n_ctx"], load_ms=msg["load_ms"],
                                 repo=RepoMarkers(**(msg.get("repo") or {"repo_name": None, "file_sep": None})),
                                 variant=msg.get("variant", "base"),
                                 chat=ChatMarkers(**(msg.get("chat") or {"start": None, "end": None})),
                                 threads=(msg["threads"], msg["threads_batch"]) if "threads" in msg else None,
                                 gpu_layers=msg.get("gpu_layers"))
        self.network_audit = bool(msg.get("network_audit"))
        log.info("engine ready pid=%s model=%r template=%s load_ms=%s threads=%s/%s gpu_layers=%s",
                 msg.get("pid"), msg["model"], msg["template"], msg["load_ms"], msg.get("threads"),
                 msg.get("threads_batch"), msg.get("gpu_layers"))
        if self.restarts:
            self._notify("info", "The hushcode engine is back; completions resumed.")
        self._set_state(EngineState.READY)

    def _on_load_failed(self, msg: Message) -> None:
        if msg.get("kind") == "no_fim":
            text = (f"The model {msg.get('model')} ({self.config.model_path}) has no fill-in-the-middle "
                    f"tokens, so it cannot complete code. Choose a code model with FIM support, such as "
                    f"Qwen2.5-Coder (run: hushcode models list).")
        elif msg.get("kind") == "no_memory":
            text = str(msg.get("message"))
        elif not os.path.exists(self.config.model_path):
            text = (f"The model file {self.config.model_path} no longer exists (deleted or moved while hushcode "
                    f"was running). Put it back or choose another model (model.path), then restart hushcode.")
        else:
            text = (f"llama.cpp could not load the model file {self.config.model_path}: {msg.get('message')}. "
                    f"Is it a complete GGUF file? For the default model run: hushcode models pull")
        self._fail(text)

    async def _terminate(self, proc: asyncio.subprocess.Process) -> None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()

    # -- pipes -----------------------------------------------------------------------
    def _send(self, message: Message) -> bool:
        proc = self._proc
        if proc is None or proc.returncode is not None or proc.stdin is None:
            return False
        try:
            proc.stdin.write(encode(message))
        except (BrokenPipeError, ConnectionResetError, RuntimeError):
            return False
        return True

    async def _read_stdout(self, proc: asyncio.subprocess.Process) -> None:
        """Read the engine's messages until it exits. If they cannot be read (a line over
        `_LINE_LIMIT`), the engine is killed, and restarted like any crashed engine: an engine
        that nobody reads blocks on its next write, and every request after it would wait for
        its whole deadline."""
        try:
            await self._read_messages(proc)
        except (ValueError, asyncio.LimitOverrunError) as exc:
            log.error("engine pid=%s sent a message that could not be read (%s); restarting it", proc.pid, exc)
            self._unreadable = True
            self._fail_pending(EngineCrashed("sent a message that could not be read"))
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            assert proc.stdout is not None
            while await proc.stdout.read(1 << 16):  # to the end: asyncio waits for it before the exit counts
                pass

    async def _read_messages(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            self._last_activity = asyncio.get_running_loop().time()
            try:
                msg = decode(line)
            except ValueError:
                log.warning("engine sent a line that is not a message (%d bytes)", len(line))
                continue
            ev = msg.get("ev")
            if ev in ("loaded", "load_failed"):
                if self._loaded is not None and not self._loaded.done():
                    self._loaded.set_result(msg)
            elif ev == "token":
                self.generating = True
            elif ev == "progress":
                pass  # a prompt chunk evaluated: proof of life
            else:
                future = self._pending.pop(msg.get("id"), None)
                if future is not None and not future.done():
                    future.set_result(msg)

    async def _read_stderr(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        while line := await _readline_or_cut(proc.stderr):
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                self._stderr_tail.append(text)
                self._allocation_failed = self._allocation_failed or memory.allocation_failed([text])
                log.debug("engine: %s", text)

    def _fail_pending(self, error: Exception) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)

    def _request(self, message: Message) -> asyncio.Future[Message]:
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[message["id"]] = future
        if not self._send(message):
            self._pending.pop(message["id"], None)
            future.set_exception(EngineCrashed("engine is not running"))
        return future

    # -- requests --------------------------------------------------------------------
    async def tokenize(self, texts: list[str], speculative: bool = False) -> list[list[int]] | None:
        """Tokenize the user's text (special tokens disabled); None if the engine is not ready.
        A real request's tokenize pre-empts background work (warm-up, speculation): the engine
        answers requests in order, so it would otherwise wait behind it."""
        if self.state is not EngineState.READY:
            return None
        running = self._running
        if not speculative and running is not None and running[2]:
            self._send({"op": "cancel", "id": running[0]})
        try:
            msg = await asyncio.wait_for(self._request({"op": "tokenize", "id": next(self._ids), "texts": texts}),
                                         _HARD_GRACE_S + 30)
        except (TimeoutError, EngineCrashed):
            return None
        return msg.get("tokens") if msg.get("ev") == "tokens" else None

    async def detokenize(self, token_lists: list[list[int]]) -> list[str] | None:
        """The text of each list of token ids (control tokens as their text); None if not ready."""
        if self.state is not EngineState.READY:
            return None
        try:
            msg = await asyncio.wait_for(
                self._request({"op": "detokenize", "id": next(self._ids), "tokens": token_lists}), _HARD_GRACE_S + 30)
        except (EngineCrashed, TimeoutError):
            return None
        return msg.get("texts") if msg.get("ev") == "texts" else None

    async def stats(self) -> dict[str, Any] | None:
        """The engine's own counters (generations, max concurrent generations, ...)."""
        if self.state is not EngineState.READY:
            return None
        try:
            msg = await asyncio.wait_for(self._request({"op": "stats", "id": next(self._ids)}), 30)
        except (TimeoutError, EngineCrashed):
            return None
        stats = msg.get("stats")
        if isinstance(stats, dict):
            stats["timeline"] = msg.get("timeline", [])
        return stats

    async def _await_answer(self, future: asyncio.Future[Message], hard_deadline_s: float) -> Message:
        """Wait for the engine's answer. It is hung only when it is past the hard deadline *and* has
        said nothing (no prompt chunk, no token) for a while: a slow machine is not a hung engine."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + hard_deadline_s
        while True:
            done, _ = await asyncio.wait({future}, timeout=max(0.05, min(deadline, self._last_activity + _SILENCE_S)
                                                               - loop.time()))
            if done:
                return future.result()
            now = loop.time()
            if now >= deadline and now >= self._last_activity + _SILENCE_S:
                raise TimeoutError

    async def generate(self, request: GenerateRequest) -> GenerateResult | None:
        """Run one generation; None when superseded, cancelled or the engine is unavailable."""
        if self.config.vocab_only:
            return None  # a tokenizer has no weights to generate with
        rid = next(self._ids)
        if request.speculative:
            if self._gen_lock.locked():
                return None  # real work is running or waiting: speculation yields
        else:
            self._latest[request.document] = rid
            running = self._running
            if running is not None and (running[1] == request.document or running[2]):
                self._send({"op": "cancel", "id": running[0]})  # newest request wins; speculation yields
        self.waiting += 1
        self.max_waiting = max(self.max_waiting, self.waiting)
        try:
            await self._gen_lock.acquire()
        finally:
            self.waiting -= 1
        try:
            if not request.speculative and self._latest.get(request.document) != rid:
                return None  # superseded while waiting
            if self.state is not EngineState.READY:
                return None
            future = self._request({
                "op": "generate", "id": rid, "tokens": request.tokens, "max_tokens": request.max_tokens,
                "stop_at_newline": request.stop_at_newline, "stop_texts": list(request.stop_texts),
                "stop_indent": request.stop_indent, "stop_unmatched_close": request.stop_unmatched_close,
                "alternatives": request.alternatives, "reuse_min_chunk": request.reuse_min_chunk,
                "timeout_ms": request.timeout_ms, "budget_ms": request.budget_ms,
                **({"rank": dataclasses.asdict(request.rank)} if request.rank else {}),
            })
            self._running = (rid, request.document, request.speculative)
            self.generating = False
            try:
                msg = await self._await_answer(future, request.timeout_ms / 1000 + _HARD_GRACE_S)
            except TimeoutError:
                log.error("engine did not answer request %s within its hard deadline; killing it", rid)
                self._hung = True
                self._pending.pop(rid, None)
                future.cancel()
                if self._proc is not None:
                    await self._terminate(self._proc)
                return None
            except EngineCrashed:
                return None
            except asyncio.CancelledError:
                # $/cancelRequest: stop the engine, and hold the lock until it has stopped.
                self._send({"op": "cancel", "id": rid})
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(asyncio.shield(future), _HARD_GRACE_S)
                raise
            finally:
                self._running = None
                self.generating = False
                if self._latest.get(request.document) == rid:
                    del self._latest[request.document]
        finally:
            self._gen_lock.release()
        if msg.get("ev") != "done":
            log.warning("engine error for request %s: %s", rid, msg.get("message"))
            return None
        return GenerateResult(
            text=msg["text"], reason=msg["reason"], prompt_tokens=msg["prompt_tokens"], reused=msg["reused"],
            evaluated=msg["evaluated"], generated=msg["generated"], prompt_ms=msg["prompt_ms"],
            gen_ms=msg["gen_ms"], control_tokens=msg["control_tokens"],
            alternatives=tuple(msg.get("texts") or [msg["text"]]), shifted=msg.get("shifted", 0),
            ranked=msg.get("ranked", 0),
        )


async def _readline_or_cut(stream: asyncio.StreamReader) -> bytes:
    """A line of the engine's stderr; a line over the stream's limit (asyncio drops it) is replaced
    by a note, rather than ending the reading: llama.cpp's own lines are short, but nothing
    guarantees it, and an engine whose stderr nobody reads blocks on its next write."""
    try:
        return await stream.readline()
    except ValueError:
        return b"(a line too long to keep)\n"
