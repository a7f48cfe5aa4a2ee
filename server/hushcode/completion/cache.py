"""Recent suggestions, reusable while the user types through them.

An entry remembers the text just before the cursor (a few hundred characters: edits elsewhere
in the file, and scrolling, do not matter) and the rest of the cursor's line. When the user
has since typed the first characters of a cached suggestion, the rest is offered at once,
with no model call. Speculative "as if accepted" suggestions are stored here too.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class CachedText:
    text: str
    replace_end: int = 0


@dataclass(frozen=True)
class _Entry:
    key: str  # the text before the cursor (its last `context_chars` characters)
    line_after: str
    suggestions: tuple[CachedText, ...]


class SuggestionCache:
    """A small LRU of suggestions per document."""

    def __init__(self, max_entries: int = 64, context_chars: int = 300) -> None:
        self.max_entries = max_entries
        self.context_chars = context_chars
        self._entries: OrderedDict[tuple[str, str, str], _Entry] = OrderedDict()

    def put(self, uri: str, before: str, line_after: str, suggestions: list[CachedText]) -> None:
        if not suggestions:
            return
        key = before[-self.context_chars:]
        self._entries[(uri, key, line_after)] = _Entry(key, line_after, tuple(suggestions))
        self._entries.move_to_end((uri, key, line_after))
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def get(self, uri: str, before: str, line_after: str) -> list[CachedText] | None:
        """What is left of a cached suggestion that the text before the cursor has typed into."""
        for (entry_uri, _, entry_after), entry in reversed(self._entries.items()):
            if entry_uri != uri or entry_after != line_after:
                continue
            found: list[CachedText] = []
            for suggestion in entry.suggestions:
                typed = _typed_into(before, entry.key, suggestion.text)
                if typed is not None and typed < len(suggestion.text):
                    rest = suggestion.text[typed:]
                    if rest.strip() and all(f.text != rest for f in found):
                        found.append(CachedText(rest, suggestion.replace_end))
            if found:
                self._entries.move_to_end((entry_uri, entry.key, entry_after))
                return found
        return None

    def forget(self, uri: str) -> None:
        for key in [k for k in self._entries if k[0] == uri]:
            del self._entries[key]


def _typed_into(before: str, key: str, text: str) -> int | None:
    """How many characters of `text` the user typed after `key`, or None if `before` does not
    continue `key` with a prefix of `text`."""
    for typed in range(min(len(text), len(before)), -1, -1):
        if before.endswith(text[:typed]) and before[: len(before) - typed].endswith(key):
            return typed
    return None
