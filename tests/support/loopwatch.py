"""A pytest plugin that fails any test during which an event loop was held too long.

Every event loop made while it is active runs in asyncio's debug mode, whose slow-callback
report ("Executing <Handle ...> took 0.205 seconds", logged by ``asyncio``) names each callback
that held the loop past ``slow_callback_duration``. The plugin collects those reports and fails
the test they happened in, at its teardown. The event loop is shared by every client of every
protocol, so one slow request is everyone's outage (issue 17).

Servers run on loops of their own threads (the fixtures' ``ThreadedRuntime``); a loop on the
main thread is a test's own (an async test, or Playwright's sync API, which runs the test inside
its loop) and is not watched.

A report counts only when the callback also spent at least half the threshold on the CPU
itself: on a loaded two-core machine (other test processes, the test's own threads, the
servers' worker threads, all sharing one interpreter lock) the wall clock of a trivial callback
can pass the threshold while it waits for the CPU or the lock. So the detector catches callbacks
that compute too long (parsing, scanning, matching); one that sleeps or blocks on I/O is not
caught. (The CPU time of each callback comes from wrapping ``asyncio.Handle._run``, in this
test plugin only.)

The threshold is :data:`THRESHOLD` (``MAILTRAP_LOOP_STALL`` overrides it, in seconds): asyncio's
own default, above the 50 ms that requests aim at, because on a loaded two-core machine the
callbacks share the interpreter lock with the test's own threads. Loaded from tests/conftest.py;
``-p loopwatch`` loads it into a pytester run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time

import pytest

THRESHOLD = float(os.environ.get("MAILTRAP_LOOP_STALL", "0.1"))
_KEY = pytest.StashKey["_Reports"]()


_last = threading.local()
_plain_run = asyncio.events.Handle._run


def _measured_run(self: asyncio.Handle) -> None:
    """Handle._run, noting the CPU time the loop's thread spent in the call."""
    before = time.thread_time()
    try:
        _plain_run(self)
    finally:
        _last.cpu = time.thread_time() - before


def _little_work() -> bool:
    """True when the callback just reported used under half the threshold of CPU itself."""
    return getattr(_last, "cpu", 0.0) < THRESHOLD / 2


class _Reports(logging.Handler):
    """Collects asyncio's slow-callback reports, from every thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.found: list[str] = []
        self._lock_found = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        # A loop on the main thread is a test's own (an async test; Playwright's sync API runs
        # the test inside its loop): the servers run on loops of their own threads.
        if record.threadName == "MainThread" or _little_work():
            return
        message = record.getMessage()
        # Starting and stopping a server (ThreadedRuntime._main) happen before and after it
        # has clients: certificates, imports and binding are not a request holding the loop.
        if message.startswith("Executing ") and "ThreadedRuntime._main()" not in message:
            with self._lock_found:
                self.found.append(message)

    def take(self) -> list[str]:
        with self._lock_found:
            found, self.found = self.found, []
        return found


class WatchedPolicy(asyncio.DefaultEventLoopPolicy):
    """Makes every new event loop report callbacks that run longer than THRESHOLD."""

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        loop = super().new_event_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = THRESHOLD
        return loop


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "loop_stalls_allowed: this test blocks an event loop on purpose"
    )
    reports = _Reports()
    config.stash[_KEY] = reports
    logging.getLogger("asyncio").addHandler(reports)
    asyncio.set_event_loop_policy(WatchedPolicy())
    asyncio.events.Handle._run = _measured_run  # type: ignore[method-assign]


def pytest_unconfigure(config: pytest.Config) -> None:
    reports = config.stash.get(_KEY, None)
    if reports is not None:
        logging.getLogger("asyncio").removeHandler(reports)


@pytest.fixture(autouse=True)
def _no_loop_stalls(request: pytest.FixtureRequest):
    """Fails the test if an event loop was held longer than THRESHOLD while it ran."""
    reports = request.config.stash[_KEY]
    reports.take()  # what happened before this test is not its doing
    yield
    found = reports.take()
    if found and request.node.get_closest_marker("loop_stalls_allowed") is None:
        shown = "\n  ".join(found[:5])
        pytest.fail(f"an event loop was held over {THRESHOLD:g}s:\n  {shown}", pytrace=False)
