"""The runtime on a private event loop in a background thread, for the Python API and tests.

``start()`` returns once every server listens, or re-raises the start-up error in the caller.
``stop()`` is idempotent and bounded, and joins the thread.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from .config import Config
from .runtime import STOP_TIMEOUT, Runtime
from .store import MessageStore

T = TypeVar("T")

START_TIMEOUT = 30.0


class ThreadedRuntime:
    """A :class:`Runtime` running in a daemon thread; lazy (front-ends built on first use) unless
    told otherwise."""

    def __init__(self, config: Config, store: MessageStore, *, lazy: bool = True) -> None:
        self.runtime = Runtime(config, store, lazy=lazy)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stop_event: asyncio.Event | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("already started")
        self._thread = threading.Thread(target=self._run, name="mailtrap", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise TimeoutError("mailtrap did not start in time")
        if self._error is not None:
            self._thread.join(STOP_TIMEOUT)
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported to the caller of start()
            self._error = error
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        await self.runtime.start()
        self._ready.set()
        try:
            await self._stop_event.wait()
        finally:
            await self.runtime.stop()

    def call(self, func: Callable[[], Coroutine[Any, Any, T]], timeout: float = 10.0) -> T:
        """Run a coroutine on the runtime's loop from another thread and return its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(func(), self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the servers and join the thread; safe to call twice or before start."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        if self.loop is not None and self._stop_event is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                self.loop.call_soon_threadsafe(self._stop_event.set)
        thread.join(STOP_TIMEOUT * 2)
