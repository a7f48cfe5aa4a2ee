"""Server-side debounce that adapts to the typing rhythm.

Neovim's client does not debounce at all and VS Code's does little: a request per keystroke
would start work that the next keystroke cancels. While the user types steadily we wait a
little less than their usual gap between keystrokes; after a pause we answer at once, and at the
start of a line (just after an Enter, where people stop to read a suggestion) we never wait.
"""

from __future__ import annotations

import asyncio
import time

from hushcode.engine.scheduler import Tickets


class TypingRhythm:
    """Tracks the gap between requests for one document."""

    def __init__(self, max_delay_ms: float = 150.0, pause_ms: float = 600.0) -> None:
        self.max_delay_ms = max_delay_ms
        self.pause_ms = pause_ms
        self.average_gap_ms: float | None = None
        self._last: float | None = None

    def observe(self, now_ms: float) -> None:
        """A request arrived at `now_ms` (a monotonic clock)."""
        if self._last is not None:
            gap = now_ms - self._last
            if gap < self.pause_ms:  # pauses are not part of the rhythm
                self.average_gap_ms = gap if self.average_gap_ms is None else 0.7 * self.average_gap_ms + 0.3 * gap
        self._last = now_ms

    def delay_ms(self, at_line_start: bool = False) -> float:
        """How long to wait before starting model work for the request just observed; none when
        the cursor is at the start of a line (only indentation before it)."""
        if self.average_gap_ms is None or at_line_start:
            return 0.0
        return min(self.max_delay_ms, 0.8 * self.average_gap_ms)


class Debounce:
    """Per document: the typing rhythm, and the newest request's ticket (newest wins)."""

    def __init__(self) -> None:
        self.tickets = Tickets()
        self._rhythms: dict[str, TypingRhythm] = {}

    def arrived(self, uri: str, max_delay_ms: float) -> int:
        """A request for `uri` arrived now: its ticket (every older one is obsolete)."""
        self._rhythms.setdefault(uri, TypingRhythm(max_delay_ms=max_delay_ms)).observe(time.monotonic() * 1000)
        return self.tickets.take(uri)

    async def settle(self, uri: str, ticket: int, at_line_start: bool) -> bool:
        """Wait as the rhythm says (not at all at the start of a line, just after an Enter);
        False when a newer keystroke made this request moot meanwhile."""
        rhythm = self._rhythms.get(uri)
        delay = rhythm.delay_ms(at_line_start) if rhythm is not None else 0.0
        if delay <= 0:
            return True
        await asyncio.sleep(delay / 1000)
        return self.tickets.newest(uri, ticket)

    def forget(self, uri: str) -> None:
        """The document was closed."""
        self._rhythms.pop(uri, None)
        self.tickets.forget(uri)
