"""What the API needs fast about every stored message, kept in step with the store's events.

- Read state: a message is read (without ``mailbox=``) when \\Seen is set in every mailbox
  holding it (DESIGN.md, "Store semantics seen from outside"). The store holds the flags; the
  index keeps only the set of unread message IDs, so list answers and counts are O(page).
- Body facts (snippet, attachment counts, search text), parsed on first use and kept in a
  bounded LRU cache: memory per stored message must not grow with what was listed or searched.
- Counters for ``/api/v1/info``.

The store calls :meth:`MessageIndex._on_event` on the writer's thread under its (re-entrant)
lock, so the handler only updates a set, reading the store's links where it must. Events that
arrive while the index is first filled are replayed afterwards: each recomputes absolute state.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from ..message import mailbox_key
from ..store import (
    Cleared,
    Delivered,
    Expunged,
    FlagsChanged,
    MessageStore,
    StoredMessage,
    StoreEvent,
)
from .facts import Facts, facts_of

#: How many messages' body facts stay cached (a page of the viewer is 50).
FACTS_CACHE = 1024


class MessageIndex:
    """Read state per (message, mailbox), unread set, cached body facts and counters."""

    def __init__(self, store: MessageStore) -> None:
        self.store = store
        self._unread: set[str] = set()
        self._facts: OrderedDict[str, Facts] = OrderedDict()
        self._facts_lock = threading.Lock()
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

    def is_read(self, message_id: str, mailbox: str | None = None) -> bool:
        if mailbox is None:
            return message_id not in self._unread and self.store.get(message_id) is not None
        key = mailbox_key(mailbox)
        return any(
            mailbox_key(address) == key and entry.seen
            for address, entry in self.store.links(message_id).items()
        )

    @property
    def unread(self) -> int:
        """How many messages are unread in at least one mailbox holding them."""
        return len(self._unread)

    def facts(self, message: StoredMessage) -> Facts:
        """The message's body facts, parsed on first use and kept in a bounded LRU cache."""
        with self._facts_lock:
            facts = self._facts.get(message.id)
            if facts is not None:
                self._facts.move_to_end(message.id)
                return facts
        facts = facts_of(message.raw)
        with self._facts_lock:
            if self.store.get(message.id) is message:
                self._facts[message.id] = facts
                while len(self._facts) > FACTS_CACHE:
                    self._facts.popitem(last=False)
        return facts

    def has_facts(self, message_id: str) -> bool:
        return message_id in self._facts

    # -- keeping up with the store -----------------------------------------------------------

    def _fill(self) -> None:
        present = self.store.messages()
        for message in present:
            self._recount(message.id)
        with self._pending_lock:
            pending, self._pending = self._pending or [], None
            for event in pending:
                self._apply(event)
            # Mail stored before the index existed (the HTTP server is built on first use) was
            # accepted too; a delivery replayed just now is not counted twice.
            replayed = {e.message.id for e in pending if isinstance(e, Delivered)}
            for message in present:
                if message.id not in replayed:
                    self.accepted += 1
                    self.accepted_size += message.size
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
            self._unread.add(event.message.id)
            self._stored += 1
            self.accepted += 1
            self.accepted_size += event.message.size
        elif isinstance(event, FlagsChanged):
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
            with self._facts_lock:
                self._facts.clear()

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
        with self._facts_lock:
            self._facts.pop(message_id, None)
