"""Apply LSP content changes to a document's text, exactly as the protocol defines them.

pygls 2.1's own TextDocument gets several cases wrong, so the server applies changes here:
- it splits lines with ``str.splitlines``, which also breaks at form feed, vertical tab,
  U+0085, U+2028 and U+2029; LSP knows only ``\\n``, ``\\r\\n`` and ``\\r``, so an edit below
  such a character landed on the wrong line;
- a character past the end of a line must mean the end of the line (LSP: "defaults back to
  the line length"); pygls put the edit after the line break, or one character too early
  on a last line without a break.

Rules (also those of the editors' own reference implementation):
- a line past the last line means the end of the document;
- a character past the end of its line means the end of the line, before its line break;
- a character count that lands inside a character (half a surrogate pair in UTF-16, inside a
  multi-byte sequence in UTF-8) rounds down to the start of that character;
- a range whose end comes before its start is taken the other way round.

Pure: no pygls, no I/O.
"""

from __future__ import annotations

import re

LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the only line breaks LSP knows
_LINES_KEEPENDS = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def split_lines(text: str) -> list[str]:
    """The document's lines with their line breaks, as LSP counts them (no empty last line)."""
    return _LINES_KEEPENDS.findall(text)


def code_units(text: str, encoding: str) -> int:
    """Length of `text` in code units of an LSP position encoding."""
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def chars_for_units(line: str, units: int, encoding: str) -> int:
    """How many code points at the start of `line` make up `units` code units.

    Past the end of the line gives the whole line; a count inside a character rounds down.
    """
    if units <= 0:
        return 0
    if encoding == "utf-32" or line.isascii():
        return min(units, len(line))
    if units >= code_units(line, encoding):
        return len(line)
    # Every code point is at least one code unit, so the answer is at most `units`: binary search
    # for the longest head of the line that fits (encoding is done in C: fast on 1 MB lines).
    low, high = 0, min(units, len(line))
    while low < high:
        middle = (low + high + 1) // 2
        if code_units(line[:middle], encoding) <= units:
            low = middle
        else:
            high = middle - 1
    return low


def offset_at(text: str, line: int, character: int, encoding: str) -> int:
    """The code point offset of an LSP position in `text`, clamped as described above.

    Steps:
    1. skip `line` line breaks; running out of them means the end of the document;
    2. the line ends at its line break (or the end of the text);
    3. convert `character` code units to code points within that line.
    """
    start = 0
    for _ in range(max(line, 0)):
        found = LINE_BREAK.search(text, start)
        if found is None:
            return len(text)
        start = found.end()
    found = LINE_BREAK.search(text, start)
    end = found.start() if found else len(text)
    return start + chars_for_units(text[start:end], character, encoding)


def apply_change(text: str, start: tuple[int, int], end: tuple[int, int], new_text: str, encoding: str) -> str:
    """Replace the range `start`..`end` (LSP (line, character) pairs) with `new_text`."""
    first = offset_at(text, start[0], start[1], encoding)
    last = offset_at(text, end[0], end[1], encoding)
    if last < first:
        first, last = last, first
    return text[:first] + new_text + text[last:]
