"""Message IDs: unique within their store, and cheap to make.

Each store owns one :class:`MessageIds`: a random prefix drawn once (one ``os.urandom`` call per
store, not one per message) followed by a counter, as 16 hex digits, like the random IDs they
replace (a store that outlives 2**32 messages gets longer IDs, still unique). IDs from two stores
differ by their prefixes, so an ID from a restarted server does not name a new message by chance.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import itertools
import os


class MessageIds:
    """One store's ID source: ``ids = MessageIds()``, then ``ids()`` -> ``"9f3c0a5100000001"``."""

    __slots__ = ("_counter", "_prefix")

    def __init__(self) -> None:
        self._prefix = os.urandom(4).hex()
        # next() on itertools.count is one C call: atomic under the GIL, no lock needed.
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._counter):08x}"
