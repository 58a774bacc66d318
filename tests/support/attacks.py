"""Helpers for the hostile-input regression tests (issue 17, tests/hostile): probes that measure
how long other clients wait while an attack runs, and a memory bound measured with tracemalloc."""

from __future__ import annotations

import contextlib
import gc
import imaplib
import poplib
import smtplib
import statistics
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator

#: The acceptance bounds: median of the probes, and the slowest probe.
MEDIAN = 0.1
WORST = 0.5
PROBES = 20


class Probes:
    """Other clients of every protocol, each probed in turn: SMTP, POP3 and IMAP NOOP."""

    def __init__(self, trap) -> None:
        self.smtp = smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=10)
        self.pop3 = poplib.POP3(trap.smtp_host, trap.pop3_port, timeout=10)
        self.pop3.user("probe@example.com")
        self.pop3.pass_("x")
        self.imap = imaplib.IMAP4(trap.smtp_host, trap.imap_port, timeout=10)
        self.imap.login("probe@example.com", "x")
        self._calls: list[Callable[[], object]] = [self.smtp.noop, self.pop3.noop, self.imap.noop]
        self.times: list[float] = []

    def probe(self) -> float:
        call = self._calls[len(self.times) % len(self._calls)]
        started = time.perf_counter()
        call()
        took = time.perf_counter() - started
        self.times.append(took)
        return took

    def close(self) -> None:
        for close in (self.smtp.quit, self.pop3.quit, self.imap.logout):
            with contextlib.suppress(Exception):
                close()

    def during(self, attack: Callable[[], object], *, repeat: bool = False) -> list[float]:
        """Run ``attack`` in a thread (again and again with ``repeat``) while probing; at least
        PROBES probes are taken while it runs. Asserts the acceptance bounds."""
        done = threading.Event()
        errors: list[BaseException] = []
        rounds = [0]

        def run() -> None:
            try:
                while True:
                    attack()
                    rounds[0] += 1
                    if not repeat or stop.is_set():
                        break
            except BaseException as error:  # reported in the test's thread
                errors.append(error)
            finally:
                done.set()

        stop = threading.Event()
        self.times.clear()
        # The server runs in this test process, which carries the heap of every test run before
        # it: a full collection of that (hundreds of ms late in a suite) is the harness's cost,
        # not the server's, so it is done now and the survivors are left out of later ones.
        gc.collect()
        gc.freeze()
        try:
            thread = threading.Thread(target=run, name="attack", daemon=True)
            thread.start()
            while not done.is_set() or len(self.times) < PROBES:
                if len(self.times) >= PROBES and repeat:
                    stop.set()
                self.probe()
                time.sleep(0.01)
            thread.join(120)
        finally:
            gc.unfreeze()
        assert not thread.is_alive(), "the attack did not end"
        if errors:
            raise errors[0]
        assert rounds[0] >= 1
        median, worst = statistics.median(self.times), max(self.times)
        assert median < MEDIAN, f"median probe {median:.3f}s ({len(self.times)} probes)"
        assert worst < WORST, f"slowest probe {worst:.3f}s of {len(self.times)}: {self.times}"
        return self.times


@contextlib.contextmanager
def memory_bound(limit: int) -> Iterator[dict[str, int]]:
    """Asserts that allocations (every thread, the servers' included) peak within ``limit``
    bytes of what was allocated on entry; yields a dict that receives ``peak`` and ``left``."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        seen: dict[str, int] = {}
        yield seen
        current, peak = tracemalloc.get_traced_memory()
        seen["peak"], seen["left"] = peak - before, current - before
    finally:
        if started:
            tracemalloc.stop()
    assert seen["peak"] <= limit, f"peak {seen['peak'] / 2**20:.1f} MiB > {limit / 2**20:.1f} MiB"


MiB = 1 << 20
