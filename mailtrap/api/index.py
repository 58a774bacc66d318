"""What the API needs fast about every stored message, kept in step with the store's events.

- Read state: a message is read (without ``mailbox=``) when \\Seen is set in every mailbox
  holding it (DESIGN.md, "Store semantics seen from outside"). The store holds the flags; the
  index keeps only the set of unread message IDs, so list answers and counts are O(page).
- Body facts (snippet, attachment counts, search text), derived on first use and kept in the
  store's cache (by message ID, bounded in bytes, forgotten with the message).
- Counters for ``/api/v1/info``.

The store calls :meth:`MessageIndex._on_event` on a writer's thread after the change, so the
handler only updates a set, reading the store's links where it must. Events that arrive while
the index is first filled are replayed afterwards: each recomputes absolute state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..store import (
    SEEN,
    Cleared,
    Delivered,
    Expunged,
    FlagsChanged,
    Linked,
    MailboxId,
    MessageRecord,
    MessageStore,
    StoreEvent,
)
from .facts import NO_FACTS, Facts, facts_cost, facts_of


class MessageIndex:
    """The unread set, body facts through the store's cache, and counters."""

    def __init__(self, store: MessageStore) -> None:
        self.store = store
        self._unread: set[str] = set()
        self.accepted = 0
        self.accepted_size = 0
        self.deleted = 0
        #: how many messages are stored, kept by events (the store is already empty on Cleared)
        self._stored = 0
        self._pending: list[StoreEvent] | None = []
        self._pending_lock = threading.Lock()
        self._unsubscribe: Callable[[], None] = store.subscribe(self._on_event)
        self._fill()

    def close(self) -> None:
        self._unsubscribe()

    # -- reading -----------------------------------------------------------------------------

    def is_read(self, message_id: str, mailbox: MailboxId | None = None) -> bool:
        if mailbox is None:
            return message_id not in self._unread and self.store.get(message_id) is not None
        return self.store.is_read(message_id, mailbox)

    @property
    def unread(self) -> int:
        """How many messages are unread in at least one mailbox holding them."""
        return len(self._unread)

    def facts(self, message: MessageRecord) -> Facts:
        """The message's body facts, derived on first use and kept in the store's cache."""
        found = self.store.derived("facts", message.id, facts_of, facts_cost)
        return found if found is not None else NO_FACTS

    def has_facts(self, message_id: str) -> bool:
        return self.store.cache.has("facts", message_id)

    # -- keeping up with the store -----------------------------------------------------------

    def _fill(self) -> None:
        for message in self.store.messages():
            self._recount(message.id)
        with self._pending_lock:
            pending, self._pending = self._pending or [], None
            for event in pending:
                self._apply(event)
            self._stored = self.store.count()  # replayed deliveries may have counted twice

    def _on_event(self, event: StoreEvent) -> None:
        if self._pending is not None:
            with self._pending_lock:
                if self._pending is not None:
                    self._pending.append(event)
                    return
        self._apply(event)

    def _apply(self, event: StoreEvent) -> None:
        if isinstance(event, Delivered):
            if SEEN not in event.flags:
                self._unread.add(event.message.id)
            self._stored += 1
            self.accepted += 1
            self.accepted_size += event.message.size
        elif isinstance(event, FlagsChanged | Linked):
            for message_id in {e.message.id for e in event.entries}:
                self._recount(message_id)
        elif isinstance(event, Expunged):
            for message_id in event.removed:
                self._forget(message_id)
            for message_id in set(event.message_ids) - set(event.removed):
                self._recount(message_id)
            self.deleted += len(event.removed)
            self._stored -= len(event.removed)
        elif isinstance(event, Cleared):
            self.deleted += self._stored
            self._stored = 0
            self._unread.clear()

    def _recount(self, message_id: str) -> None:
        links = self.store.links(message_id)
        if links and all(entry.seen for entry in links.values()):
            self._unread.discard(message_id)
        elif links:
            self._unread.add(message_id)
        else:
            self._unread.discard(message_id)

    def _forget(self, message_id: str) -> None:
        self._unread.discard(message_id)
