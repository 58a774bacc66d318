"""The in-memory backend of :class:`~mailtrap.store.base.MessageStore`.

One re-entrant lock guards everything; events are emitted under it, so subscribers see changes
in the order they happened. Readers get immutable entries and snapshots.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from ..message import mailbox_key, normalize_address
from .base import FlagMode, MessageStore
from .events import Cleared, Delivered, Expunged, FlagsChanged, Subscriber, Subscribers
from .model import SEEN, Entry, MailboxInfo, MailboxSnapshot, StoredMessage

_NO_FLAGS: frozenset[str] = frozenset()


class _Mailbox:
    __slots__ = ("address", "entries", "uidnext", "uidvalidity")

    def __init__(self, address: str, uidvalidity: int) -> None:
        self.address = address
        self.uidvalidity = uidvalidity
        self.uidnext = 1
        self.entries: dict[int, Entry] = {}


class MemoryStore(MessageStore):
    """Messages, mailboxes and flags held in process memory."""

    def __init__(self, max_messages: int | None = None) -> None:
        self.max_messages = max_messages
        self._lock = threading.RLock()
        self._messages: dict[str, StoredMessage] = {}
        self._mailboxes: dict[str, _Mailbox] = {}
        #: keys of mailboxes that may hold entries (clear() visits only these)
        self._filled: set[str] = set()
        self._seq = 0
        self._last_uidvalidity = 0
        self._subscribers = Subscribers()
        self._flag_sets: dict[frozenset[str], frozenset[str]] = {_NO_FLAGS: _NO_FLAGS}
        #: message ID -> its encoded SMTP transcript (for messages that came with one)
        self._transcripts: dict[str, bytes] = {}

    # -- writing -----------------------------------------------------------------------------

    def deliver(
        self,
        mail_from: str,
        rcpt_tos: Sequence[str],
        raw: bytes,
        transcript: bytes | None = None,
    ) -> StoredMessage:
        recipients = tuple(dict.fromkeys(normalize_address(r) for r in rcpt_tos))
        with self._lock:
            self._seq += 1
            message = StoredMessage(
                secrets.token_hex(8),
                self._seq,
                normalize_address(mail_from or ""),
                recipients,
                raw,
                time.time(),
            )
            self._messages[message.id] = message
            if transcript is not None:
                self._transcripts[message.id] = transcript
            links: dict[str, int] = {}
            for address in recipients:
                key = mailbox_key(address)
                if key in links:
                    continue
                box = self._mailbox(key, address)
                uid = links[key] = box.uidnext
                box.uidnext += 1
                box.entries[uid] = Entry(uid, message, _NO_FLAGS)
                self._filled.add(key)
            message.links = tuple(links.items())
            self._subscribers.emit(
                Delivered(
                    message,
                    tuple(self._mailboxes[k].address for k in links),
                    tuple(links.values()),
                )
            )
            if self.max_messages is not None:
                while len(self._messages) > self.max_messages:
                    self._remove_messages([next(iter(self._messages.values()))], None)
            return message

    def _mailbox(self, key: str, address: str) -> _Mailbox:
        box = self._mailboxes.get(key)
        if box is None:
            # UIDVALIDITY: time-based and strictly increasing within the store (RFC 3501 2.3.1.1).
            self._last_uidvalidity = max(int(time.time()), self._last_uidvalidity + 1)
            box = self._mailboxes[key] = _Mailbox(address, self._last_uidvalidity)
        return box

    def _flags(self, flags: Iterable[str]) -> frozenset[str]:
        flags = frozenset(flags)
        return self._flag_sets.setdefault(flags, flags)

    def store_flags(
        self, mailbox: str, uids: Iterable[int], flags: Iterable[str], mode: FlagMode
    ) -> list[Entry]:
        flags = frozenset(flags)
        with self._lock:
            box = self._mailboxes.get(mailbox_key(mailbox))
            if box is None:
                return []
            changed = []
            for uid in uids:
                entry = box.entries.get(uid)
                if entry is None:
                    continue
                if mode == "add":
                    new = entry.flags | flags
                elif mode == "remove":
                    new = entry.flags - flags
                else:
                    new = flags
                if new != entry.flags:
                    entry = box.entries[uid] = entry._replace(flags=self._flags(new))
                    changed.append(entry)
            if changed:
                self._subscribers.emit(FlagsChanged(box.address, tuple(changed)))
            return changed

    def set_seen(self, message_ids: Iterable[str], seen: bool, mailbox: str | None = None) -> int:
        mode: FlagMode = "add" if seen else "remove"
        with self._lock:
            changed = 0
            for key, uids in self._links_by_mailbox(message_ids, mailbox).items():
                address = self._mailboxes[key].address
                changed += len(self.store_flags(address, uids, (SEEN,), mode))
            return changed

    def expunge(self, mailbox: str, uids: Iterable[int]) -> list[Entry]:
        with self._lock:
            box = self._mailboxes.get(mailbox_key(mailbox))
            if box is None:
                return []
            return self._unlink(box, list(uids))

    def delete(self, message_ids: Iterable[str], mailbox: str | None = None) -> int:
        with self._lock:
            gone = 0
            for key, uids in self._links_by_mailbox(message_ids, mailbox).items():
                gone += len(self._unlink(self._mailboxes[key], uids))
            return gone

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._transcripts.clear()
            for key in self._filled:
                self._mailboxes[key].entries.clear()
            self._filled.clear()
            self._subscribers.emit(Cleared())

    def _links_by_mailbox(
        self, message_ids: Iterable[str], mailbox: str | None
    ) -> dict[str, list[int]]:
        """Group the (mailbox key, UID) links of messages, optionally within one mailbox."""
        only = mailbox_key(mailbox) if mailbox is not None else None
        grouped: dict[str, list[int]] = defaultdict(list)
        for message_id in message_ids:
            message = self._messages.get(message_id)
            if message is None:
                continue
            for key, uid in message.links:
                if only is None or key == only:
                    grouped[key].append(uid)
        return grouped

    def _remove_messages(self, messages: list[StoredMessage], mailbox: str | None) -> None:
        for key, uids in self._links_by_mailbox([m.id for m in messages], mailbox).items():
            self._unlink(self._mailboxes[key], uids)

    def _unlink(self, box: _Mailbox, uids: list[int]) -> list[Entry]:
        key = mailbox_key(box.address)
        removed_entries, removed_ids = [], []
        for uid in uids:
            entry = box.entries.pop(uid, None)
            if entry is None:
                continue
            removed_entries.append(entry)
            message = entry.message
            message.links = tuple(link for link in message.links if link[0] != key)
            if not message.links and self._messages.pop(message.id, None) is not None:
                self._transcripts.pop(message.id, None)
                removed_ids.append(message.id)
        if removed_entries:
            self._subscribers.emit(
                Expunged(
                    box.address,
                    tuple(e.uid for e in removed_entries),
                    tuple(e.message.id for e in removed_entries),
                    tuple(removed_ids),
                )
            )
        return removed_entries

    # -- reading -----------------------------------------------------------------------------

    def get(self, message_id: str) -> StoredMessage | None:
        return self._messages.get(message_id)

    def transcript(self, message_id: str) -> bytes | None:
        return self._transcripts.get(message_id)

    def messages(self, mailbox: str | None = None) -> list[StoredMessage]:
        with self._lock:
            if mailbox is None:
                return list(self._messages.values())
            box = self._mailboxes.get(mailbox_key(mailbox))
            return [e.message for e in box.entries.values()] if box else []

    def messages_after(self, seq: int) -> list[StoredMessage]:
        with self._lock:
            newer = []
            for message in reversed(self._messages.values()):
                if message.seq <= seq:
                    break
                newer.append(message)
            newer.reverse()
            return newer

    def count(self) -> int:
        return len(self._messages)

    def mailboxes(self) -> list[MailboxInfo]:
        with self._lock:
            return [
                MailboxInfo(
                    box.address,
                    len(box.entries),
                    sum(1 for e in box.entries.values() if SEEN not in e.flags),
                    box.uidvalidity,
                    box.uidnext,
                )
                for box in self._mailboxes.values()
            ]

    def snapshot(self, mailbox: str) -> MailboxSnapshot | None:
        with self._lock:
            box = self._mailboxes.get(mailbox_key(mailbox))
            if box is None:
                return None
            return MailboxSnapshot(
                box.address, box.uidvalidity, box.uidnext, tuple(box.entries.values())
            )

    def open_mailbox(self, address: str) -> MailboxSnapshot:
        with self._lock:
            address = normalize_address(address)
            self._mailbox(mailbox_key(address), address)
            snapshot = self.snapshot(address)
            assert snapshot is not None
            return snapshot

    def links(self, message_id: str) -> dict[str, Entry]:
        with self._lock:
            message = self._messages.get(message_id)
            if message is None:
                return {}
            return {
                self._mailboxes[key].address: self._mailboxes[key].entries[uid]
                for key, uid in message.links
            }

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        with self._lock:
            return self._subscribers.add(callback)
