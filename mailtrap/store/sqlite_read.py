"""The SQLite backend's reads: records, bytes, summaries, folders, snapshots, folder views,
entries by UID and links.

Each read runs in one snapshot of the database on the calling thread's own connection, so
readers never wait for the writer.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Callable, Iterable

from ..message import Summary, mailbox_key, normalize_address, summarize
from .events import StoreEvent, Subscriber
from .model import (
    UID_TYPE,
    Entry,
    FolderInfo,
    FolderView,
    MailboxId,
    MailboxInfo,
    MailboxRef,
    MailboxSnapshot,
    MessageRecord,
    as_mailbox,
    folder_key,
    keywords,
)
from .sqlite_folders import FolderOperations
from .sqlite_state import RECORD_COLUMNS, Folder, entries_of, flags_of, record_of

_SUMMARY_COST = 1024
#: A folder's UIDs are counted in spans of this many UIDs; a span with no gap is a range.
_SPAN = 1 << 16
#: A span with gaps is halved until it is this small, then its UIDs are read one by one.
_LEAF = 1 << 10


def uid_array(
    db: sqlite3.Connection, folder: int, uidnext: int, span: int = _SPAN, leaf: int = _LEAF
) -> array[int]:
    """A folder's UIDs, ascending, read without a Python object per message where it can be:
    UIDs mostly run without gaps, so each span is counted in SQL and one without gaps is added
    as a range (at a million messages, a fraction of the time reading every row takes)."""
    uids = array(UID_TYPE)
    spans = [(low, min(low + span, uidnext) - 1) for low in range(1, uidnext, span)]
    spans.reverse()
    while spans:
        low, high = spans.pop()
        (count,) = db.execute(
            "SELECT count(*) FROM entries WHERE folder = ? AND uid BETWEEN ? AND ?",
            (folder, low, high),
        ).fetchone()
        if not count:
            continue
        first, last = low, high
        if count != high - low + 1:  # the span's ends, each one look-up in the primary key
            first, last = db.execute(
                "SELECT (SELECT min(uid) FROM entries WHERE folder = ?1 AND uid >= ?2), "
                "(SELECT max(uid) FROM entries WHERE folder = ?1 AND uid <= ?3)",
                (folder, low, high),
            ).fetchone()
        if count == last - first + 1:
            uids.extend(range(first, last + 1))
        elif last - first < leaf:
            rows = db.execute(
                "SELECT uid FROM entries WHERE folder = ? AND uid BETWEEN ? AND ? ORDER BY uid",
                (folder, first, last),
            )
            uids.extend(uid for (uid,) in rows)
        else:  # halve it: the lower half is taken next
            middle = (first + last) // 2
            spans += [(middle + 1, last), (first, middle)]
    return uids


def _among(folder: int, uids: list[int]) -> tuple[str, list[object]]:
    """The condition naming the entries of ascending ``uids`` in a folder, and its values."""
    where = "e.folder = ? AND e.uid BETWEEN ? AND ?"
    params: list[object] = [folder, uids[0], uids[-1]]
    if uids[-1] - uids[0] + 1 != len(uids):  # not one run: these UIDs only
        where += " AND e.uid IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(uids))
    return where, params


class ReadOperations(FolderOperations):
    """Reads over the SQLite backend."""

    def get(self, message_id: str) -> MessageRecord | None:
        row = (
            self._reader()
            .execute(f"SELECT {RECORD_COLUMNS} FROM messages m WHERE m.id = ?", (message_id,))
            .fetchone()
        )
        return record_of(row) if row is not None else None

    def raw(self, message_id: str) -> bytes | None:
        row = (
            self._reader()
            .execute("SELECT raw FROM messages WHERE id = ?", (message_id,))
            .fetchone()
        )
        return row[0] if row is not None else None

    def summary(self, message_id: str) -> Summary | None:
        return self.derived("summary", message_id, summarize, lambda _s: _SUMMARY_COST)

    def transcript(self, message_id: str) -> bytes | None:
        row = (
            self._reader()
            .execute("SELECT transcript FROM messages WHERE id = ?", (message_id,))
            .fetchone()
        )
        return row[0] if row is not None else None

    def messages(self, mailbox: MailboxRef | None = None) -> list[MessageRecord]:
        def work(db: sqlite3.Connection) -> list[MessageRecord]:
            if mailbox is None:
                rows = db.execute(f"SELECT {RECORD_COLUMNS} FROM messages m ORDER BY m.seq")
                return [record_of(row) for row in rows]
            box = self._folder(db, mailbox)
            return [e.message for e in self._entries(db, box.rowid)] if box else []

        return self._read(work)

    def messages_after(self, seq: int) -> list[MessageRecord]:
        rows = self._reader().execute(
            f"SELECT {RECORD_COLUMNS} FROM messages m WHERE m.seq > ? ORDER BY m.seq", (seq,)
        )
        return [record_of(row) for row in rows]

    def count(self) -> int:
        return self._kept(self._reader(), "messages")

    def mailboxes(self) -> list[MailboxInfo]:
        def work(db: sqlite3.Connection) -> list[MailboxInfo]:
            found = []
            for (account,) in db.execute("SELECT rowid FROM accounts ORDER BY rowid").fetchall():
                folders = self._folder_infos(db, account)
                inbox = folders[0]
                found.append(
                    MailboxInfo(
                        inbox.mailbox.owner,
                        inbox.total,
                        inbox.unseen,
                        inbox.uidvalidity,
                        inbox.uidnext,
                        tuple(folders),
                    )
                )
            return found

        return self._read(work)

    def _folder_infos(self, db: sqlite3.Connection, account: int) -> list[FolderInfo]:
        subscribed = {
            row[0]
            for row in db.execute("SELECT name FROM subscriptions WHERE account = ?", (account,))
        }
        rows = db.execute(
            f"SELECT {Folder.COLUMNS} FROM folders f JOIN accounts a ON a.rowid = f.account "
            "WHERE f.account = ? ORDER BY f.name != 'INBOX', f.name",
            (account,),
        ).fetchall()
        return [Folder(row).info(row[3] in subscribed) for row in rows]

    def snapshot(
        self, mailbox: MailboxRef, *, after: int | None = None, uids: Iterable[int] = ()
    ) -> MailboxSnapshot | None:
        def work(db: sqlite3.Connection) -> MailboxSnapshot | None:
            box = self._folder(db, mailbox)
            if box is None or box.noselect:
                return None
            if after is None:
                return self._snapshot(db, box)
            named = sorted({uid for uid in uids if uid <= after})
            rows = db.execute(
                f"SELECT e.uid, e.flags, {RECORD_COLUMNS} FROM entries e "
                "JOIN messages m ON m.seq = e.seq WHERE e.folder = ? AND (e.uid > ? OR e.uid IN "
                f"(SELECT value FROM json_each(?))) ORDER BY e.uid",
                (box.rowid, after, json.dumps(named)),
            )
            entries = tuple(entries_of(rows))
            return MailboxSnapshot(box.id, box.uidvalidity, box.uidnext, entries)

        return self._read(work)

    def folder_view(self, mailbox: MailboxRef) -> FolderView | None:
        def work(db: sqlite3.Connection) -> FolderView | None:
            box = self._folder(db, mailbox)
            if box is None or box.noselect:
                return None
            uids = uid_array(db, box.rowid, box.uidnext)
            first_unseen = 0
            if box.unseen:
                (first_unseen,) = db.execute(
                    "SELECT uid FROM entries WHERE folder = ? AND seen = 0 ORDER BY uid LIMIT 1",
                    (box.rowid,),
                ).fetchone()
            rows = db.execute("SELECT DISTINCT flags FROM entries WHERE folder = ?", (box.rowid,))
            used = keywords(flags_of(text) for (text,) in rows)
            return FolderView(box.id, box.uidvalidity, box.uidnext, uids, first_unseen, used)

        return self._read(work)

    def entries(
        self,
        mailbox: MailboxRef,
        uids: Iterable[int],
        *,
        flag: str | None = None,
        uidvalidity: int | None = None,
    ) -> list[Entry]:
        wanted = sorted(set(uids))
        if not wanted:
            return []

        def work(db: sqlite3.Connection) -> list[Entry]:
            box = self._folder(db, mailbox)
            if box is None or box.noselect or uidvalidity not in (None, box.uidvalidity):
                return []
            where, params = _among(box.rowid, wanted)
            sql = (
                f"SELECT e.uid, e.flags, {RECORD_COLUMNS} FROM entries e "
                f"JOIN messages m ON m.seq = e.seq WHERE {where}"
            )
            if flag is not None:
                sql += " AND instr(' ' || e.flags || ' ', ?)"
                params.append(f" {flag} ")
            return entries_of(db.execute(sql + " ORDER BY e.uid", params))

        return self._read(work)

    def flags_by_uid(
        self, mailbox: MailboxRef, uids: Iterable[int], *, uidvalidity: int | None = None
    ) -> dict[int, frozenset[str]]:
        wanted = sorted(set(uids))
        if not wanted:
            return {}

        def work(db: sqlite3.Connection) -> dict[int, frozenset[str]]:
            box = self._folder(db, mailbox)
            if box is None or box.noselect or uidvalidity not in (None, box.uidvalidity):
                return {}
            where, params = _among(box.rowid, wanted)
            texts = dict(db.execute(f"SELECT e.uid, e.flags FROM entries e WHERE {where}", params))
            sets = {text: flags_of(text) for text in set(texts.values())}  # a few distinct
            return {uid: sets[text] for uid, text in texts.items()}

        return self._read(work)

    def open_account(self, address: str, *, entries: bool = True) -> MailboxSnapshot:
        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> MailboxSnapshot:
            address_ = normalize_address(address)
            self._account_row(db, address_, create=True)
            box = self._folder(db, address_)
            assert box is not None
            if not entries:
                return MailboxSnapshot(box.id, box.uidvalidity, box.uidnext, ())
            return self._snapshot(db, box)

        return self._write(work)

    def links(self, message_id: str) -> dict[MailboxId, Entry]:
        def work(db: sqlite3.Connection) -> dict[MailboxId, Entry]:
            rows = db.execute(
                f"SELECT a.address, f.name, e.uid, e.flags, {RECORD_COLUMNS} FROM messages m "
                "JOIN entries e ON e.seq = m.seq JOIN folders f ON f.rowid = e.folder "
                "JOIN accounts a ON a.rowid = f.account WHERE m.id = ? ORDER BY e.folder",
                (message_id,),
            ).fetchall()
            return {
                MailboxId(r[0], r[1]): Entry(r[2], record_of(r[4:]), flags_of(r[3])) for r in rows
            }

        return self._read(work)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        return self._events.subscribe(callback)

    def subscriptions(self, owner: str) -> list[str]:
        rows = self._reader().execute(
            "SELECT s.name FROM subscriptions s JOIN accounts a ON a.rowid = s.account "
            "WHERE a.key = ? ORDER BY s.name",
            (mailbox_key(owner),),
        )
        return [row[0] for row in rows]

    def folders(self, owner: str) -> list[FolderInfo]:
        def work(db: sqlite3.Connection) -> list[FolderInfo]:
            account = self._account_row(db, owner, create=False)
            return self._folder_infos(db, account) if account is not None else []

        return self._read(work)

    def folder(self, mailbox: MailboxRef) -> FolderInfo | None:
        def work(db: sqlite3.Connection) -> FolderInfo | None:
            box = self._folder(db, mailbox)
            if box is None:
                return None
            return box.info(self._subscribed(db, box.account, box.name))

        return self._read(work)

    def resolve(self, mailbox: MailboxRef) -> MailboxId:
        def work(db: sqlite3.Connection) -> MailboxId:
            box = self._folder(db, mailbox)
            if box is not None:
                return box.id
            owner, name = as_mailbox(mailbox)
            row = db.execute(
                "SELECT address FROM accounts WHERE key = ?", (mailbox_key(owner),)
            ).fetchone()
            return MailboxId(row[0] if row else normalize_address(owner), folder_key(name))

        return self._read(work)
