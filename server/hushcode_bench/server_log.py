"""What the benchmarks read from the server's own log (``--log-file``, INFO).

The server writes one ``complete req=<id> key=value ...`` line per completion request (``i<n>``
for the n-th inlineCompletion request it received, ``speculative``, ``warmup``...), and one
``indexed N files (...) in S s`` line when the first indexing pass of the workspace is over.
Pure: functions of the log's text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_COMPLETE = re.compile(r"\bcomplete (req=\S+.*)$")
_FIELD = re.compile(r"(\w+)=(\S+)")
_INLINE_ID = re.compile(r"i(\d+)")
_INDEXED = re.compile(r"indexed (\d+) files \((\d+) parsed, (\d+) from cache\) in ([\d.]+) s")
# Our requests (req=i<n>), not the server's own prefetches (req=speculative).
_DEADLINE = re.compile(r"^.*\bcomplete req=i\d+ .*\bstop=deadline\b", re.MULTILINE)


def _value(text: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_log_line(line: str) -> dict[str, int | float | str] | None:
    """The fields of one ``complete req=... `` log line, or None for any other line."""
    found = _COMPLETE.search(line.rstrip("\n"))
    if found is None:
        return None
    return {key: _value(value) for key, value in _FIELD.findall(found.group(1))}


def parse_log(text: str) -> list[dict[str, int | float | str]]:
    """Every completion line of a server log, in order."""
    return [fields for line in text.splitlines() if (fields := parse_log_line(line)) is not None]


def inline_number(fields: Mapping[str, Any]) -> int | None:
    """n for ``req=i<n>`` (the n-th inlineCompletion request the server received), else None."""
    found = _INLINE_ID.fullmatch(str(fields.get("req", "")))
    return int(found.group(1)) if found else None


def last_inline_fields(text: str) -> dict[str, Any]:
    """The fields of the last ``complete req=i<n> ...`` line of `text` (warm-up, speculative and
    ``i<n>.ranked`` lines are left out); {} when there is none."""
    inline = [f for f in parse_log(text) if inline_number(f) is not None]
    return dict(inline[-1]) if inline else {}


def ranked_later(text: str) -> bool:
    """Does `text` hold the line that ends a ranking the server ran after answering
    (``complete req=i<n>.ranked ...``, completion/later.py)?"""
    return any(str(f.get("req", "")).endswith(".ranked") for f in parse_log(text))


def first_pass(text: str) -> dict[str, Any] | None:
    """The server's figures for its first indexing pass, if the log says it is over."""
    found = _INDEXED.search(text)
    if found is None:
        return None
    files, parsed, cached, seconds = found.groups()
    return {
        "files": int(files),
        "parsed": int(parsed),
        "from_cache": int(cached),
        "seconds": float(seconds),
        "files_per_s": round(int(files) / float(seconds), 1) if float(seconds) > 0 else None,
    }


def deadline_stops(log_file: Path) -> int:
    """How many of our requests in a server log stopped at the completion deadline (stop=deadline)."""
    try:
        text = log_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0
    return len(_DEADLINE.findall(text))
