"""Logging: stderr or a file, never stdout (stdout is the protocol).

Private by default: no level, DEBUG included, writes source code, file contents or suggestion
text. Logging code is a separate, explicit choice (``--log-level debug-code``, or
``HUSHCODE_LOG_CODE=1`` with any level): it adds the prompt's text and the suggestion to each
completion's log lines and lets pygls log the protocol messages, which carry the documents.
"""

from __future__ import annotations

import logging
import os
import sys

CODE_ENV = "HUSHCODE_LOG_CODE"
LEVELS = ("DEBUG-CODE", "DEBUG", "INFO", "WARNING", "ERROR")
# Third-party loggers that write paths or messages at DEBUG: at most INFO, unless code logging is on.
NOISY = ("watchdog", "asyncio")

_log_code = False


def code_logging() -> bool:
    """True only when the user asked for source code in the log."""
    return _log_code


def setup_logging(log_file: str | None, level: str = "INFO") -> None:
    global _log_code
    level = level.upper()
    _log_code = level == "DEBUG-CODE" or os.environ.get(CODE_ENV, "").lower() in ("1", "true", "yes", "on")
    if level == "DEBUG-CODE":
        level = "DEBUG"
    handler: logging.Handler = logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper() if isinstance(level, str) else level)
    # pygls logs every message it sends and receives at DEBUG: documents and suggestions included.
    logging.getLogger("pygls").setLevel(root.level if _log_code else max(logging.WARNING, root.level))
    for name in NOISY:
        logging.getLogger(name).setLevel(root.level if _log_code else max(logging.INFO, root.level))
