"""The in-memory backend of :class:`~mailtrap.store.base.MessageStore`: messages and delivery.

One lock guards the state; events are queued under it and emitted after it is released (see
:mod:`.events`). Folder management (create, delete, rename, subscriptions) is in
:mod:`.memory_folders`, queries and the indexer in :mod:`.memory_query`; the state they share
is in :mod:`.memory_state`. Readers get immutable
records, entries and snapshots.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from ..message import Summary, normalize_address, summarize
from ..tags import header_tags
from .base import FlagMode
from .events import Cleared, Delivered, Expunged, FlagsChanged, Linked, Subscriber
from .memory_folders import FolderOperations
from .memory_query import QueryOperations
from .memory_state import NO_FLAGS, Folder, Held
from .memory_tags import TagOperations
from .model import (
    SEEN,
    Entry,
    FolderError,
    MailboxId,
    MailboxInfo,
    MailboxRef,
    MailboxSnapshot,
    MessageRecord,
)

if TYPE_CHECKING:
    from ..transcript_shared import Encoded


class MemoryStore(QueryOperations, FolderOperations, TagOperations):
    """Messages, folders and flags held in process memory."""

    # -- writing -----------------------------------------------------------------------------

    def deliver(
        self,
        mail_from: str,
        rcpt_tos: Sequence[str],
        raw: bytes,
        *,
        transcript: Encoded | None = None,
        inboxes: Sequence[str] | None = None,
    ) -> MessageRecord:
        recipients = tuple(dict.fromkeys(normalize_address(r) for r in rcpt_tos))
        accounts = recipients if inboxes is None else [normalize_address(a) for a in inboxes]
        sender = normalize_address(mail_from or "")
        tags = header_tags(raw)
        now = time.time()
        with self._lock:
            held = self._new_message(sender, recipients, raw, now, now, transcript, tags)
            for address in accounts:
                box = self._account(address).inbox
                if box not in held.links:  # the same account under another spelling
                    self._link(held, box, NO_FLAGS)
            links = held.links
            self._accepted += 1
            self._accepted_size += len(raw)
            self._events.push(
                Delivered(
                    self._events.next_seq(),
                    held.record,
                    tuple(box.id for box in links[::2]),  # type: ignore[union-attr]
                    tuple(links[1::2]),  # type: ignore[arg-type]
                )
            )
            self._prune()
        self._events.flush()
        return held.record

    def _new_message(
        self,
        sender: str,
        recipients: tuple[str, ...],
        raw: bytes,
        received: float,
        internal_date: float,
        transcript: Encoded | None,
        tags: tuple[str, ...],
    ) -> Held:
        self._seq += 1
        record = MessageRecord(
            self._ids(), self._seq, sender, recipients, len(raw), received, internal_date
        )
        held = self._messages[record.id] = Held(record, raw, transcript)
        if tags:
            self._give_tags(held, tags)
        self._queue_for_index(record.id)
        return held

    def prune(self) -> None:
        with self._lock:
            self._prune()
        self._events.flush()

    def _prune(self) -> None:
        messages = self._messages
        if self.max_messages is not None:
            while len(messages) > self.max_messages:
                self._unlink_message(next(iter(messages.values())), None)
        if self.max_age is not None:
            cutoff = time.time() - self.max_age
            while messages:
                oldest = next(iter(messages.values()))  # arrival order is received order
                if oldest.record.received >= cutoff:
                    break
                self._unlink_message(oldest, None)

    def append(
        self,
        mailbox: MailboxRef,
        raw: bytes,
        flags: Iterable[str] = (),
        internal_date: float | None = None,
    ) -> Entry:
        tags = header_tags(raw)
        now = time.time()
        with self._lock:
            box = self._selectable(mailbox)
            held = self._new_message(
                "", (), raw, now, now if internal_date is None else internal_date, None, tags
            )
            uid = self._link(held, box, self._flags(flags))
            entry = box.entries[uid]
            self._events.push(
                Delivered(self._events.next_seq(), held.record, (box.id,), (uid,), entry.flags)
            )
            self._prune()
        self._events.flush()
        return entry

    def copy(
        self, source: MailboxRef, uids: Iterable[int], target: MailboxRef
    ) -> list[tuple[int, int]]:
        with self._lock:
            pairs = self._copy(source, uids, target)
        self._events.flush()
        return pairs

    def move(
        self, source: MailboxRef, uids: Iterable[int], target: MailboxRef
    ) -> list[tuple[int, int]]:
        with self._lock:
            pairs = self._copy(source, uids, target)
            self._unlink(self._selectable(source), [old for old, _ in pairs])
        self._events.flush()
        return pairs

    def _copy(
        self, source: MailboxRef, uids: Iterable[int], target: MailboxRef
    ) -> list[tuple[int, int]]:
        src, dst = self._selectable(source), self._selectable(target)
        if src.account is not dst.account:
            raise FolderError("messages can only be copied between folders of one account")
        pairs, added = [], []
        for uid in sorted(set(uids)):
            entry = src.entries.get(uid)
            if entry is None:
                continue
            new_uid = self._link(self._messages[entry.message.id], dst, entry.flags)
            pairs.append((uid, new_uid))
            added.append(dst.entries[new_uid])
        if added:
            self._events.push(Linked(self._events.next_seq(), dst.id, tuple(added)))
        return pairs

    def store_flags(
        self, mailbox: MailboxRef, uids: Iterable[int], flags: Iterable[str], mode: FlagMode
    ) -> list[Entry]:
        with self._lock:
            box = self._folder(mailbox)
            changed = self._store_flags(box, uids, frozenset(flags), mode) if box else []
        self._events.flush()
        return changed

    def _store_flags(
        self, box: Folder, uids: Iterable[int], flags: frozenset[str], mode: FlagMode
    ) -> list[Entry]:
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
                changed.append(self._reflag(box, entry, self._flags(new)))
        if changed:
            self._events.push(FlagsChanged(self._events.next_seq(), box.id, tuple(changed)))
        return changed

    def set_seen(
        self, message_ids: Iterable[str], seen: bool, mailbox: MailboxRef | None = None
    ) -> int:
        mode: FlagMode = "add" if seen else "remove"
        with self._lock:
            changed = 0
            for box, uids in self._links_by_folder(message_ids, mailbox).items():
                changed += len(self._store_flags(box, uids, frozenset((SEEN,)), mode))
        self._events.flush()
        return changed

    def expunge(self, mailbox: MailboxRef, uids: Iterable[int]) -> list[Entry]:
        with self._lock:
            box = self._folder(mailbox)
            removed = self._unlink(box, list(uids)) if box else []
        self._events.flush()
        return removed

    def delete(self, message_ids: Iterable[str], mailbox: MailboxRef | None = None) -> int:
        with self._lock:
            gone = 0
            for box, uids in self._links_by_folder(message_ids, mailbox).items():
                gone += len(self._unlink(box, uids))
        self._events.flush()
        return gone

    def clear(self) -> None:
        with self._lock:
            self._removed += len(self._messages)
            self._messages.clear()
            for box in self._filled:
                box.entries.clear()
                box.unseen = 0
            self._filled.clear()
            self._unread = 0
            self._tag_names.clear()
            self._tag_counts.clear()
            self._unindexed.clear()
            self.cache.clear()
            self._events.push(Cleared(self._events.next_seq()))
        self._events.flush()

    def _links_by_folder(
        self, message_ids: Iterable[str], mailbox: MailboxRef | None
    ) -> dict[Folder, list[int]]:
        """Group the (folder, UID) links of messages, optionally within one mailbox."""
        only = self._folder(mailbox) if mailbox is not None else None
        if mailbox is not None and only is None:
            return {}
        grouped: dict[Folder, list[int]] = defaultdict(list)
        for message_id in message_ids:
            held = self._messages.get(message_id)
            if held is None:
                continue
            links = held.links
            for i in range(0, len(links), 2):
                box = links[i]
                if only is None or box is only:
                    grouped[box].append(links[i + 1])  # type: ignore[index]
        return grouped

    def _unlink_message(self, held: Held, mailbox: MailboxRef | None) -> None:
        for box, uids in self._links_by_folder([held.record.id], mailbox).items():
            self._unlink(box, uids)

    def _unlink(self, box: Folder, uids: list[int]) -> list[Entry]:
        removed_entries, removed_ids = [], []
        for uid in uids:
            entry = box.entries.get(uid)
            held = self._drop(box, uid)
            if held is None or entry is None:
                continue
            removed_entries.append(entry)
            if not held.links:
                del self._messages[entry.message.id]
                removed_ids.append(entry.message.id)
                if held.tags:
                    self._release(held.tags)
        if removed_ids:
            self._removed += len(removed_ids)
            self.cache.forget(removed_ids)
        if removed_entries:
            self._events.push(
                Expunged(
                    self._events.next_seq(),
                    box.id,
                    tuple(e.uid for e in removed_entries),
                    tuple(e.message.id for e in removed_entries),
                    tuple(removed_ids),
                )
            )
        return removed_entries

    # -- reading -----------------------------------------------------------------------------

    def get(self, message_id: str) -> MessageRecord | None:
        held = self._messages.get(message_id)
        return held.record if held is not None else None

    def raw(self, message_id: str) -> bytes | None:
        held = self._messages.get(message_id)
        return held.raw if held is not None else None

    def summary(self, message_id: str) -> Summary | None:
        held = self._messages.get(message_id)
        if held is None:
            return None
        found = held.summary
        if found is None:  # built on first read, off the SMTP path (idempotent if raced)
            found = held.summary = summarize(held.raw)
        return found

    def transcript(self, message_id: str) -> Encoded | None:
        held = self._messages.get(message_id)
        return held.encoded_transcript() if held is not None else None

    def messages(self, mailbox: MailboxRef | None = None) -> list[MessageRecord]:
        with self._lock:
            if mailbox is None:
                return [held.record for held in self._messages.values()]
            box = self._folder(mailbox)
            return [e.message for e in box.entries.values()] if box else []

    def messages_after(self, seq: int) -> list[MessageRecord]:
        with self._lock:
            newer = []
            for held in reversed(self._messages.values()):
                if held.record.seq <= seq:
                    break
                newer.append(held.record)
            newer.reverse()
            return newer

    def count(self) -> int:
        return len(self._messages)

    def mailboxes(self) -> list[MailboxInfo]:
        with self._lock:
            found = []
            for account in self._accounts.values():
                folders = self._folder_infos(account)
                inbox = folders[0]
                found.append(
                    MailboxInfo(
                        account.address,
                        inbox.total,
                        inbox.unseen,
                        inbox.uidvalidity,
                        inbox.uidnext,
                        tuple(folders),
                    )
                )
            return found

    def snapshot(
        self, mailbox: MailboxRef, *, after: int | None = None, uids: Iterable[int] = ()
    ) -> MailboxSnapshot | None:
        with self._lock:
            box = self._folder(mailbox)
            if box is None or box.noselect:
                return None
            return box.snapshot() if after is None else box.snapshot_of(after, uids)

    def open_account(self, address: str, *, entries: bool = True) -> MailboxSnapshot:
        with self._lock:
            inbox = self._account(normalize_address(address)).inbox
            return inbox.snapshot() if entries else inbox.snapshot_of(inbox.uidnext, ())

    def links(self, message_id: str) -> dict[MailboxId, Entry]:
        with self._lock:
            held = self._messages.get(message_id)
            if held is None:
                return {}
            links = held.links
            return {
                links[i].id: links[i].entries[links[i + 1]]  # type: ignore[union-attr,index]
                for i in range(0, len(links), 2)
            }

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        with self._lock:
            return self._events.subscribe(callback)
