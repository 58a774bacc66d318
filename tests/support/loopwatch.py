"""A pytest plugin that fails any test during which a server's event loop was held too long.

The event loop is shared by every client of every protocol, so one slow request is everyone's
outage (issue 17). Every callback an event loop runs (``asyncio.Handle._run``, wrapped by this
plugin only) is timed, and one that held its loop over :data:`THRESHOLD` is reported the way
asyncio's debug mode reports slow callbacks ("Executing <Task ...> took 0.205 seconds"); the
test it happened in fails at its teardown.

Why not asyncio's debug mode itself: it also records a stack for every handle, future and
coroutine it creates, which made the servers' own callbacks ten times slower (aiosmtpd's DATA
loop over a 200,000-line message went from under a second to 8 s) and so reported stalls that
do not exist without it. The measure is the same, without that cost.

Four kinds of slowness are not the server's serving clients, and are not counted:
- starting or stopping a server (``ThreadedRuntime._main``): it has no clients then;
- a loop on the main thread is a test's own (an async test; Playwright's sync API runs the
  test inside its loop): the servers run on loops of their own threads;
- garbage collection that happens to run inside a callback (the whole process's garbage), and
  the cost of tracemalloc while a memory test traces (the threshold is then TRACED times);
- time a callback spent off the CPU: on a loaded two-core machine (other processes, the test's
  threads and the servers' worker threads sharing one interpreter lock) a trivial callback's
  wall clock can pass the threshold while it waits. So a callback counts when it computed for
  THRESHOLD itself (parsing, scanning, matching); one that sleeps or blocks on I/O is not
  caught.

The threshold is :data:`THRESHOLD` (``MAILTRAP_LOOP_STALL`` overrides it, in seconds): 100 ms
of CPU, asyncio's own default, above the 50 ms that requests aim at, for the reasons above
(aiosmtpd's DATA loop, for one, takes about 60 ms of CPU per 256 KiB read of short lines).
Loaded from tests/conftest.py; ``-p loopwatch`` loads it into a pytester run. A test that
stalls a loop on purpose says so with ``@pytest.mark.loop_stalls_allowed``.
"""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
import tracemalloc

import pytest

THRESHOLD = float(os.environ.get("MAILTRAP_LOOP_STALL", "0.1"))
#: While tracemalloc traces every allocation (memory tests), code runs about this much slower.
TRACED = 4
_KEY = pytest.StashKey["_Reports"]()


class _Reports:
    """Slow callbacks seen on any thread, for the test running now."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self._lock = threading.Lock()

    def add(self, report: str) -> None:
        with self._lock:
            self.found.append(report)

    def take(self) -> list[str]:
        with self._lock:
            found, self.found = self.found, []
        return found


_watching: list[_Reports] = []  # the reports of each pytest run in this process (pytester)
_plain_run = asyncio.events.Handle._run
_collecting = threading.local()  # per thread: CPU time spent in garbage collection so far


def _on_gc(phase: str, info: dict) -> None:
    """gc.callbacks: note the CPU time each collection takes on the thread that runs it."""
    now = time.thread_time()
    if phase == "start":
        _collecting.started = now
    else:
        started = getattr(_collecting, "started", now)
        _collecting.spent = getattr(_collecting, "spent", 0.0) + now - started


def _timed_run(self: asyncio.Handle) -> None:
    """``Handle._run``, reporting a callback that held its loop's thread too long."""
    if not _watching or threading.current_thread() is threading.main_thread():
        _plain_run(self)
        return
    wall, cpu = time.perf_counter(), time.thread_time()  # wall: for the report
    collected = getattr(_collecting, "spent", 0.0)
    try:
        _plain_run(self)
    finally:
        wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
        cpu -= getattr(_collecting, "spent", 0.0) - collected  # a collection is no one's doing
        if cpu >= THRESHOLD and (cpu >= THRESHOLD * TRACED or not tracemalloc.is_tracing()):
            what = repr(getattr(self._callback, "__self__", None) or self)  # a step: its task
            # Starting and stopping a server (ThreadedRuntime._main) come before and after it
            # has clients: imports, certificates and binding are no request holding the loop.
            if "ThreadedRuntime._main()" not in what:
                report = f"Executing {what:.400} took {wall:.3f} seconds ({cpu:.3f} s of CPU)"
                for reports in _watching:
                    reports.add(report)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "loop_stalls_allowed: this test blocks an event loop on purpose"
    )
    reports = config.stash[_KEY] = _Reports()
    _watching.append(reports)
    asyncio.events.Handle._run = _timed_run  # type: ignore[method-assign]
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


def pytest_unconfigure(config: pytest.Config) -> None:
    reports = config.stash.get(_KEY, None)
    if reports in _watching:
        _watching.remove(reports)


@pytest.fixture(autouse=True)
def _no_loop_stalls(request: pytest.FixtureRequest):
    """Fails the test if a server's event loop was held longer than THRESHOLD while it ran."""
    reports = request.config.stash[_KEY]
    reports.take()  # what happened before this test is not its doing
    yield
    found = reports.take()
    if found and request.node.get_closest_marker("loop_stalls_allowed") is None:
        shown = "\n  ".join(found[:5])
        pytest.fail(f"an event loop was held over {THRESHOLD:g}s:\n  {shown}", pytrace=False)
