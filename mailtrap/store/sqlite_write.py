"""The SQLite backend's writes to messages other than delivery (:mod:`.sqlite_deliver`):
append, copy, move, flags, expunge, delete, clear and pruning. Each is one transaction (see
:mod:`.sqlite_state`).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable

from .base import FlagMode
from .events import Cleared, Delivered, Expunged, FlagsChanged, Linked, StoreEvent
from .model import SEEN, Entry, FolderError, MailboxRef
from .sqlite_deliver import DeliveryOperations, NewMessages
from .sqlite_state import (
    RECORD_COLUMNS,
    Folder,
    flags_of,
    flags_text,
    record_of,
)


class WriteOperations(DeliveryOperations):
    """Writes of messages and flags."""

    def append(
        self,
        mailbox: MailboxRef,
        raw: bytes,
        flags: Iterable[str] = (),
        internal_date: float | None = None,
    ) -> Entry:
        flags = frozenset(flags)
        now = time.time()

        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> Entry:
            box = self._selectable(db, mailbox)
            when = now if internal_date is None else internal_date
            new = NewMessages()
            self._new_message(new, "", (), raw, now, when, None)
            [record] = self._store_messages(db, new)
            uid = self._link(db, record.seq, box, flags)
            events.append(Delivered(self._event_seq(), record, (box.id,), (uid,), flags))
            self._prune(db, events)
            return Entry(uid, record, flags)

        return self._write(work)

    def copy(
        self, source: MailboxRef, uids: Iterable[int], target: MailboxRef
    ) -> list[tuple[int, int]]:
        return self._write(lambda db, events: self._copy(db, events, source, uids, target)[0])

    def move(
        self, source: MailboxRef, uids: Iterable[int], target: MailboxRef
    ) -> list[tuple[int, int]]:
        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> list[tuple[int, int]]:
            pairs, src = self._copy(db, events, source, uids, target)
            self._unlink(db, events, src, [old for old, _ in pairs])
            return pairs

        return self._write(work)

    def _copy(
        self,
        db: sqlite3.Connection,
        events: list[StoreEvent],
        source: MailboxRef,
        uids: Iterable[int],
        target: MailboxRef,
    ) -> tuple[list[tuple[int, int]], Folder]:
        src, dst = self._selectable(db, source), self._selectable(db, target)
        if src.account != dst.account:
            raise FolderError("messages can only be copied between folders of one account")
        pairs, added = [], []
        for uid in sorted(set(uids)):
            entry = self._entry(db, src.rowid, uid)
            if entry is None:
                continue
            _, record, flags = entry
            new_uid = self._link(db, record.seq, dst, flags)
            pairs.append((uid, new_uid))
            added.append(Entry(new_uid, record, flags))
        if added:
            events.append(Linked(self._event_seq(), dst.id, tuple(added)))
        return pairs, src

    def store_flags(
        self, mailbox: MailboxRef, uids: Iterable[int], flags: Iterable[str], mode: FlagMode
    ) -> list[Entry]:
        flags = frozenset(flags)

        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> list[Entry]:
            box = self._folder(db, mailbox)
            return self._store_flags(db, events, box, uids, flags, mode) if box else []

        return self._write(work)

    def _store_flags(
        self,
        db: sqlite3.Connection,
        events: list[StoreEvent],
        box: Folder,
        uids: Iterable[int],
        flags: frozenset[str],
        mode: FlagMode,
    ) -> list[Entry]:
        changed = []
        unseen_change = 0
        for uid in uids:
            entry = self._entry(db, box.rowid, uid)
            if entry is None:
                continue
            _, record, old = entry
            new = old | flags if mode == "add" else old - flags if mode == "remove" else flags
            if new == old:
                continue
            was_seen, seen = SEEN in old, SEEN in new
            db.execute(
                "UPDATE entries SET flags = ?, seen = ? WHERE folder = ? AND uid = ?",
                (flags_text(new), seen, box.rowid, uid),
            )
            if was_seen != seen:
                change = 1 if was_seen else -1
                unseen_change += change
                db.execute(
                    "UPDATE messages SET unseen = unseen + ? WHERE seq = ?", (change, record.seq)
                )
            changed.append(Entry(uid, record, new))
        if unseen_change:
            db.execute(
                "UPDATE folders SET unseen = unseen + ? WHERE rowid = ?", (unseen_change, box.rowid)
            )
        if changed:
            events.append(FlagsChanged(self._event_seq(), box.id, tuple(changed)))
        return changed

    def set_seen(
        self, message_ids: Iterable[str], seen: bool, mailbox: MailboxRef | None = None
    ) -> int:
        mode: FlagMode = "add" if seen else "remove"

        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> int:
            changed = 0
            for box, uids in self._links_by_folder(db, message_ids, mailbox).items():
                changed += len(self._store_flags(db, events, box, uids, frozenset((SEEN,)), mode))
            return changed

        return self._write(work)

    def expunge(self, mailbox: MailboxRef, uids: Iterable[int]) -> list[Entry]:
        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> list[Entry]:
            box = self._folder(db, mailbox)
            return self._unlink(db, events, box, list(uids)) if box else []

        return self._write(work)

    def delete(self, message_ids: Iterable[str], mailbox: MailboxRef | None = None) -> int:
        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> int:
            gone = 0
            for box, uids in self._links_by_folder(db, message_ids, mailbox).items():
                gone += len(self._unlink(db, events, box, uids))
            return gone

        return self._write(work)

    def clear(self) -> None:
        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> None:
            self._removed += db.execute("SELECT count(*) FROM messages").fetchone()[0]
            for table in ("entries", "docs", "message_tags", "messages"):
                db.execute(f"DELETE FROM {table}")
            db.execute("UPDATE folders SET total = 0, unseen = 0")
            events.append(Cleared(self._event_seq()))

        self._write(work)
        self.cache.clear()
        self._vacuum_soon()

    def _links_by_folder(
        self, db: sqlite3.Connection, message_ids: Iterable[str], mailbox: MailboxRef | None
    ) -> dict[Folder, list[int]]:
        """Group the (folder, UID) links of messages, optionally within one mailbox."""
        only = self._folder(db, mailbox) if mailbox is not None else None
        if mailbox is not None and only is None:
            return {}
        found: dict[int, list[int]] = defaultdict(list)
        for message_id in message_ids:
            rows = db.execute(
                "SELECT e.folder, e.uid FROM entries e JOIN messages m ON m.seq = e.seq "
                "WHERE m.id = ?",
                (message_id,),
            ).fetchall()
            for folder, uid in rows:
                if only is None or folder == only.rowid:
                    found[folder].append(uid)
        grouped = {}
        for folder, uids in found.items():
            row = db.execute(
                f"SELECT {Folder.COLUMNS} FROM folders f JOIN accounts a ON a.rowid = f.account "
                "WHERE f.rowid = ?",
                (folder,),
            ).fetchone()
            grouped[Folder(row)] = uids
        return grouped

    @staticmethod
    def _entry(db: sqlite3.Connection, folder: int, uid: int) -> Entry | None:
        """One link of a folder, or None when that UID is not there."""
        row = db.execute(
            f"SELECT e.flags, {RECORD_COLUMNS} FROM entries e JOIN messages m "
            "ON m.seq = e.seq WHERE e.folder = ? AND e.uid = ?",
            (folder, uid),
        ).fetchone()
        return Entry(uid, record_of(row[1:]), flags_of(row[0])) if row is not None else None

    def _unlink(
        self, db: sqlite3.Connection, events: list[StoreEvent], box: Folder, uids: list[int]
    ) -> list[Entry]:
        removed_entries, removed_ids = [], []
        unseen_change = 0
        for uid in uids:
            entry = self._entry(db, box.rowid, uid)
            if entry is None:
                continue
            _, record, flags = entry
            db.execute("DELETE FROM entries WHERE folder = ? AND uid = ?", (box.rowid, uid))
            if SEEN not in flags:
                unseen_change -= 1
                db.execute("UPDATE messages SET unseen = unseen - 1 WHERE seq = ?", (record.seq,))
            removed_entries.append(Entry(uid, record, flags))
            if db.execute("SELECT 1 FROM entries WHERE seq = ? LIMIT 1", (record.seq,)).fetchone():
                continue
            db.execute("DELETE FROM docs WHERE seq = ?", (record.seq,))
            db.execute("DELETE FROM messages WHERE seq = ?", (record.seq,))
            removed_ids.append(record.id)
        if removed_entries:
            db.execute(
                "UPDATE folders SET total = total - ?, unseen = unseen + ? WHERE rowid = ?",
                (len(removed_entries), unseen_change, box.rowid),
            )
            events.append(
                Expunged(
                    self._event_seq(),
                    box.id,
                    tuple(e.uid for e in removed_entries),
                    tuple(e.message.id for e in removed_entries),
                    tuple(removed_ids),
                )
            )
        if removed_ids:
            self._removed += len(removed_ids)
            self.cache.forget(removed_ids)
            self._vacuum_soon()
        return removed_entries

    def prune(self) -> None:
        self._write(self._prune)

    def _prune(self, db: sqlite3.Connection, events: list[StoreEvent]) -> None:
        """Oldest first: past ``max_messages``, and older than ``max_age`` seconds."""
        doomed: list[int] = []
        if self.max_messages is not None:
            excess = db.execute("SELECT count(*) FROM messages").fetchone()[0] - self.max_messages
            if excess > 0:
                doomed += [
                    r[0]
                    for r in db.execute(
                        "SELECT seq FROM messages ORDER BY seq LIMIT ?", (excess,)
                    ).fetchall()
                ]
        if self.max_age is not None:
            cutoff = time.time() - self.max_age
            doomed += [
                r[0]
                for r in db.execute(
                    "SELECT seq FROM messages WHERE received < ? ORDER BY seq", (cutoff,)
                ).fetchall()
            ]
        if not doomed:
            return
        grouped: dict[Folder, list[int]] = defaultdict(list)
        for seq in dict.fromkeys(doomed):
            for folder, uid in db.execute(
                "SELECT folder, uid FROM entries WHERE seq = ?", (seq,)
            ).fetchall():
                row = db.execute(
                    f"SELECT {Folder.COLUMNS} FROM folders f JOIN accounts a "
                    "ON a.rowid = f.account WHERE f.rowid = ?",
                    (folder,),
                ).fetchone()
                box = next((b for b in grouped if b.rowid == folder), None) or Folder(row)
                grouped[box].append(uid)
        for box, uids in grouped.items():
            self._unlink(db, events, box, uids)

    def _vacuum_soon(self) -> None:
        """Freed pages go back to the file system a little at a time (see the indexer)."""
        self._vacuum_due = True
