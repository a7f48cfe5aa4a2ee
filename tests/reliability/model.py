"""The reference model of an open document, for the protocol fuzz test.

It applies LSP changes independently of the server: the server works on Python code points
(documents/edits.py); this model works on the *code units* of the negotiated position
encoding, one character of a "unit string" per UTF-8 byte or UTF-16 unit, where an LSP
position is almost an index. The rules are the protocol's:

- lines end at "\\n", "\\r\\n" or "\\r" (nothing else);
- a line past the last one is the end of the document;
- a character past the end of its line is the end of the line (before its line break);
- a character inside a multi-unit character rounds down to that character's start;
- a range given end-first is taken the other way round.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass

_BREAK = re.compile("\r\n|\r|\n")


def to_units(text: str, encoding: str) -> str:
    """The text as a unit string: one character per code unit."""
    if encoding == "utf-8":
        return text.encode("utf-8", "surrogatepass").decode("latin-1")
    return "".join(map(chr, array("H", text.encode("utf-16-le", "surrogatepass"))))


def from_units(units: str, encoding: str) -> str:
    if encoding == "utf-8":
        return units.encode("latin-1").decode("utf-8", "surrogatepass")
    return array("H", map(ord, units)).tobytes().decode("utf-16-le", "surrogatepass")


def _inside_character(units: str, i: int, encoding: str) -> bool:
    """Whether unit i continues a character that starts before it."""
    unit = ord(units[i])
    if encoding == "utf-8":
        return 0x80 <= unit < 0xC0  # a continuation byte
    return 0xDC00 <= unit <= 0xDFFF and i > 0 and 0xD800 <= ord(units[i - 1]) <= 0xDBFF  # a low surrogate


@dataclass
class ModelDocument:
    units: str
    encoding: str
    version: int

    @classmethod
    def of(cls, text: str, encoding: str, version: int) -> ModelDocument:
        return cls(to_units(text, encoding), encoding, version)

    @property
    def text(self) -> str:
        return from_units(self.units, self.encoding)

    def line_spans(self) -> list[tuple[int, int]]:
        """(start, end) unit offsets of each line, the end before its line break."""
        spans, start = [], 0
        for found in _BREAK.finditer(self.units):
            spans.append((start, found.start()))
            start = found.end()
        spans.append((start, len(self.units)))
        return spans

    def offset(self, line: int, character: int) -> int:
        start = 0
        for _ in range(line):
            found = _BREAK.search(self.units, start)
            if found is None:
                return len(self.units)
            start = found.end()
        found = _BREAK.search(self.units, start)
        end = found.start() if found else len(self.units)
        at = min(start + character, end)
        while start < at < end and _inside_character(self.units, at, self.encoding):
            at -= 1
        return at

    def boundary(self, line_start: int, at: int) -> int:
        """`at` rounded down to the start of the character it is in."""
        while at > line_start and at < len(self.units) and _inside_character(self.units, at, self.encoding):
            at -= 1
        return at

    def replace(self, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        first, last = self.offset(*start), self.offset(*end)
        first, last = min(first, last), max(first, last)
        self.units = self.units[:first] + to_units(text, self.encoding) + self.units[last:]

    def set_text(self, text: str) -> None:
        self.units = to_units(text, self.encoding)
