"""Download progress on stderr for `hushcode models pull`, drawn by tqdm.

On a terminal, tqdm redraws one bar, as wide as the terminal (it follows resizes); the stage is
shortened so that the figures stay visible. Elsewhere (a log, CI) there is no bar to redraw: one
line per 5 % (or per 50 MB when the size is unknown), formatted by tqdm too.
"""

from __future__ import annotations

import os
import time
from typing import Any, TextIO

from tqdm import tqdm

# What tqdm needs beside the stage on one line: " 45%|" + a bar + "| 221M/491M [00:10<00:12, 22.1MB/s]"
_FIGURES_WIDTH = 52
_LOG_EVERY_S = 5.0


class ProgressPrinter:
    """A ``progress(stage, done, total)`` callback for ``pull``; ``close()`` it at the end.

    ``ncols`` fixes the width; by default tqdm measures the terminal.
    """

    def __init__(self, stream: TextIO, *, ncols: int | None = None) -> None:
        self._stream = stream
        self._tty = bool(getattr(stream, "isatty", lambda: False)())
        self._ncols = ncols
        self._bar: Any = None  # tqdm has no type information
        self._stage = ""
        self._started = time.monotonic()
        self._last_bucket = -1
        self._last_done = 0
        self._last_time = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._tty:
            self._draw(stage, done, total)
        else:
            self._log(stage, done, total)

    def note(self, message: str) -> None:
        """Print a line of text without breaking the bar (it is redrawn below the line)."""
        if self._bar is not None:
            self._bar.write(message, file=self._stream)
        else:
            print(message, file=self._stream, flush=True)

    def close(self) -> None:
        """Finish the bar (it stays on screen) so that what follows starts on a new line."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _width(self) -> int:
        if self._ncols is not None:
            return self._ncols
        try:
            return os.get_terminal_size(self._stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            return int(os.environ.get("COLUMNS", "80") or 80)

    def _draw(self, stage: str, done: int, total: int) -> None:
        bar = self._bar
        if bar is None or (total or None) != bar.total or done < bar.n:
            self.close()  # the next source, or a download that starts over: a new bar
            self._stage = stage
            bar = self._bar = tqdm(
                desc=self._desc(stage), total=total or None, file=self._stream, unit="B", unit_scale=True,
                unit_divisor=1000, ncols=self._ncols, dynamic_ncols=self._ncols is None, mininterval=0.1,
                leave=True)
        elif stage != self._stage:
            self._stage = stage
            bar.set_description_str(self._desc(stage), refresh=False)
        bar.update(done - bar.n)

    def _desc(self, stage: str) -> str:
        """The stage, cut to leave room for tqdm's figures on one line."""
        width = max(self._width() - _FIGURES_WIDTH, 12)
        return stage if len(stage) <= width else stage[: width - 1] + "…"

    def _log(self, stage: str, done: int, total: int) -> None:
        if done < self._last_done:  # a download that starts over, or the next source
            self._last_bucket = -1
        self._last_done = done
        bucket = done * 20 // total if total > 0 else done // 50_000_000
        now = time.monotonic()
        stage_news = stage != self._stage and now - self._last_time >= _LOG_EVERY_S
        if bucket <= self._last_bucket and not stage_news:
            return
        self._last_bucket = max(bucket, self._last_bucket)
        self._stage, self._last_time = stage, now
        line = tqdm.format_meter(done, total or None, now - self._started, ncols=0, prefix=stage,
                                 unit="B", unit_scale=True, unit_divisor=1000)
        print(line, file=self._stream, flush=True)

