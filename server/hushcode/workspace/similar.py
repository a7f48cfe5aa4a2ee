"""Code similar to the text before the cursor: sliding windows of lines from the open and
recently edited files and the files related to the current one (workspace/related.py), ranked by
the Jaccard similarity of their identifier sets (the "neighboring tabs" retrieval of Copilot and
Cody, widened to the neighbouring modules: cheap, and good at finding the code the user imitates).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from .edits import EditRegion
from .index import WorkspaceIndex
from .snippet import RetrievalSettings, Snippet

TOKEN = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]+")  # two characters at least: `i` and `x` say little
CACHE_FILES = 64
# Keywords and names every file has: they make unrelated code look alike.
STOP_WORDS = frozenset("""
    self this cls return if else elif for while in is not and or as with try except finally raise
    pass break continue def class import from None True False null undefined true false new
    const let var function async await yield lambda global nonlocal del assert public private
    protected static final void int char long float double bool boolean string str func fn pub mut
    use impl struct enum type interface package go defer select case switch default do extends
""".split())  # noqa: SIM905 - one word list reads better than 80 quoted strings

# A window this similar to the lines before the cursor is most often the code being imitated (a
# sibling module's same logging call or guard): retrieval puts it before the definitions, which
# otherwise fill a small budget first (docs/workspace.md) ...
STRONG_SIMILAR = 0.25
STRONG_MIN_WORDS = 8  # ... when it has this many distinct identifiers (a short import block is not)

Window = tuple[int, int, frozenset[str]]  # first line, end line (exclusive), identifiers

# One entry per file (and window shape): the newest version's windows. Keyed by content instead,
# every keystroke in the file being typed added an entry, and 64 stale versions of it pushed the
# other files out (and held megabytes).
_cache: OrderedDict[tuple[Path, int, int], tuple[tuple[int, int], list[Window]]] = OrderedDict()
_cache_lock = threading.Lock()


def tokens(text: str) -> frozenset[str]:
    return frozenset(TOKEN.findall(text)) - STOP_WORDS


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def windows(path: Path, text: str, size: int, stride: int) -> list[Window]:
    """The windows of a text, cached by content: unchanged files cost nothing on the next call."""
    key, version = (path, size, stride), (len(text), hash(text))
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == version:
            _cache.move_to_end(key)
            return hit[1]
    lines = text.split("\n")
    result = [(start, min(start + size, len(lines)), tokens("\n".join(lines[start:start + size])))
              for start in range(0, max(1, len(lines) - size + stride), stride)]
    with _cache_lock:
        _cache[key] = (version, result)
        _cache.move_to_end(key)
        while len(_cache) > CACHE_FILES:
            _cache.popitem(last=False)
    return result


def similar_windows(index: WorkspaceIndex, path: Path, text: str, offset: int, local_lines: tuple[int, int],
                    recent_edits: Sequence[EditRegion], settings: RetrievalSettings,
                    related: Sequence[Path] = ()) -> list[Snippet]:
    """The best windows, at most `settings.max_similar`, none overlapping another or (in the
    current file) the local window `local_lines` (first and last line). The windows come from the
    current file, the open documents, the recently edited files and the `related` files."""
    before = text[:offset].split("\n")[-settings.query_lines:]
    query = tokens("\n".join(before))
    if not query:
        return []
    open_docs = index.open_documents()
    sources = list(dict.fromkeys([path, *sorted(open_docs), *(r.path for r in recent_edits), *related]))
    scored: list[tuple[float, Path, int, int, bool]] = []
    texts: dict[Path, str] = {}
    for source in sources:
        body = text if source == path else open_docs.get(source) or index.text(source)
        if body is None:
            continue
        texts[source] = body
        for start, end, words in windows(source, body, settings.window_lines, settings.window_stride):
            if source == path and start <= local_lines[1] and end > local_lines[0]:
                continue
            score = jaccard(query, words)
            if score >= settings.min_similarity:
                strong = score >= STRONG_SIMILAR and len(words) >= STRONG_MIN_WORDS
                scored.append((score, source, start, end, strong))
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    chosen: list[tuple[float, Path, int, int, bool]] = []
    for candidate in scored:
        if len(chosen) >= settings.max_similar:
            break
        _, source, start, end, _ = candidate
        if any(c[1] == source and start < c[3] and c[2] < end for c in chosen):
            continue
        chosen.append(candidate)
    return [Snippet(index.relative(source), "\n".join(texts[source].split("\n")[start:end]), "similar",
                    round(score, 6), start, strong) for score, source, start, end, strong in chosen]
