"""``GET /api/v1/wait``: a long-poll answered the moment a matching message arrives.

An async handler on the server's loop, not a Flask view: a waiting client costs a future, not
a worker thread, and a client that hangs up is noticed (``http.disconnect``) and its waiter
removed at once. One store subscription serves every waiter; the subscriber only hands
``Delivered`` events to the loop. Answers: 200 with the message (as ``GET /message/{ID}``
would give it, without marking it read), 408 with a JSON error when nothing matched in time,
400/404 for bad input, 503 when the server stops.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from ..auth import Login
from ..handoff import hand_off
from ..message import EMPTY_SUMMARY
from ..store import Delivered, MailboxId, MessageRecord, MessageStore, StoreEvent
from ..store.query import Filter, Page, Received, needs_doc
from . import search, serialize
from .access import chosen_mailbox, login_of, may_see
from .errors import Answer, ApiError, error_answer, json_answer

DEFAULT_TIMEOUT = 30.0
MAX_TIMEOUT = 300.0
#: A long-poll's answer is about this moment: never cached.
NO_STORE = (("Cache-Control", "no-store"),)
#: After each query over stored mail the scanner rests this many times as long as the query
#: took: a flood of new waiters gets a third of the interpreter and the loop, which serves every
#: client, the rest. A waiter that comes alone is not held up.
SCAN_REST = 2.0


@dataclass(eq=False)
class Waiter:
    """One pending long-poll."""

    query: search.Query
    mailbox: MailboxId | None
    after_seq: int
    after_time: float
    found: asyncio.Future[MessageRecord] = field(default_factory=asyncio.Future)

    def wants(self, message: MessageRecord, store: MessageStore) -> bool:
        if message.received <= self.after_time:
            return False
        return store.matches(Filter(self.query.terms, self.mailbox, self.after_seq), message.id)


class WaitHub:
    """Every pending waiter, woken by one store subscription."""

    def __init__(self, store: MessageStore, executor: Any = None) -> None:
        self.store = store
        self.executor = executor
        self.waiters: set[Waiter] = set()
        self.closed = False
        #: New waiters' queries over stored mail run here, one at a time: hundreds of them at
        #: once queue up rather than crowd the interpreter lock the loop needs too.
        self._scanner = ThreadPoolExecutor(1, thread_name_prefix="mailtrap-wait")
        self._next_scan_at = 0.0  # when the scanner may run its next query (its thread only)
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._unsubscribe: Callable[[], None] = store.subscribe(self._on_event)

    def _on_event(self, event: StoreEvent) -> None:
        # The writer's thread, under the store lock: hand off, and only while someone waits.
        if self.waiters and isinstance(event, Delivered):
            hand_off(self._loop, self._loop_thread, self._delivered, event.message)

    def _delivered(self, message: MessageRecord) -> None:
        for waiter in list(self.waiters):
            if waiter.found.done():
                continue
            if any(needs_doc(t) for t in waiter.query.terms) and self.executor:
                self._loop.create_task(self._check_slowly(waiter, message))
            elif waiter.wants(message, self.store):
                waiter.found.set_result(message)

    async def _check_slowly(self, waiter: Waiter, message: MessageRecord) -> None:
        wanted = await self._loop.run_in_executor(self.executor, waiter.wants, message, self.store)
        if wanted and not waiter.found.done():
            waiter.found.set_result(message)

    def close(self) -> None:
        self.closed = True
        self._unsubscribe()
        self._scanner.shutdown(wait=False, cancel_futures=True)
        for waiter in list(self.waiters):
            if not waiter.found.done():
                waiter.found.cancel()

    # -- the handler -------------------------------------------------------------------------

    async def serve(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The ASGI handler for ``GET /api/v1/wait`` (the router has checked the method)."""
        try:
            answer = await self._wait(scope, receive)
        except ApiError as problem:
            answer = error_answer(problem, NO_STORE)
        if answer is not None:
            await answer.send(send)

    async def _wait(self, scope: dict[str, Any], receive: Any) -> Answer | None:
        """The answer to one long-poll; None when the client hung up first."""
        if self.closed:
            raise ApiError(503, "the server is stopping")
        query_string = parse_qs(scope["query_string"].decode("latin-1"))
        waiter, timeout = self._waiter(query_string, login_of(scope))
        self.waiters.add(waiter)
        disconnect = asyncio.create_task(_disconnected(receive))
        try:
            await self._existing(waiter)
            await asyncio.wait(
                {waiter.found, disconnect}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            self.waiters.discard(waiter)
            disconnect.cancel()
        if disconnect.done() and not waiter.found.done():
            return None  # nobody is listening any more
        if waiter.found.cancelled():
            raise ApiError(503, "the server is stopping")
        if not waiter.found.done():
            waiter.found.cancel()
            what = waiter.query.text or "any message"
            raise ApiError(408, f"nothing matching {what!r} in {timeout:g}s")
        message = waiter.found.result()
        view = self.store.parsed(message.id)
        if view is None:  # deleted between its arrival and now
            raise ApiError(404, "the message was deleted meanwhile")
        summary = self.store.summary(message.id) or EMPTY_SUMMARY
        read = self.store.is_read(message.id, waiter.mailbox)
        tags = self.store.tags_of(message.id)
        return json_answer(200, serialize.message(message, summary, view, read, tags), NO_STORE)

    async def _existing(self, waiter: Waiter) -> None:
        """A message already stored (after ``since``, if given) answers at once, oldest first.

        One query, in the hub's scanning thread: a search over everything never holds the loop.
        """
        terms = waiter.query.terms
        if waiter.after_time:
            terms = (*terms, Received(after=math.nextafter(waiter.after_time, math.inf)))
        question = Filter(terms, waiter.mailbox, waiter.after_seq)
        try:
            found = await self._loop.run_in_executor(self._scanner, self._scan, question)
        except RuntimeError:  # the hub closed while this waiter was queued
            return
        if found.messages and not waiter.found.done():
            waiter.found.set_result(found.messages[0])

    def _scan(self, question: Filter) -> Page:
        """One new waiter's query, in the scanner's thread, after the rest the last one earned."""
        time.sleep(max(0.0, self._next_scan_at - time.monotonic()))
        started = time.monotonic()
        try:
            return self.store.query(question, 0, 1)
        finally:
            ended = time.monotonic()
            self._next_scan_at = ended + (ended - started) * SCAN_REST

    def _waiter(self, args: dict[str, list[str]], login: Login | None) -> tuple[Waiter, float]:
        def arg(name: str) -> str:
            return args.get(name, [""])[-1].strip()

        try:
            query = search.parse(arg("query"), arg("tz") or None)
        except search.QueryError as problem:
            raise ApiError(400, str(problem)) from None
        try:
            timeout = float(arg("timeout") or DEFAULT_TIMEOUT)
        except ValueError:
            raise ApiError(400, "timeout must be a number of seconds") from None
        if not 0 <= timeout <= MAX_TIMEOUT:
            raise ApiError(400, f"timeout must be between 0 and {MAX_TIMEOUT:g} seconds")
        after_seq, after_time = self._since(arg("since"), login)
        mailbox = chosen_mailbox(self.store, arg("mailbox"), arg("folder"), login)
        return Waiter(query, mailbox, after_seq, after_time), timeout

    def _since(self, since: str, login: Login | None) -> tuple[int, float]:
        """``since`` as (sequence number, time) lower bounds: a message ID or an RFC 3339 time."""
        if not since:
            return 0, 0.0
        message = self.store.get(since)
        if message is not None and may_see(self.store, login, since):
            return message.seq, 0.0
        try:
            moment = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            if since[:4].isdigit() and since[4:5] == "-":
                raise ApiError(400, "since: not an RFC 3339 time") from None
            raise ApiError(404, "since: no message with this ID") from None
        if moment.tzinfo is None:
            moment = moment.astimezone()
        return 0, moment.timestamp()


async def _disconnected(receive: Any) -> None:
    while (await receive()).get("type") != "http.disconnect":
        pass
