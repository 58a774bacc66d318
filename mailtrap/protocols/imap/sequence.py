"""Sequence sets (RFC 3501 9 ``sequence-set``): parsing, and resolving against MSNs or UIDs.

PYTEST_DONT_REWRITE
"""

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
    """Ranges of numbers; ``None`` stands for ``*`` (the largest number in use).

    Every question is answered from the ranges sorted and merged once for the ``largest`` in
    use (:meth:`merged`): a membership test is a binary search and a listing is linear in what
    it lists, however many ranges a client sends (``1:*,1:*,...`` 16,000 times is one range).
    """

    ranges: tuple[tuple[int | None, int | None], ...]

    def merged(self, largest: int) -> Ranges:
        """Sorted, disjoint, non-adjacent ``(low, high)`` ranges with ``*`` read as ``largest``."""
        bounds = []
        for first, last in self.ranges:
            low = largest if first is None else first
            high = largest if last is None else last
            if low > high:  # RFC 3501 9: "4:2" is the same as "2:4"
                low, high = high, low
            bounds.append((low, high))
        bounds.sort()
        lows: list[int] = []
        highs: list[int] = []
        for low, high in bounds:
            if highs and low <= highs[-1] + 1:
                highs[-1] = max(highs[-1], high)
            else:
                lows.append(low)
                highs.append(high)
        return Ranges(tuple(lows), tuple(highs))

    def msns(self, count: int) -> list[int]:
        """The message sequence numbers named, in order without repeats.

        Raises :class:`SequenceError` when one is beyond ``count`` (a BAD, as RFC 3501 9 allows).
        """
        ranges = self.merged(count)
        if ranges.lows and (ranges.lows[0] < 1 or ranges.highs[-1] > count):
            raise SequenceError("no such message")
        found: list[int] = []
        for low, high in zip(ranges.lows, ranges.highs, strict=True):
            found.extend(range(low, high + 1))
        return found

    def uid_indexes(self, uids: Sequence[int]) -> list[int]:
        """Indexes of the UIDs named in ascending ``uids``; absent ones skip (RFC 3501 6.4.8)."""
        if not uids:
            return []
        ranges = self.merged(uids[-1])
        found: list[int] = []
        for low, high in zip(ranges.lows, ranges.highs, strict=True):
            found.extend(range(bisect_left(uids, low), bisect_right(uids, high)))
        return found


@dataclass(frozen=True, slots=True)
class Ranges:
    """Sorted disjoint ranges: ``lows[i]`` to ``highs[i]`` inclusive; ``n in ranges`` bisects."""

    lows: tuple[int, ...]
    highs: tuple[int, ...]

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int):
            return False
        index = bisect_right(self.lows, number) - 1
        return index >= 0 and number <= self.highs[index]


def parse_sequence_set(text: bytes) -> SequenceSet:
    """Parse ``1:3,5,7:*``; raises :class:`SequenceError`."""
    if not _SET.fullmatch(text):
        raise SequenceError("bad sequence set")
    ranges = []
    for part in dict.fromkeys(text.split(b",")):  # a repeated range is read once
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
