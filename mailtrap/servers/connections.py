"""Live connections of one listening server: a count limit, and closing them all on stop.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio


class Connections:
    """The transports a server has open; refuses new ones past ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: set[asyncio.BaseTransport] = set()

    def __len__(self) -> int:
        return len(self._open)

    def add(self, transport: asyncio.BaseTransport) -> bool:
        """Track ``transport``; False (and not tracked) when the limit is reached."""
        if len(self._open) >= self.limit:
            return False
        self._open.add(transport)
        return True

    def discard(self, transport: asyncio.BaseTransport | None) -> None:
        self._open.discard(transport)  # type: ignore[arg-type]

    def close_all(self) -> None:
        """Abort every open connection (used on stop, so stop never waits for clients)."""
        for transport in list(self._open):
            transport.abort()  # type: ignore[attr-defined]
        self._open.clear()
