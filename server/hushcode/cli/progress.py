"""Download progress on stderr, for `hushcode models pull`."""

from __future__ import annotations

import time
from typing import TextIO


class ProgressPrinter:
    """Progress on stderr: a redrawn bar on a terminal, else one line per 5 % (or per 50 MB).

    On a terminal the bar is redrawn at most ten times a second. Elsewhere (a log, CI) a stage
    change (next chunk package) is shown too, but only if nothing was printed in the last few
    seconds, so slow per-package downloads still show life without flooding the output.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last_bucket = -1
        self._last_stage = ""
        self._last_time = 0.0
        self._started = time.monotonic()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._tty:
            self._bar(stage, done, total)
            return
        bucket = done * 20 // total if total > 0 else done // 50_000_000
        now = time.monotonic()
        stage_news = stage != self._last_stage and now - self._last_time >= 5.0
        if bucket <= self._last_bucket and not stage_news:
            return
        self._last_bucket = max(bucket, self._last_bucket)
        self._last_stage = stage
        self._last_time = now
        if total > 0:
            line = f"{done * 100 // total:3d}%  {done / 1e6:7.1f} / {total / 1e6:.1f} MB  {stage}"
        else:
            line = f"{done / 1e6:7.1f} MB  {stage}"
        print(line, file=self._stream, flush=True)

    def _bar(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = total > 0 and done >= total
        if now - self._last_time < 0.1 and not finished and stage == self._last_stage:
            return
        self._last_time, self._last_stage = now, stage
        rate = done / max(now - self._started, 1e-3) / 1e6
        if total > 0:
            filled = done * 30 // total
            text = (f"[{'#' * filled}{'-' * (30 - filled)}] {done * 100 // total:3d}%  "
                    f"{done / 1e6:.1f} / {total / 1e6:.1f} MB  {rate:.1f} MB/s  {stage}")
        else:
            text = f"{done / 1e6:.1f} MB  {rate:.1f} MB/s  {stage}"
        self._stream.write("\r" + text[:150].ljust(150) + ("\n" if finished else ""))
        self._stream.flush()
