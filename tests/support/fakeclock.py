"""A monotonic clock the test moves by hand (``clock.now += 300``), for code with an injectable
clock: fault-rule rates, the failure-delay policy."""

from __future__ import annotations


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
