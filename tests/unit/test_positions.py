"""LSP positions in UTF-16, UTF-8 and UTF-32, with non-ASCII text."""

from __future__ import annotations

import pytest

from hushcode.documents.positions import position_of, resolve_position

TEXT = "a = 'é'\nb = '😀' + x\r\nlast"


@pytest.mark.parametrize(
    "encoding,line,character,expected",
    [
        ("utf-16", 0, 7, 7),  # end of line 0 (é is one UTF-16 unit)
        ("utf-8", 0, 8, 7),  # é is two UTF-8 bytes
        ("utf-16", 1, 7, 8 + 6),  # after the emoji: 2 UTF-16 units
        ("utf-8", 1, 9, 8 + 6),  # 4 UTF-8 bytes
        ("utf-32", 1, 6, 8 + 6),  # 1 code point
        ("utf-16", 2, 4, len(TEXT)),  # \r\n is one line break
        ("utf-16", 2, 0, len(TEXT) - 4),
    ],
)
def test_resolves_valid_positions(encoding: str, line: int, character: int, expected: int) -> None:
    resolved = resolve_position(TEXT, line, character, encoding)
    assert resolved is not None and resolved.offset == expected
    assert position_of(TEXT, expected, encoding) == (line, character)


@pytest.mark.parametrize(
    "encoding,line,character",
    [
        ("utf-16", 0, 8),  # past the end of the line
        ("utf-16", 3, 0),  # past the last line
        ("utf-16", 1, 6),  # inside the emoji's surrogate pair
        ("utf-8", 0, 6),  # inside é's two bytes
        ("utf-16", -1, 0),
        ("utf-16", 0, -1),
    ],
)
def test_rejects_invalid_positions(encoding: str, line: int, character: int) -> None:
    assert resolve_position(TEXT, line, character, encoding) is None


def test_empty_document_has_one_empty_line() -> None:
    resolved = resolve_position("", 0, 0)
    assert resolved is not None and resolved.offset == 0
    assert resolve_position("", 0, 1) is None
    assert resolve_position("", 1, 0) is None


def test_combining_characters_count_as_their_code_points() -> None:
    text = "e\u0301x"  # e + combining acute: two code points, two UTF-16 units, 3 UTF-8 bytes
    assert resolve_position(text, 0, 2, "utf-16").offset == 2  # type: ignore[union-attr]
    assert resolve_position(text, 0, 3, "utf-8").offset == 2  # type: ignore[union-attr]
