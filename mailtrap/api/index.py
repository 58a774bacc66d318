"""What the API needs fast about every stored message, kept in step with the store's events.

- Read state: a message is read (without ``mailbox=``) when \\Seen is set in every mailbox
  holding it (DESIGN.md, "Store semantics seen from outside"); the unread set makes list
  answers O(page) instead of O(store).
- Body facts (snippet, attachment counts, search text), computed once per message on first use.
- Counters for ``/api/v1/info``.

The store calls :meth:`MessageIndex._on_event` on the writer's thread under its lock, so the
handler only updates dictionaries. Events that arrive while the index is first filled are
replayed afterwards: each event sets absolute state, so replaying them in order over the scan
leaves every key at its latest value.
"""

from __future__ import annotations

import threading
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


class MessageIndex:
    """Read state per (message, mailbox), unread set, cached body facts and counters."""

    def __init__(self, store: MessageStore) -> None:
        self.store = store
        #: message ID -> {mailbox key: \\Seen there}
        self._seen: dict[str, dict[str, bool]] = {}
        self._unread: set[str] = set()
        self._facts: dict[str, Facts] = {}
        self.accepted = 0
        self.accepted_size = 0
        self.deleted = 0
        self._pending: list[StoreEvent] | None = []
        self._pending_lock = threading.Lock()
        self._unsubscribe: Callable[[], None] = store.subscribe(self._on_event)
        self._fill()

    def close(self) -> None:
        self._unsubscribe()

    # -- reading -----------------------------------------------------------------------------

    def is_read(self, message_id: str, mailbox: str | None = None) -> bool:
        links = self._seen.get(message_id)
        if not links:
            return False
        if mailbox is None:
            return message_id not in self._unread
        return links.get(mailbox_key(mailbox), False)

    @property
    def unread(self) -> int:
        """How many messages are unread in at least one mailbox holding them."""
        return len(self._unread)

    def facts(self, message: StoredMessage) -> Facts:
        """The message's body facts, parsed on first use and cached while it is stored."""
        facts = self._facts.get(message.id)
        if facts is None:
            facts = facts_of(message.raw)
            if message.id in self._seen:
                self._facts[message.id] = facts
        return facts

    def has_facts(self, message_id: str) -> bool:
        return message_id in self._facts

    # -- keeping up with the store -----------------------------------------------------------

    def _fill(self) -> None:
        for info in self.store.mailboxes():
            snapshot = self.store.snapshot(info.address)
            if snapshot is None:
                continue
            key = mailbox_key(snapshot.address)
            for entry in snapshot.entries:
                self._seen.setdefault(entry.message.id, {})[key] = entry.seen
        for message_id, links in self._seen.items():
            if not all(links.values()):
                self._unread.add(message_id)
        with self._pending_lock:
            pending, self._pending = self._pending or [], None
            for event in pending:
                self._apply(event)

    def _on_event(self, event: StoreEvent) -> None:
        if self._pending is not None:
            with self._pending_lock:
                if self._pending is not None:
                    self._pending.append(event)
                    return
        self._apply(event)

    def _apply(self, event: StoreEvent) -> None:
        if isinstance(event, Delivered):
            message = event.message
            self._seen[message.id] = {mailbox_key(a): False for a in event.mailboxes}
            self._unread.add(message.id)
            self.accepted += 1
            self.accepted_size += message.size
        elif isinstance(event, FlagsChanged):
            key = mailbox_key(event.mailbox)
            for entry in event.entries:
                links = self._seen.get(entry.message.id)
                if links is not None and key in links:
                    links[key] = entry.seen
                    self._recount(entry.message.id, links)
        elif isinstance(event, Expunged):
            key = mailbox_key(event.mailbox)
            for message_id in event.message_ids:
                links = self._seen.get(message_id)
                if links is not None:
                    links.pop(key, None)
                    self._recount(message_id, links)
            for message_id in event.removed:
                self._forget(message_id)
            self.deleted += len(event.removed)
        elif isinstance(event, Cleared):
            self.deleted += len(self._seen)
            self._seen.clear()
            self._unread.clear()
            self._facts.clear()

    def _recount(self, message_id: str, links: dict[str, bool]) -> None:
        if links and all(links.values()):
            self._unread.discard(message_id)
        else:
            self._unread.add(message_id)

    def _forget(self, message_id: str) -> None:
        self._seen.pop(message_id, None)
        self._unread.discard(message_id)
        self._facts.pop(message_id, None)
