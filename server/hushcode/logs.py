"""Logging: stderr or a file, never stdout (stdout is the protocol)."""

from __future__ import annotations

import logging
import sys


def setup_logging(log_file: str | None, level: str = "INFO") -> None:
    handler: logging.Handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("pygls").setLevel(max(logging.WARNING, root.level))
    # watchdog logs every file-system event at DEBUG: the settings watcher's folders (e.g. ~/.config) are busy
    logging.getLogger("watchdog").setLevel(max(logging.INFO, root.level))
