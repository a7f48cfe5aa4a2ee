"""The engine process, from the server's side: start it, talk to it over its pipes (engine/pipe.py),
supervise and restart it.

Everything here runs on the server's asyncio loop and never blocks it. Guarantees:
- a request never waits past its hard deadline: a hung engine is killed and restarted;
- a crash fails the requests in flight (their callers get None), is reported in words, and is
  followed by a restart with backoff; a model that crashes on every load is not restarted forever;
- an engine whose messages cannot be read is killed and restarted like a crashed one (an engine
  nobody reads blocks on its next write).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, Literal

from hushcode.engine.contracts import EngineConfig, EngineCrashed, EngineState, LoadedModel, Notify
from hushcode.engine.pipe import EnginePipe
from hushcode.engine.wire import Event, Load, Loaded, LoadFailed, Query, Request
from hushcode.isolation import child_cwd, python_command

log = logging.getLogger("hushcode.engine")

Outcome = Literal["load_failed", "crashed_loading", "crashed", "stopped"]

_MAX_LOAD_CRASHES = 3  # consecutive crashes while loading before we give up
_MAX_CRASHES_PER_MINUTE = 5
HARD_GRACE_S = 5.0  # a request's answer may come this long after its own deadline
# The longest message line read from the engine. asyncio's default (64 KiB) is less than the token
# ids of one long line (a minified file: 100,000 characters are about 120 KB of JSON); a line over
# the limit killed the reader, and with nobody reading, the engine blocked on its next write.
_LINE_LIMIT = 256 * 1024 * 1024


class EngineProcess:
    """The engine process for one model, restarted when it crashes. Its requests (tokenize,
    generate, ...) are the local engine's (engine/local.py)."""

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
        self._ids = itertools.count(1)  # request ids on the pipe
        self._pipe: EnginePipe | None = None  # the running process's
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._settled = asyncio.Event()  # ready, or failed for good: what a caller waiting for the model waits for

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
        """Whether the model is loaded, within `timeout` s; False at once when the load failed for
        good (a bad file, or crashes the supervisor gave up on)."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._settled.wait(), timeout)
        return self.state is EngineState.READY

    async def stop(self) -> None:
        """Stop the engine and the supervisor."""
        self._stopping = True
        pipe = self._pipe
        if pipe is not None and (proc := pipe.proc).returncode is None:
            pipe.shutdown()
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
        if state in (EngineState.READY, EngineState.FAILED):
            self._settled.set()
        else:
            self._settled.clear()
        self._on_state()

    async def _supervise(self) -> None:
        load_crashes = 0
        crash_times: collections.deque[float] = collections.deque(maxlen=_MAX_CRASHES_PER_MINUTE)
        backoff = 0.5
        loop = asyncio.get_running_loop()
        while not self._stopping:
            outcome = await self._run_once()
            if self._stopping or outcome == "load_failed":
                return  # a failed load is deterministic: the message was sent, a restart would fail the same way
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

    async def _run_once(self) -> Outcome:
        """Run one engine process until it exits; return how it ended."""
        self._set_state(EngineState.LOADING)
        # No gdb backtrace on a GGML_ASSERT: it takes seconds and hides the assertion in the log.
        env = {"GGML_NO_BACKTRACE": "1", **os.environ, **self.config.env}
        try:
            # isolated: nothing in the user's folder (a `types.py`, PYTHONPATH) is imported (isolation.py)
            proc = await asyncio.create_subprocess_exec(
                *python_command("hushcode.worker.main"), cwd=child_cwd(),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                env=env, limit=_LINE_LIMIT,
            )
        except OSError as exc:  # no permission to run Python, no memory or processes left, ...
            self._fail(f"hushcode could not start its engine process ({sys.executable}): {exc.strerror or exc}.")
            return "load_failed"
        self.pid = proc.pid
        log.info("engine started pid=%s model=%s", proc.pid, self.config.model_path)
        self._pipe = pipe = EnginePipe(proc, on_token=self._token)
        pipe.send(Load.of(self.config))
        wait_exit = asyncio.create_task(proc.wait())
        first: set[asyncio.Future[Any]] = {pipe.loaded, wait_exit}
        await asyncio.wait(first, return_when=asyncio.FIRST_COMPLETED)
        answer = pipe.loaded.result() if pipe.loaded.done() else None
        if isinstance(answer, Loaded):
            self._on_loaded(answer)
        elif isinstance(answer, LoadFailed):
            self._fail(self._load_failure(answer))
            pipe.kill()
            await asyncio.gather(wait_exit, pipe.closed())
            return "load_failed"
        returncode = await wait_exit
        await pipe.closed()
        self.pid = None
        return "stopped" if self._stopping else self._crashed(pipe, returncode, was_loaded=answer is not None)

    def _token(self) -> None:
        self.generating = True

    def _crashed(self, pipe: EnginePipe, returncode: int, was_loaded: bool) -> Outcome:
        """Say how the engine ended, in words, and fail the requests in flight."""
        how = pipe.how_it_ended(returncode)
        pipe.fail_pending(EngineCrashed(how))
        if not was_loaded and pipe.allocation_failed:
            self._fail(f"The model {self.config.model_path} does not fit in memory: llama.cpp could not allocate "
                       f"it and the engine {how}. Choose a smaller model or quantisation, or a smaller "
                       f"model.contextTokens (now {self.config.n_ctx}).")
            return "load_failed"  # the same model would fail the same way: no restart
        tail = " | ".join(list(pipe.stderr_tail)[-3:])
        self.last_error = f"engine {how}" + (f": {tail}" if tail else "")
        log.error("engine pid=%s %s; last stderr: %s", pipe.proc.pid, how, tail or "(none)")
        phase = "while generating" if was_loaded else f"while loading the model {self.config.model_path}"
        self._notify("error" if not was_loaded else "warning",
                     f"The hushcode engine {how} {phase}. Restarting it; completions are paused meanwhile.")
        return "crashed" if was_loaded else "crashed_loading"

    def _on_loaded(self, loaded: Loaded) -> None:
        self.model = loaded.facts()
        self.network_audit = loaded.network_audit
        log.info("engine ready pid=%s model=%r template=%s load_ms=%s threads=%s/%s gpu_layers=%s",
                 loaded.pid, loaded.model, loaded.template, loaded.load_ms, loaded.threads,
                 loaded.threads_batch, loaded.gpu_layers)
        if self.restarts:
            self._notify("info", "The hushcode engine is back; completions resumed.")
        self._set_state(EngineState.READY)

    def _load_failure(self, failed: LoadFailed) -> str:
        """Why the model did not load, and what the user can do."""
        path = self.config.model_path
        if failed.kind == "no_fim":
            return (f"The model {failed.model} ({path}) has no fill-in-the-middle tokens, so it cannot "
                    f"complete code. Choose a code model with FIM support, such as Qwen2.5-Coder "
                    f"(run: hushcode models list).")
        if failed.kind == "no_memory":
            return failed.message
        if not os.path.exists(path):
            return (f"The model file {path} no longer exists (deleted or moved while hushcode was running). "
                    f"Put it back or choose another model (model.path), then restart hushcode.")
        return (f"llama.cpp could not load the model file {path}: {failed.message}. "
                f"Is it a complete GGUF file? For the default model run: hushcode models pull")

    # -- requests ----------------------------------------------------------------------
    def send(self, request: Request) -> bool:
        """Write one request to the running engine; False when none runs."""
        return self._pipe is not None and self._pipe.send(request)

    async def ask(self, query: Query, timeout_s: float) -> Event | None:
        """The engine's answer to `query`; None when it crashed, is not running or took too long."""
        return None if self._pipe is None else await self._pipe.ask(query, timeout_s)

    async def ask_watched(self, query: Query, hard_deadline_s: float) -> Event | None:
        """`ask`, and an engine that hangs past `hard_deadline_s` is killed (and restarted)."""
        return None if self._pipe is None else await self._pipe.ask_watched(query, hard_deadline_s)
