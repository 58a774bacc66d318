"""Events the store emits after each change, and how they reach subscribers in order.

A writer queues its events while it holds the store's lock and emits them after releasing it,
so a subscriber may call back into the store. Events are numbered (``seq``) and delivered in
that order by whichever writer holds the emitting token; a writer that finds the token taken
leaves its events to that holder and returns at once, so no writer ever waits for another
thread's subscribers. Subscribers must be cheap (hand the event to a loop or a queue and
return); one that raises is logged and skipped, and can never fail a write.

Events are records (``mailtrap.record``): every write builds one, and a frozen dataclass costs
several times more to build (and to define, at import).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable

from ..record import Record
from .model import Entry, MailboxId, MessageRecord

log = logging.getLogger("mailtrap.store")


class Delivered(Record):
    """A new message was stored (SMTP delivery or APPEND) and linked into these mailboxes."""

    seq: int
    message: MessageRecord
    mailboxes: tuple[MailboxId, ...]
    uids: tuple[int, ...]
    #: The flags every new entry starts with (APPEND may give some; SMTP gives none).
    flags: frozenset[str] = frozenset()

    def __new__(
        cls,
        seq: int,
        message: MessageRecord,
        mailboxes: tuple[MailboxId, ...],
        uids: tuple[int, ...],
        flags: frozenset[str] = frozenset(),
    ) -> Delivered:  # every delivery builds one: no generic argument handling
        return tuple.__new__(cls, (seq, message, mailboxes, uids, flags))


class Linked(Record):
    """Stored messages were linked into one more mailbox (COPY, MOVE); entries in UID order."""

    seq: int
    mailbox: MailboxId
    entries: tuple[Entry, ...]


class FlagsChanged(Record):
    """Flags of these entries of one mailbox changed; the entries carry the new flags."""

    seq: int
    mailbox: MailboxId
    entries: tuple[Entry, ...]


class Expunged(Record):
    """Entries left one mailbox; ``removed`` lists the message IDs whose last link went."""

    seq: int
    mailbox: MailboxId
    uids: tuple[int, ...]
    message_ids: tuple[str, ...]
    removed: tuple[str, ...]


class FoldersChanged(Record):
    """An account's folders were created, deleted, renamed or (un)subscribed."""

    seq: int
    owner: str


class TagsChanged(Record):
    """These messages' tags were set, or a tag they carried was renamed or deleted."""

    seq: int
    message_ids: tuple[str, ...]


class Cleared(Record):
    """Every message was removed; folders keep their UIDVALIDITY and UIDNEXT."""

    seq: int


StoreEvent = Delivered | Linked | FlagsChanged | Expunged | FoldersChanged | TagsChanged | Cleared
Subscriber = Callable[[StoreEvent], None]


class EventQueue:
    """Subscribers, and the events written but not yet emitted, numbered in write order.

    :meth:`seq` and :meth:`push` run under the store's lock; :meth:`flush` runs after the
    writer released it.
    """

    def __init__(self) -> None:
        self._callbacks: tuple[Subscriber, ...] = ()
        self._pending: deque[StoreEvent] = deque()
        self._token = threading.Lock()
        self._seq = 0

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Register ``callback``; returns a function that unregisters it (idempotent)."""
        self._callbacks = (*self._callbacks, callback)

        def unsubscribe() -> None:
            self._callbacks = tuple(c for c in self._callbacks if c is not callback)

        return unsubscribe

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def push(self, event: StoreEvent) -> None:
        if self._callbacks:
            self._pending.append(event)

    def flush(self) -> None:
        """Emit queued events in order, unless another thread is already emitting them."""
        pending = self._pending
        while pending:
            if not self._token.acquire(blocking=False):
                return  # the holder emits ours too: it loops until the queue is empty
            try:
                while pending:
                    event = pending.popleft()
                    for callback in self._callbacks:
                        try:
                            callback(event)
                        except Exception:
                            log.exception("store subscriber %r failed on %r", callback, event)
            finally:
                self._token.release()
