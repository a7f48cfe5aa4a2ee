"""LSP content changes applied as the protocol defines them (documents/edits.py, documents/store.py).

The first table are cases pygls 2.1's own TextDocument got wrong (its result in the comment)."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from hushcode.documents.edits import apply_change, chars_for_units, split_lines
from hushcode.documents.store import SyncedDocument

PYGLS_WRONG = [
    # (text, start, end, new text, encoding, expected)         pygls 2.1 gave
    ("a\x0cb\nc", (1, 0), (1, 0), "X", "utf-16", "a\x0cb\nXc"),  # 'a\x0cXb\nc': form feed is no line break
    ("a\u2028b\nc", (1, 1), (1, 1), "X", "utf-16", "a\u2028b\ncX"),  # 'a\u2028bX\nc'
    ("x\x85y\nz", (1, 0), (1, 1), "", "utf-8", "x\x85y\n"),  # U+0085 is no line break either
    ("abc", (0, 10), (0, 10), "X", "utf-16", "abcX"),  # 'abXc': past the end of the last line
    ("abc\n", (0, 4), (0, 4), "X", "utf-16", "abcX\n"),  # 'abc\nX': one past the line's end
    ("ab\r\ncd", (0, 3), (0, 3), "X", "utf-16", "abX\r\ncd"),  # 'ab\rX\ncd': split the \r\n
]

RULES = [
    ("", (0, 0), (0, 0), "new", "utf-16", "new"),  # an empty document
    ("", (3, 7), (9, 9), "new", "utf-8", "new"),  # past the end of an empty document
    ("ab\ncd", (5, 0), (6, 0), "!", "utf-16", "ab\ncd!"),  # a line past the last one: the end
    ("ab\ncd", (0, 1), (1, 99), "", "utf-16", "a"),  # the end past its line's end
    ("a😀b", (0, 3), (0, 3), "X", "utf-16", "a😀Xb"),  # the emoji is 2 UTF-16 units
    ("a😀b", (0, 5), (0, 5), "X", "utf-8", "a😀Xb"),  # ... and 4 UTF-8 bytes
    ("a😀b", (0, 2), (0, 2), "X", "utf-16", "aX😀b"),  # inside the surrogate pair: rounds down
    ("aé", (0, 2), (0, 3), "", "utf-8", "a"),  # inside é (2 bytes): rounds down to its start
    ("e\u0301x", (0, 1), (0, 2), "", "utf-16", "ex"),  # a combining mark is its own code point
    ("abcdef", (0, 4), (0, 1), "-", "utf-16", "a-ef"),  # a range given end first
    ("a\rb", (1, 0), (1, 1), "", "utf-16", "a\r"),  # a lone \r is a line break
    ("a\r\nb", (1, 0), (1, 0), "\n", "utf-8", "a\r\n\nb"),
]


@pytest.mark.parametrize("text,start,end,new,encoding,expected", PYGLS_WRONG + RULES)
def test_apply_change(text: str, start: tuple[int, int], end: tuple[int, int], new: str, encoding: str,
                      expected: str) -> None:
    assert apply_change(text, start, end, new, encoding) == expected


@pytest.mark.parametrize("text,start,end,new,encoding,expected", PYGLS_WRONG)
def test_synced_document_applies_lsp_rules(text: str, start: tuple[int, int], end: tuple[int, int], new: str,
                                           encoding: str, expected: str) -> None:
    doc = SyncedDocument("file:///x.py", text, position_codec=PositionCodec(encoding))
    doc.apply_change(types.TextDocumentContentChangePartial(
        range=types.Range(start=types.Position(*start), end=types.Position(*end)), text=new))
    assert doc.source == expected
    assert "".join(doc.lines) == expected


def test_lines_are_lsp_lines() -> None:
    assert split_lines("a\r\nb\rc\nd\x0ce\u2028") == ["a\r\n", "b\r", "c\n", "d\x0ce\u2028"]
    assert split_lines("") == [] and split_lines("x\n") == ["x\n"]


def test_a_megabyte_line_is_quick_to_address() -> None:
    line = "é😀a" * 250_000  # 1 MB of code points, 1.75 M UTF-16 units
    assert chars_for_units(line, 4 * 249_999 + 1, "utf-16") == 3 * 249_999 + 1
    assert chars_for_units(line, 7 * 250_000, "utf-8") == len(line)
    assert chars_for_units(line, 7 * 250_000 - 1, "utf-8") == len(line) - 1  # all but the last 'a'
    assert chars_for_units(line, 7 * 250_000 - 2, "utf-8") == len(line) - 2  # inside the last 😀: rounds down
