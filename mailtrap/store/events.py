"""Events the store emits after each change, and the subscriber list that delivers them.

Subscribers are called synchronously in the writer's thread, in the order the changes happened,
while the store's lock is held. They must therefore be cheap and never block: hand the event to
another thread or loop (``loop.call_soon_threadsafe``, ``queue.put_nowait``, ``Condition.notify``)
and return. A subscriber that raises is logged and skipped; it can never fail a delivery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from .model import Entry, StoredMessage

log = logging.getLogger("mailtrap.store")


@dataclass(frozen=True, slots=True)
class Delivered:
    """A message was stored and linked into these mailboxes (addresses) with these UIDs."""

    message: StoredMessage
    mailboxes: tuple[str, ...]
    uids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FlagsChanged:
    """Flags of these entries of one mailbox changed; the entries carry the new flags."""

    mailbox: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Expunged:
    """Entries left one mailbox; ``removed`` lists the message IDs whose last link went."""

    mailbox: str
    uids: tuple[int, ...]
    message_ids: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cleared:
    """Every message was removed; mailboxes keep their UIDVALIDITY and UIDNEXT."""


StoreEvent = Delivered | FlagsChanged | Expunged | Cleared
Subscriber = Callable[[StoreEvent], None]


class Subscribers:
    """A copy-on-write list of subscriber callbacks."""

    def __init__(self) -> None:
        self._callbacks: tuple[Subscriber, ...] = ()

    def add(self, callback: Subscriber) -> Callable[[], None]:
        """Register ``callback``; returns a function that unregisters it (idempotent)."""
        self._callbacks = (*self._callbacks, callback)

        def unsubscribe() -> None:
            self._callbacks = tuple(c for c in self._callbacks if c is not callback)

        return unsubscribe

    def emit(self, event: StoreEvent) -> None:
        for callback in self._callbacks:
            try:
                callback(event)
            except Exception:
                log.exception("store subscriber %r failed on %r", callback, event)
