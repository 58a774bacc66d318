"""Sequence sets (RFC 3501 9 ``sequence-set``): parsing, and resolving against MSNs or UIDs."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

_SET = re.compile(rb"(?:\d+|\*)(?::(?:\d+|\*))?(?:,(?:\d+|\*)(?::(?:\d+|\*))?)*")
NUMBER_MAX = 4294967295


class SequenceError(ValueError):
    """Not a valid sequence set."""


@dataclass(frozen=True, slots=True)
class SequenceSet:
    """Ranges of numbers; ``None`` stands for ``*`` (the largest number in use)."""

    ranges: tuple[tuple[int | None, int | None], ...]

    def _bounds(self, largest: int) -> list[tuple[int, int]]:
        bounds = []
        for first, last in self.ranges:
            low = largest if first is None else first
            high = largest if last is None else last
            if low > high:  # RFC 3501 9: "4:2" is the same as "2:4"
                low, high = high, low
            bounds.append((low, high))
        return bounds

    def msns(self, count: int) -> list[int]:
        """The message sequence numbers named, in order without repeats.

        Raises :class:`SequenceError` when one is beyond ``count`` (a BAD, as RFC 3501 9 allows).
        """
        found: set[int] = set()
        for low, high in self._bounds(count):
            if low < 1 or high > count:
                raise SequenceError("no such message")
            found.update(range(low, high + 1))
        return sorted(found)

    def uid_indexes(self, uids: Sequence[int]) -> list[int]:
        """Indexes of the UIDs named in ascending ``uids``; absent ones skip (RFC 3501 6.4.8)."""
        if not uids:
            return []
        found: set[int] = set()
        for low, high in self._bounds(uids[-1]):
            found.update(range(bisect_left(uids, low), bisect_right(uids, high)))
        return sorted(found)

    def contains_uid(self, uid: int, largest: int) -> bool:
        return any(low <= uid <= high for low, high in self._bounds(largest))

    def contains_msn(self, msn: int, count: int) -> bool:
        return any(low <= msn <= high for low, high in self._bounds(count))


def parse_sequence_set(text: bytes) -> SequenceSet:
    """Parse ``1:3,5,7:*``; raises :class:`SequenceError`."""
    if not _SET.fullmatch(text):
        raise SequenceError("bad sequence set")
    ranges = []
    for part in text.split(b","):
        first, _, last = part.partition(b":")
        low, high = _number(first), _number(last) if last else _number(first)
        ranges.append((low, high))
    return SequenceSet(tuple(ranges))


def _number(text: bytes) -> int | None:
    if text == b"*":
        return None
    value = int(text)
    if not 0 < value <= NUMBER_MAX:  # RFC 3501 9: seq-number is nz-number / "*"
        raise SequenceError("sequence numbers start at 1")
    return value


def uid_set(uids: Sequence[int]) -> str:
    """``304,319:320``: ascending UIDs written as runs (RFC 4315 3 ``uid-set``), in order."""
    runs: list[list[int]] = []
    for uid in uids:
        if runs and runs[-1][1] == uid - 1:
            runs[-1][1] = uid
        else:
            runs.append([uid, uid])
    return ",".join(f"{low}" if low == high else f"{low}:{high}" for low, high in runs)
