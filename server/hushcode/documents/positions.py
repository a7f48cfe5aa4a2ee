"""LSP positions to string offsets, in UTF-16 (the LSP default), UTF-8 or UTF-32.

An LSP position is (line, character) where `character` counts code units of the
negotiated encoding. Python strings index code points. A position that points past
the end of its line, past the last line, or into the middle of a character is
*invalid* here: completion answers it with nothing instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the only line breaks LSP knows


@dataclass(frozen=True)
class TextPosition:
    """A resolved cursor: code point offset into the text, plus the line it sits on."""

    offset: int
    line_start: int
    line_end: int  # offset of the line break (or end of text)


def _line_bounds(text: str, line: int) -> tuple[int, int] | None:
    """Return (start, end) code point offsets of `line`, end excluding the break."""
    start = 0
    for _ in range(line):
        match = _LINE_BREAK.search(text, start)
        if match is None:
            return None
        start = match.end()
    match = _LINE_BREAK.search(text, start)
    return start, (match.start() if match else len(text))


def _units(char: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(char.encode("utf-8"))
    if encoding == "utf-32":
        return 1
    return 2 if ord(char) > 0xFFFF else 1  # utf-16: astral characters are surrogate pairs


def resolve_position(text: str, line: int, character: int, encoding: str = "utf-16") -> TextPosition | None:
    """Resolve an LSP position to a code point offset, or None if it is invalid.

    Steps:
    1. find the line's bounds (None when the line does not exist);
    2. walk the line's characters, counting code units in `encoding`;
    3. accept only a count that lands exactly on a character boundary.
    """
    if line < 0 or character < 0:
        return None
    bounds = _line_bounds(text, line)
    if bounds is None:
        return None
    start, end = bounds
    units = 0
    offset = start
    while units < character:
        if offset >= end:
            return None  # past the end of the line
        units += _units(text[offset], encoding)
        offset += 1
    if units != character:
        return None  # inside a surrogate pair or a multi-byte sequence
    return TextPosition(offset=offset, line_start=start, line_end=end)


def position_of(text: str, offset: int, encoding: str = "utf-16") -> tuple[int, int]:
    """Inverse of `resolve_position`: code point offset to an LSP (line, character)."""
    line = 0
    line_start = 0
    for match in _LINE_BREAK.finditer(text, 0, offset):
        if match.end() > offset:
            break
        line += 1
        line_start = match.end()
    character = sum(_units(c, encoding) for c in text[line_start:offset])
    return line, character
