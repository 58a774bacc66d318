"""SMTP deliveries to a store whose commit waits on a disk (SQLite): one thread, grouped commits.

Each session hands its message over and awaits a future. One thread takes every message that
arrived while it committed the previous batch and stores them in one transaction
(:meth:`~mailtrap.store.MessageStore.deliver_all`); the futures are resolved on the loop, all of
a batch at once, after that commit, so each ``250`` follows its own message's commit. One thread
rather than a pool: a pool's threads contend for the GIL and the store's write lock, and each of
its results wakes the loop once. Messages go over in a :class:`queue.SimpleQueue`, whose
``put`` is a single C call: the loop hands a message over without running Python lock code.
Under load the thread lets a batch fill (up to :data:`GATHER`) before committing it. From the
hand-over to the reply, a message counts as in flight for the store's readers, which give way
to it (:mod:`mailtrap.priority`).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time

from ..store import Delivery, MessageRecord, MessageStore

log = logging.getLogger("mailtrap.smtp")

#: How long closing waits for the batch being committed (seconds).
CLOSE_TIMEOUT = 30.0
#: Under load the thread lets a batch fill before committing it: until as many messages as
#: the last batch had are waiting, looking every GATHER_STEP, for GATHER at most (seconds).
#: Fewer, larger transactions: fewer of the GIL hand-overs that cost the committer most
#: (SQLite ingest on 20 connections, against committing at once: +9 to +19% with a fixed
#: 0.3 ms wait, and about 8% more with this). A message that comes alone is committed at once.
GATHER, GATHER_STEP = 0.002, 0.0002

_Waiting = tuple[Delivery, "asyncio.Future[MessageRecord]"]
#: What closing puts after the last message, for the thread to end on.
_CLOSED = None


class Stopping(Exception):
    """The server stopped before the message was stored."""


class Committer:
    """Stores the messages of a server's sessions, a batch per transaction, off the loop."""

    def __init__(self, store: MessageStore) -> None:
        self._store = store
        self._queue: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._lock = threading.Lock()  # nothing is put after _CLOSED
        self._thread: threading.Thread | None = None
        self._closed = False

    async def deliver(self, delivery: Delivery) -> MessageRecord:
        """Store ``delivery``; returns once its transaction has committed."""
        future: asyncio.Future[MessageRecord] = asyncio.get_running_loop().create_future()
        in_flight = self._store.writes_first
        with self._lock:
            if self._closed:
                raise Stopping("the server is stopping")
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="mailtrap-deliver", daemon=True
                )
                self._thread.start()
            if in_flight is not None:
                in_flight.begin()
            self._queue.put((delivery, future))
        try:
            return await future
        finally:  # after this step, which writes the reply
            if in_flight is not None:
                asyncio.get_running_loop().call_soon(in_flight.end)

    def _run(self) -> None:
        waiting = self._queue
        last = 0
        while True:
            batch = [waiting.get()]  # lets go of the GIL while there is nothing to do
            deadline = time.monotonic() + GATHER
            while True:
                with contextlib.suppress(queue.Empty):
                    while True:
                        batch.append(waiting.get_nowait())
                if len(batch) >= last or _CLOSED in batch or time.monotonic() >= deadline:
                    break
                time.sleep(GATHER_STEP)
            handed = [item for item in batch if item is not _CLOSED]
            last = len(handed)
            if handed:
                self._commit(handed)
            if len(handed) < len(batch):
                return  # closed: everything put before it is stored

    def _commit(self, batch: list[_Waiting]) -> None:
        deliveries = [delivery for delivery, _ in batch]
        try:
            self._store.deliver_all(deliveries)
        except Exception as error:  # deliver_all reports each message's error itself
            log.exception("storing %d messages failed", len(batch))
            for delivery in deliveries:
                delivery.error = delivery.error or error
        by_loop: dict[asyncio.AbstractEventLoop, list[_Waiting]] = {}
        for waiting in batch:  # each future is resolved on its own loop
            by_loop.setdefault(waiting[1].get_loop(), []).append(waiting)
        for loop, settled in by_loop.items():
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
                loop.call_soon_threadsafe(_settle, settled)

    def close(self) -> None:
        """Store what was handed over, then end the thread; later deliveries raise
        :class:`Stopping`."""
        with self._lock:
            if not self._closed and self._thread is not None:
                self._queue.put(_CLOSED)
            self._closed = True
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(CLOSE_TIMEOUT)


def _settle(batch: list[_Waiting]) -> None:
    for delivery, future in batch:
        if future.done():  # the session went away meanwhile
            continue
        if delivery.error is not None:
            future.set_exception(delivery.error)
        else:
            assert delivery.record is not None
            future.set_result(delivery.record)
