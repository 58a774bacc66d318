"""Readers give way to mail being stored (issue 14: readers never hold up ingest).

On a database every reply to ``DATA`` waits for a commit, and each SQLite statement of that
commit lets go of the GIL and must take it back. Readers (API views in the HTTP workers, long
IMAP answers on the loop, reads done off the loop) are what it takes it back from. So while a
delivery is in flight (from its hand-over to the committer until its reply is written) a reader
that reaches a point where it may wait (an HTTP request before it goes to a worker, an IMAP
command between two slices of its answer, a read about to go off the loop, the indexer before a
transaction) waits until no delivery is in flight. A spell of deliveries longer than
:data:`PATIENCE` (a flood: something is always in flight) stops making readers wait, so they
still get on under any load.

The command line and the container (an eager runtime, SMTP on a loop of its own) go one step
further on a database: the thread that serves readers runs at a lower OS priority
(:func:`lower_this_thread`; the threads it starts, HTTP workers and reads off the loop, inherit
it), so when the cores are busy the SMTP loop and the committer run first.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import time

#: How long one spell of deliveries in flight may keep readers waiting (seconds).
PATIENCE = 0.02
#: How many nice steps below SMTP the readers' threads of a server process run.
READER_NICE = 10


def lower_this_thread(by: int = READER_NICE) -> bool:
    """Run the calling thread, and the threads it starts from now on, ``by`` nice steps lower;
    False where that cannot be done (a Linux thread has a priority of its own; elsewhere only
    the process has one). Never undone: raising it back needs privileges."""
    if sys.platform != "linux":
        return False
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + by)
    except OSError:
        return False
    return True


class WritesFirst:
    """Counts the deliveries in flight; readers :meth:`give_way` to them. Thread-safe."""

    __slots__ = ("_count", "_idle", "_lock", "_until", "_waiters")

    def __init__(self) -> None:
        self._count = 0
        self._until = 0.0  # when the current spell stops making readers wait
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._waiters: set[asyncio.Future[None]] = set()

    def begin(self) -> None:
        """A delivery was handed over."""
        with self._lock:
            if not self._count:
                self._until = time.monotonic() + PATIENCE
                self._idle.clear()
            self._count += 1

    def end(self) -> None:
        """A delivery's reply was written (or it failed)."""
        with self._lock:
            self._count -= 1
            if self._count:
                return
            self._idle.set()
            waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            with contextlib.suppress(RuntimeError):  # its loop has closed: nobody waits
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)

    @property
    def in_flight(self) -> int:
        """How many deliveries are between their hand-over and their reply."""
        return self._count

    @property
    def busy(self) -> bool:
        """True while readers should wait: deliveries in flight, for PATIENCE at most."""
        return self._count > 0 and time.monotonic() < self._until

    def give_way(self) -> None:
        """In a worker thread: wait while :attr:`busy`."""
        if self._count:
            left = self._until - time.monotonic()
            if left > 0:
                self._idle.wait(left)

    async def give_way_async(self) -> None:
        """On a loop: wait while :attr:`busy`, letting the loop serve others meanwhile."""
        if not self._count:  # the usual case, after every chunk of every answer: no lock
            return
        with self._lock:
            left = self._until - time.monotonic()
            if not self._count or left <= 0:
                return
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.add(waiter)
        try:
            async with asyncio.timeout(left):
                await waiter
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.discard(waiter)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
