"""A cache of values derived from messages' bytes (parsed MIME, IMAP structure, API facts).

Keyed by (kind, message ID), never by object; bounded in entries and in bytes (each value comes
with an estimate of what it holds); the store makes it forget a message when the message's
last link goes, and everything on ``clear()``. Values are built outside the cache's lock, so
two threads asking for the same new value may both build it (the work is idempotent).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")

MiB = 1024 * 1024
#: Defaults: enough for a viewer page of ordinary messages many times over, and a few big ones.
MAX_BYTES = 64 * MiB
MAX_ENTRIES = 4096


class DerivedCache:
    """An LRU of derived values with a byte budget."""

    def __init__(self, max_bytes: int = MAX_BYTES, max_entries: int = MAX_ENTRIES) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._values: OrderedDict[tuple[str, str], tuple[Any, int]] = OrderedDict()
        self._by_id: dict[str, set[str]] = {}
        self._bytes = 0

    def get(
        self,
        kind: str,
        message_id: str,
        build: Callable[[], T],
        cost: Callable[[T], int],
        *,
        keep: Callable[[], bool] = lambda: True,
    ) -> T:
        """The cached value, or ``build()`` kept when ``keep()`` still holds after building.

        ``keep`` tells whether the message is still stored, so a value built for a message
        deleted meanwhile is not kept. A value costing more than the whole budget is returned
        without being kept.
        """
        key = (kind, message_id)
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                self._values.move_to_end(key)
                return found[0]
        value = build()
        size = max(1, cost(value))
        if size > self.max_bytes:
            return value
        with self._lock:
            if key in self._values or not keep():
                return value
            self._values[key] = (value, size)
            self._by_id.setdefault(message_id, set()).add(kind)
            self._bytes += size
            while self._bytes > self.max_bytes or len(self._values) > self.max_entries:
                (old_kind, old_id), (_, old_size) = self._values.popitem(last=False)
                self._bytes -= old_size
                self._drop_kind(old_id, old_kind)
        return value

    def _drop_kind(self, message_id: str, kind: str) -> None:
        kinds = self._by_id.get(message_id)
        if kinds is not None:
            kinds.discard(kind)
            if not kinds:
                del self._by_id[message_id]

    def has(self, kind: str, message_id: str) -> bool:
        return (kind, message_id) in self._values

    def forget(self, message_ids: Iterable[str]) -> None:
        """Drop every value derived from these messages."""
        with self._lock:
            for message_id in message_ids:
                for kind in self._by_id.pop(message_id, ()):
                    _, size = self._values.pop((kind, message_id))
                    self._bytes -= size

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._by_id.clear()
            self._bytes = 0

    def message_ids(self) -> set[str]:
        """The IDs of every message something is cached for."""
        with self._lock:
            return set(self._by_id)

    @property
    def size(self) -> int:
        """The estimated bytes held."""
        return self._bytes
