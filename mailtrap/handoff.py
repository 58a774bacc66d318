"""Handing store events to an event loop from whichever thread wrote to the store.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any


def hand_off(
    loop: asyncio.AbstractEventLoop, loop_thread: int, callback: Callable[..., Any], *args: Any
) -> None:
    """Run ``callback(*args)`` on ``loop`` soon, from any thread.

    On the loop's own thread (SMTP deliveries) this is a plain ``call_soon``: no self-pipe
    write and no extra wake-up. A loop that is closing drops the call.
    """
    try:
        if threading.get_ident() == loop_thread:
            loop.call_soon(callback, *args)
        else:
            loop.call_soon_threadsafe(callback, *args)
    except RuntimeError:  # the loop is closing
        pass
