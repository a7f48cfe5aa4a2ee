"""Newest request wins: one ticket table, shared by the engines and the completion service.

Each key (a document's URI) has a counter. A new request takes the next ticket; anything holding an
older ticket for that key learns it is obsolete and gives up (a debounce sleep, a generation that
waits for the engine, a running one that is told to stop).
"""

from __future__ import annotations


class Tickets:
    """The newest ticket per key."""

    def __init__(self) -> None:
        self._newest: dict[str, int] = {}
        self._counter = 0

    def take(self, key: str) -> int:
        """A new ticket for `key`: every older one is obsolete from now on."""
        self._counter += 1
        self._newest[key] = self._counter
        return self._counter

    def newest(self, key: str, ticket: int) -> bool:
        """Is `ticket` still the newest for `key`?"""
        return self._newest.get(key) == ticket

    def holds(self, key: str) -> bool:
        """Has `key` a ticket that is not yet released?"""
        return key in self._newest

    def release(self, key: str, ticket: int) -> None:
        """The request with `ticket` is done: forget it, unless a newer one came."""
        if self._newest.get(key) == ticket:
            del self._newest[key]

    def forget(self, key: str) -> None:
        """The key is gone (a closed document)."""
        self._newest.pop(key, None)
