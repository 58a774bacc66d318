"""Waiting in a test for something another thread or process brings about."""

from __future__ import annotations

import time
from collections.abc import Callable


def until(condition: Callable[[], object], timeout: float = 5.0, step: float = 0.01) -> bool:
    """Whether ``condition()`` came true within ``timeout`` seconds (asked every ``step``)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True
