"""The failure-delay policy: how long to wait before answering a failed login, per peer.

No delay for the first :data:`FREE` failures from a peer; then 0.5 s, doubling with each
further failure up to 5 s. A success, or :data:`FORGET` seconds without a failure, starts the
peer afresh. Pure logic with an injectable clock: the front-ends do the waiting. Off unless
asked for in-process (tests share one loopback peer); on for the command line and container.
At most :data:`MAX_PEERS` peers are remembered, the longest quiet forgotten first.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

FREE = 3
FIRST = 0.5
LONGEST = 5.0
FORGET = 300.0
MAX_PEERS = 4096


class Throttle:
    """Failure counts by peer (an address string); safe to use from any thread."""

    def __init__(
        self, *, enabled: bool = True, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.enabled = enabled
        self._clock = clock
        self._lock = threading.Lock()
        self._peers: OrderedDict[str, tuple[int, float]] = OrderedDict()  # failures, last one

    def failed(self, peer: str) -> float:
        """Count a failure from ``peer``; the seconds to wait before answering it."""
        if not self.enabled:
            return 0.0
        now = self._clock()
        with self._lock:
            count, last = self._peers.pop(peer, (0, now))
            if now - last >= FORGET:
                count = 0
            count += 1
            self._peers[peer] = (count, now)
            while len(self._peers) > MAX_PEERS:
                self._peers.popitem(last=False)
        if count <= FREE:
            return 0.0
        return min(FIRST * 2 ** min(count - FREE - 1, 16), LONGEST)

    def succeeded(self, peer: str) -> None:
        """A login from ``peer`` succeeded: its failures are forgotten."""
        with self._lock:
            self._peers.pop(peer, None)
