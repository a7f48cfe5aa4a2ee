"""The windows cache of similar-code retrieval holds one version per file: typing in one file
(a new text per keystroke) must neither grow it nor push the other files out."""

from __future__ import annotations

from pathlib import Path

from hushcode.workspace import similar


def test_typing_keeps_one_cached_version_per_file() -> None:
    similar._cache.clear()
    other = Path("/w/other.py")
    kept = similar.windows(other, "def helper(value):\n    return value\n" * 20, 8, 4)
    typed = Path("/w/typed.py")
    text = "def area(radius):\n"
    for ch in "    return math.pi * radius * radius\n" * 5:  # 190 keystrokes, 190 texts
        text += ch
        similar.windows(typed, text, 8, 4)
    assert len(similar._cache) == 2
    assert similar.windows(other, "def helper(value):\n    return value\n" * 20, 8, 4) is kept  # still cached
    fresh = similar.windows(typed, text, 8, 4)
    assert fresh is similar.windows(typed, text, 8, 4)
    assert similar.windows(typed, text + "x", 8, 4) is not fresh  # a new version is computed afresh
