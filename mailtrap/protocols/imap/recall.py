"""What a selected view remembers about its messages, bounded whatever the mailbox's size: the
entries it read lately (by UID) and the UIDs it holds as \\Recent (as ranges).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict

from ...store import Entry

#: How many entries a view keeps by default (about 300 bytes each).
CACHE_SIZE = 4096


class EntryCache:
    """The entries a view read or changed lately, by UID; the oldest goes past ``size``.

    They are what the session last showed its client, so a change the store reports is
    compared with them: a flag change the session made itself is not echoed, unless it touched
    more messages than the cache holds (those it forgot are reported once, as any change by
    another session is).
    """

    __slots__ = ("_entries", "size")

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[int, Entry] = OrderedDict()

    def get(self, uid: int) -> Entry | None:
        return self._entries.get(uid)

    def put(self, entry: Entry) -> None:
        entries = self._entries
        entries[entry.uid] = entry
        entries.move_to_end(entry.uid)
        if len(entries) > self.size:
            entries.popitem(last=False)

    def discard(self, uid: int) -> Entry | None:
        return self._entries.pop(uid, None)

    def uids(self) -> list[int]:
        return list(self._entries)


class Recent:
    """The UIDs a session holds as \\Recent (RFC 3501 2.3.2): the ranges it claimed, each
    ``(after, upto]``. A claim always reaches the highest UID the view holds, so the ranges
    ascend and a new one merges into the last when they meet."""

    __slots__ = ("_afters", "_uptos")

    def __init__(self) -> None:
        self._afters: list[int] = []
        self._uptos: list[int] = []

    def add(self, after: int, upto: int) -> None:
        if upto <= after:
            return
        while self._uptos and after <= self._uptos[-1]:
            after = min(after, self._afters.pop())
            upto = max(upto, self._uptos.pop())
        self._afters.append(after)
        self._uptos.append(upto)

    def __contains__(self, uid: int) -> bool:
        index = bisect_left(self._afters, uid) - 1
        return index >= 0 and uid <= self._uptos[index]

    def count(self, uids: array[int]) -> int:
        """How many of ``uids`` (ascending) are recent."""
        return sum(
            bisect_right(uids, upto) - bisect_right(uids, after)
            for after, upto in zip(self._afters, self._uptos, strict=True)
        )
