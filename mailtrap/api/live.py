"""The live feed at ``/api/events``: store events pushed as Mailpit's ``{"Type", "Data"}`` frames.

The store's subscriber only hands each event to the loop (``call_soon_threadsafe``); one task
turns events into frames in order (``new`` with the summary, ``update`` with a new read state
or new tags, ``delete``, ``truncate``, ``prune`` when too many messages changed at once to name
them, and a throttled ``stats``) and puts each frame on every client's bounded queue.
A client whose queue is full (slow or dead) is dropped, so delivery never waits for a browser.
The first frame a client receives is ``stats``: once it arrives, the client is registered and
will see every later change. Cross-origin browser pages are refused (403), as Mailpit does.

A client logged in as an account holder (``own``/``users`` mode) is confined to its account: it
gets ``new`` and ``delete`` frames only for its own mailboxes, ``update`` frames with the read
state in its own mailbox or the new tags of its own messages, a ``prune`` only when some of
the messages it concerns are its own, and ``stats`` of its own INBOX; the others get every
frame.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from ..auth import Login
from ..handoff import hand_off
from ..message import Summary, mailbox_key
from ..store import (
    INBOX,
    Cleared,
    Delivered,
    Expunged,
    FlagsChanged,
    MailboxId,
    MessageRecord,
    MessageStore,
    StoreEvent,
    TagsChanged,
)
from ..store.searchdoc import SearchDoc
from . import serialize
from .access import confined_account, login_of

log = logging.getLogger("mailtrap.api")

#: Frames a client may have waiting before it counts as too slow and is dropped.
QUEUE_SIZE = 256
#: More messages than this changing tags at once (a rename) are announced by one ``prune``.
MANY = 64
STATS_INTERVAL = 0.25


def same_origin(scope: dict[str, Any]) -> bool:
    """True when no Origin header is sent (not a browser) or it names this host."""
    headers = dict(scope.get("headers", []))
    origin = headers.get(b"origin")
    if origin is None:
        return True
    host = headers.get(b"host", b"").decode("latin-1").lower()
    origin_text = origin.decode("latin-1").lower()
    return origin_text in (f"http://{host}", f"https://{host}")


class _Client:
    """One connected websocket: its frame queue and the task serving it."""

    def __init__(self, task: asyncio.Task[Any] | None, login: Login | None = None) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE_SIZE)
        self.task = task
        self.dropped = False
        #: the account this client is confined to, as a look-up key (None: it sees everything)
        account = confined_account(login)
        self.account = None if account is None else mailbox_key(account)


#: Who gets a frame: everyone; the clients that see everything; those and the clients of these
#: accounts; or only the clients of these accounts.
EVERYONE, ADMINS = "everyone", "admins"
Audience = str | tuple[str, frozenset[str]]


def _owners(*mailboxes: MailboxId) -> frozenset[str]:
    return frozenset(mailbox_key(box.owner) for box in mailboxes)


class LiveFeed:
    """Connected websocket clients and the ordered stream of frames they get."""

    def __init__(self, store: MessageStore, executor: Any = None) -> None:
        self.store = store
        self.executor = executor
        self.clients: set[_Client] = set()
        self.closed = False
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._events: asyncio.Queue[StoreEvent | None] = asyncio.Queue()
        self._stats_due = False
        #: message ID -> the read state clients were last told (updates only announce changes)
        self._announced: dict[str, bool] = {}
        self._worker = self._loop.create_task(self._run(), name="mailtrap-live-feed")
        self._unsubscribe: Callable[[], None] = store.subscribe(self._on_event)

    def _on_event(self, event: StoreEvent) -> None:
        # Called on the writer's thread under the store lock: hand off, nothing more (and
        # nothing at all while nobody listens, so delivery pays no parsing for the feed).
        if self.clients:
            hand_off(self._loop, self._loop_thread, self._events.put_nowait, event)

    async def close(self) -> None:
        self.closed = True
        self._unsubscribe()
        for client in list(self.clients):
            self._drop(client)
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._worker

    # -- producing frames --------------------------------------------------------------------

    def stats_frame(self, account: str | None = None) -> str:
        if account is None:
            data = {"Total": self.store.count(), "Unread": self.store.unread_count()}
        else:
            folder = self.store.folder(MailboxId(account, INBOX))
            total, unread = (folder.total, folder.unseen) if folder is not None else (0, 0)
            data = {"Total": total, "Unread": unread}
        return json.dumps({"Type": "stats", "Data": data})

    async def _run(self) -> None:
        while True:
            event = await self._events.get()
            try:
                for frame, audience in await self._frames(event):
                    self._broadcast(frame, audience)
            except Exception:
                log.exception("live feed could not announce %r", event)
            self._schedule_stats()

    async def _frames(self, event: StoreEvent) -> list[tuple[str, Audience]]:
        if isinstance(event, Delivered):
            message = event.message
            if self.executor is None:
                doc, summary = self._prepare(message)
            else:  # reading a big message, or its hostile headers, must not stall the loop
                doc, summary = await self._loop.run_in_executor(
                    self.executor, self._prepare, message
                )
            if summary is None or doc is None:  # deleted already: its delete frame follows
                return []
            read = self._announced[message.id] = self.store.is_read(message.id)
            tags = self.store.tags_of(message.id)
            frame = _frame("new", serialize.summary(message, summary, read, doc, tags))
            return [(frame, ("owners", _owners(*event.mailboxes)))]
        if isinstance(event, FlagsChanged):
            ids = [e.message.id for e in event.entries]
            return self._updates(ids) + self._own_updates(ids, event.mailbox)
        if isinstance(event, Expunged):
            for message_id in event.removed:
                self._announced.pop(message_id, None)
            removed = set(event.removed)
            audience = ("owners", _owners(event.mailbox))
            frames = [(_frame("delete", {"ID": i}), audience) for i in event.removed]
            left = [i for i in event.message_ids if i not in removed]
            # A message that left this mailbox but not the store is gone for its owner.
            gone = ("own", _owners(event.mailbox))
            frames += [(_frame("delete", {"ID": i}), gone) for i in left]
            return frames + self._updates(left)
        if isinstance(event, Cleared):
            self._announced.clear()
            return [(_frame("truncate", None), EVERYONE)]
        if isinstance(event, TagsChanged):
            return await self._tag_frames(event.message_ids)
        return []

    async def _tag_frames(self, message_ids: tuple[str, ...]) -> list[tuple[str, Audience]]:
        """``update`` frames with messages' new tags, or one ``prune`` (Mailpit's "reload what
        you show") when too many changed at once; each for the clients that see everything and
        the owners of the messages it concerns."""
        if len(message_ids) > MANY:
            if not any(client.account is not None for client in self.clients):
                owners: frozenset[str] = frozenset()
            elif self.executor is None:
                owners = self._message_owners(message_ids)
            else:  # a rename may touch every message: its owners are not looked up on the loop
                owners = await self._loop.run_in_executor(
                    self.executor, self._message_owners, message_ids
                )
            return [(_frame("prune", None), ("owners", owners))]
        tags = self.store.tags_of
        return [
            (
                _frame("update", {"ID": i, "Tags": list(tags(i))}),
                ("owners", self._message_owners([i])),
            )
            for i in message_ids
        ]

    def _message_owners(self, message_ids: Iterable[str]) -> frozenset[str]:
        """The accounts whose mailboxes hold any of these messages."""
        return frozenset(mailbox_key(box.owner) for i in message_ids for box in self.store.links(i))

    def _prepare(self, message: MessageRecord) -> tuple[SearchDoc | None, Summary | None]:
        """What a ``new`` frame needs of a message: its search document (the body facts) and
        summary (None if gone)."""
        return self.store.doc(message.id), self.store.summary(message.id)

    def _updates(self, message_ids: Iterable[str]) -> list[tuple[str, Audience]]:
        """``update`` frames for messages whose overall read state differs from the last told
        (for the clients that see everything)."""
        frames: list[tuple[str, Audience]] = []
        for message_id in dict.fromkeys(message_ids):
            read = self.store.is_read(message_id)
            if self._announced.get(message_id) != read:
                self._announced[message_id] = read
                frames.append((_frame("update", {"ID": message_id, "Read": read}), ADMINS))
        return frames

    def _own_updates(
        self, message_ids: Iterable[str], mailbox: MailboxId
    ) -> list[tuple[str, Audience]]:
        """``update`` frames with the read state in ``mailbox``, for its owner's clients."""
        if not any(client.account is not None for client in self.clients):
            return []
        audience = ("own", _owners(mailbox))
        return [
            (_frame("update", {"ID": i, "Read": self.store.is_read(i, mailbox)}), audience)
            for i in dict.fromkeys(message_ids)
        ]

    def _schedule_stats(self) -> None:
        if not self._stats_due:
            self._stats_due = True
            self._loop.call_later(STATS_INTERVAL, self._send_stats)

    def _send_stats(self) -> None:
        self._stats_due = False
        if self.clients:
            self._broadcast(self.stats_frame(), ADMINS)
        for account in {c.account for c in self.clients if c.account is not None}:
            self._broadcast(self.stats_frame(account), ("own", frozenset({account})))

    def _broadcast(self, frame: str, audience: Audience = EVERYONE) -> None:
        for client in list(self.clients):
            if not _hears(client, audience):
                continue
            try:
                client.queue.put_nowait(frame)
            except asyncio.QueueFull:
                log.info("dropping a websocket client that fell %d frames behind", QUEUE_SIZE)
                self._drop(client, stuck=True)

    def _drop(self, client: _Client, stuck: bool = False) -> None:
        """Stop feeding ``client``: it gets a close frame, or is cut off if it is stuck."""
        self.clients.discard(client)
        while not client.queue.empty():
            client.queue.get_nowait()
        client.queue.put_nowait(None)
        if stuck and client.task is not None:
            client.dropped = True
            client.task.cancel()

    # -- one client ----------------------------------------------------------------------------

    async def serve(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The ASGI websocket handler for one client."""
        connect = await receive()
        if connect.get("type") != "websocket.connect":
            return
        if not same_origin(scope):
            await send({"type": "websocket.close", "code": 1008})
            return
        if self.closed:  # the server is stopping
            await send({"type": "websocket.close", "code": 1001})
            return
        await send({"type": "websocket.accept"})
        client = _Client(asyncio.current_task(), login_of(scope))
        client.queue.put_nowait(self.stats_frame(client.account))
        if not self.clients:  # events were not followed while nobody listened
            self._announced.clear()
        self.clients.add(client)
        reader = asyncio.create_task(self._read_until_closed(receive))
        try:
            await self._pump(client, reader, send)
        except asyncio.CancelledError:
            if not client.dropped:
                raise
        except Exception:  # the client went away mid-send
            pass
        finally:
            self.clients.discard(client)
            reader.cancel()

    @staticmethod
    async def _pump(client: _Client, reader: asyncio.Task[None], send: Any) -> None:
        while True:
            getter = asyncio.ensure_future(client.queue.get())
            await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
            if not getter.done():  # the client closed the connection
                getter.cancel()
                return
            frame = getter.result()
            if frame is None:
                await send({"type": "websocket.close", "code": 1001})
                return
            await send({"type": "websocket.send", "text": frame})

    @staticmethod
    async def _read_until_closed(receive: Any) -> None:
        while (await receive()).get("type") != "websocket.disconnect":
            pass


def _hears(client: _Client, audience: Audience) -> bool:
    if audience == EVERYONE:
        return True
    if audience == ADMINS:
        return client.account is None
    kind, owners = audience
    if client.account is None:
        return kind == "owners"
    return client.account in owners


def _frame(kind: str, data: Any) -> str:
    return json.dumps({"Type": kind, "Data": data})
