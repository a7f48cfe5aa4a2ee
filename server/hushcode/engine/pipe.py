"""The pipes of one running engine process: requests out, events in, each answer matched to its
request, and the process's last words (stderr) kept for the account of how it ended.

One `EnginePipe` lives as long as one engine process: a restarted engine gets a fresh one, so
nothing of a dead process (its requests, whether it hung) leaks into the next.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Callable

from hushcode.engine import wire
from hushcode.engine.contracts import EngineCrashed, describe_exit
from hushcode.worker import memory

log = logging.getLogger("hushcode.engine")

_SILENCE_S = 60.0  # past its hard deadline and this long without a word, an engine is hung


class EnginePipe:
    """Talks to one engine process (reading starts at once)."""

    def __init__(self, proc: asyncio.subprocess.Process, on_token: Callable[[], None]) -> None:
        self.proc = proc
        self.loaded: asyncio.Future[wire.Loaded | wire.LoadFailed] = asyncio.get_running_loop().create_future()
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        self.allocation_failed = False  # the engine said an allocation failed (llama.cpp's stderr)
        self.hung = False  # set when we kill an engine that stopped answering
        self.unreadable = False  # set when we kill an engine whose message could not be read
        self._on_token = on_token
        self._pending: dict[int, asyncio.Future[wire.Event]] = {}
        self._last_activity = 0.0  # loop time of the engine's last message
        self._readers = [asyncio.create_task(self._read_stdout()), asyncio.create_task(self._read_stderr())]

    def send(self, message: wire.Request) -> bool:
        """Write one request; False when the engine is not running."""
        stdin = self.proc.stdin
        if self.proc.returncode is not None or stdin is None:
            return False
        try:
            stdin.write(wire.encode(message))
        except (BrokenPipeError, ConnectionResetError, RuntimeError):
            return False
        return True

    def shutdown(self) -> None:
        """Ask the engine to exit (closing its input says so too)."""
        self.send(wire.Shutdown())
        if self.proc.stdin is not None:
            with contextlib.suppress(Exception):
                self.proc.stdin.close()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()

    async def closed(self) -> None:
        """Wait until both pipes are read to their end."""
        await asyncio.gather(*self._readers, return_exceptions=True)

    def how_it_ended(self, returncode: int) -> str:
        """How the process ended, in words."""
        if self.unreadable:
            return "sent a message too long to read and was killed"
        return "stopped answering and was killed" if self.hung else describe_exit(returncode)

    def fail_pending(self, error: Exception) -> None:
        """The engine is gone: every request waiting for an answer fails with `error`."""
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)

    async def ask(self, query: wire.Query, timeout_s: float) -> wire.Event | None:
        """Send a request and wait for its answer; None when the engine is not running, crashed, or
        took longer than `timeout_s` (no harm done: a late answer is dropped)."""
        future = self._expect(query)
        try:
            return await asyncio.wait_for(future, timeout_s)
        except (TimeoutError, EngineCrashed):
            return None
        finally:
            self._pending.pop(query.id, None)

    async def ask_watched(self, query: wire.Query, hard_deadline_s: float) -> wire.Event | None:
        """`ask` for a generation, whose engine is killed (and restarted) when it hangs. It hangs
        only when it is past the hard deadline *and* has said nothing (no prompt chunk, no token)
        for a while: a slow machine is not a hung engine."""
        future = self._expect(query)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + hard_deadline_s
        try:
            while not future.done():
                silent_until = self._last_activity + _SILENCE_S
                await asyncio.wait({future}, timeout=max(0.05, min(deadline, silent_until) - loop.time()))
                now = loop.time()
                if not future.done() and now >= deadline and now >= self._last_activity + _SILENCE_S:
                    log.error("engine did not answer request %s within its hard deadline; killing it", query.id)
                    self.hung = True
                    self.kill()
                    return None
            return future.result()
        except EngineCrashed:
            return None
        finally:
            self._pending.pop(query.id, None)
            future.cancel()

    def _expect(self, query: wire.Query) -> asyncio.Future[wire.Event]:
        future: asyncio.Future[wire.Event] = asyncio.get_running_loop().create_future()
        self._pending[query.id] = future
        if not self.send(query):
            self._pending.pop(query.id, None)
            future.set_exception(EngineCrashed("engine is not running"))
        return future

    async def _read_stdout(self) -> None:
        """Read the engine's messages until it exits. If they cannot be read (a line over the
        stream's limit), the engine is killed, and restarted like any crashed engine: an engine
        that nobody reads blocks on its next write, and every request after it would wait for
        its whole deadline."""
        try:
            await self._read_messages()
        except (ValueError, asyncio.LimitOverrunError) as exc:
            log.error("engine pid=%s sent a message that could not be read (%s); restarting it", self.proc.pid, exc)
            self.unreadable = True
            self.fail_pending(EngineCrashed("sent a message that could not be read"))
            self.kill()
            assert self.proc.stdout is not None
            while await self.proc.stdout.read(1 << 16):  # to the end: asyncio waits for it before the exit counts
                pass

    async def _read_messages(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            self._last_activity = asyncio.get_running_loop().time()
            try:
                event = wire.decode(line)
            except ValueError as exc:
                log.warning("engine sent a line that is not a message (%d bytes): %s", len(line), exc)
                continue
            if not isinstance(event, wire.Event):
                log.warning("engine sent a request (%s); ignored", event.TAG[1])
                continue
            if isinstance(event, wire.Loaded | wire.LoadFailed):
                if not self.loaded.done():
                    self.loaded.set_result(event)
            elif isinstance(event, wire.Token):
                self._on_token()
            elif not isinstance(event, wire.Progress):  # a prompt chunk evaluated is only proof of life
                future = self._pending.pop(event.id, None) if event.id is not None else None
                if future is not None and not future.done():
                    future.set_result(event)

    async def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        while line := await _readline_or_cut(self.proc.stderr):
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                self.stderr_tail.append(text)
                self.allocation_failed = self.allocation_failed or memory.allocation_failed([text])
                log.debug("engine: %s", text)


async def _readline_or_cut(stream: asyncio.StreamReader) -> bytes:
    """A line of the engine's stderr; a line over the stream's limit (asyncio drops it) is replaced
    by a note, rather than ending the reading: llama.cpp's own lines are short, but nothing
    guarantees it, and an engine whose stderr nobody reads blocks on its next write."""
    try:
        return await stream.readline()
    except ValueError:
        return b"(a line too long to keep)\n"
