"""The SQLite backend's plumbing: connections, transactions, look-ups and row helpers.

One connection writes, under a lock; every other thread reads through a connection of its own
(WAL: readers never wait for the writer, nor it for them). A write runs in one transaction and
its events are emitted after the commit, in order. Deliveries are committed in groups
(:mod:`.sqlite_deliver`).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

from ..message import mailbox_key, normalize_address
from ..priority import WritesFirst
from .base import MessageStore
from .cache import DerivedCache
from .events import EventQueue, StoreEvent
from .model import (
    INBOX,
    SEEN,
    Entry,
    FolderInfo,
    MailboxId,
    MailboxRef,
    MailboxSnapshot,
    MessageRecord,
    NoSuchFolder,
    as_mailbox,
    folder_key,
)
from .sqlite_schema import connect

T = TypeVar("T")

RECORD_COLUMNS = "m.id, m.seq, m.mail_from, m.rcpt_tos, m.size, m.received, m.internal_date"


def record_of(row: Sequence[Any]) -> MessageRecord:
    """A record from the columns of :data:`RECORD_COLUMNS`."""
    return MessageRecord(
        row[0], row[1], row[2], tuple(row[3].split("\n")) if row[3] else (), *row[4:7]
    )


def entries_of(rows: Iterable[Sequence[Any]]) -> list[Entry]:
    """Entries from rows of ``uid, flags`` and :data:`RECORD_COLUMNS`, read one at a time.

    A mailbox's entries mostly share their flags, sender and recipients: each distinct value
    is made once per call, so a 100,000-message snapshot makes a few hundred thousand fewer
    objects (and the collector has that much less to walk).
    """
    flag_sets: dict[str, frozenset[str]] = {}
    senders: dict[str, str] = {}
    recipients: dict[str, tuple[str, ...]] = {}
    entries = []
    for uid, flags, id_, seq, mail_from, rcpts, size, received, internal_date in rows:
        found = flag_sets.get(flags)
        if found is None:
            found = flag_sets[flags] = flags_of(flags)
        rcpt_tos = recipients.get(rcpts)
        if rcpt_tos is None:
            rcpt_tos = recipients[rcpts] = tuple(rcpts.split("\n")) if rcpts else ()
        sender = senders.setdefault(mail_from, mail_from)
        record = MessageRecord(id_, seq, sender, rcpt_tos, size, received, internal_date)
        entries.append(Entry(uid, record, found))
    return entries


#: Rows one INSERT statement writes at most (statements of 1, 2, 4 ... this many rows).
ROWS_A_STATEMENT = 32


def insert_rows(db: sqlite3.Connection, insert: str, rows: Sequence[Sequence[Any]]) -> int:
    """Run ``insert`` (``INSERT INTO t (a, b) VALUES``) for every row, a few rows a statement;
    the rowid of the last row (0 when there are none).

    ``executemany`` lets go of the GIL for each row and has to take it back each time, behind
    the busy event loop; a statement of many rows lets go once. Sizes are powers of two, so
    the connection's statement cache holds a few statements, not one for every count."""
    one = f"({', '.join('?' * len(rows[0]))})" if rows else ""
    at = last = 0
    while at < len(rows):
        size = min(ROWS_A_STATEMENT, 1 << (len(rows) - at).bit_length() - 1)
        chunk = rows[at : at + size]
        params = list(chain.from_iterable(chunk))
        last = db.execute(f"{insert} {', '.join([one] * size)}", params).lastrowid or 0
        at += size
    return last


def flags_of(text: str) -> frozenset[str]:
    return frozenset(text.split()) if text else frozenset()


def flags_text(flags: frozenset[str]) -> str:
    return " ".join(sorted(flags))


class Folder:
    """One folders row, read inside a transaction; ``links`` (entries rows) and ``unseen_links``
    are what :meth:`SqliteState._link` added to it and has not written yet."""

    __slots__ = (
        "account",
        "address",
        "links",
        "name",
        "noselect",
        "rowid",
        "special_use",
        "total",
        "uidnext",
        "uidvalidity",
        "unseen",
        "unseen_links",
    )

    COLUMNS = (
        "f.rowid, f.account, a.address, f.name, f.uidvalidity, f.uidnext, f.total, f.unseen, "
        "f.special_use, f.noselect"
    )

    def __init__(self, row: Sequence[Any]) -> None:
        (
            self.rowid,
            self.account,
            self.address,
            self.name,
            self.uidvalidity,
            self.uidnext,
            self.total,
            self.unseen,
            self.special_use,
            noselect,
        ) = row
        self.noselect = bool(noselect)
        self.links: list[tuple[int, int, int, str, bool]] = []
        self.unseen_links = 0

    @property
    def id(self) -> MailboxId:
        return MailboxId(self.address, self.name)

    def info(self, subscribed: bool) -> FolderInfo:
        return FolderInfo(
            self.id,
            self.uidvalidity,
            self.uidnext,
            self.total,
            self.unseen,
            frozenset(self.special_use.split()) if self.special_use else frozenset(),
            self.noselect,
            subscribed,
        )


class SqliteState(MessageStore):
    """Connections, transactions and look-ups shared by the SQLite backend's modules."""

    blocking_writes = True

    def __init__(
        self,
        path: str | Path,
        *,
        sync: str = "normal",
        max_messages: int | None = None,
        max_age: float | None = None,
        cache: DerivedCache | None = None,
    ) -> None:
        self.path = Path(path)
        self.max_messages = max_messages
        self.max_age = max_age
        self.cache = cache if cache is not None else DerivedCache()
        self.writes_first = WritesFirst()
        self._db = connect(self.path, sync=sync)
        self._wlock = threading.Lock()
        self._events = EventQueue()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        self._vacuum_due = False
        self._accepted = self._accepted_size = self._removed = 0

    # -- connections and transactions ------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False, timeout=30
            )
            connection.execute("PRAGMA busy_timeout = 30000")
            connection.create_function(
                "body_contains", 2, lambda message_id, needle: needle in self._body(message_id)
            )
            self._local.connection = connection
            with self._readers_lock:
                self._readers.append(connection)
        return connection

    def _read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run reads in one snapshot of the database."""
        connection = self._reader()
        connection.execute("BEGIN")
        try:
            return work(connection)
        finally:
            connection.execute("COMMIT")

    def _write(self, work: Callable[[sqlite3.Connection, list[StoreEvent]], T]) -> T:
        """Run ``work`` in one transaction; its events are emitted once it has committed."""
        events: list[StoreEvent] = []
        with self._wlock:
            result = self._transaction(work, events)
        self._emit(events)
        return result

    def _transaction(
        self, work: Callable[[sqlite3.Connection, list[StoreEvent]], T], events: list[StoreEvent]
    ) -> T:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            result = work(db, events)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            events.clear()
            raise
        return result

    def _emit(self, events: list[StoreEvent]) -> None:
        for event in events:
            self._events.push(event)
        self._events.flush()

    def _event_seq(self) -> int:
        return self._events.next_seq()

    def _give_tags(self, db: sqlite3.Connection, seq: int, names: tuple[str, ...]) -> bool:
        """Make a message carry exactly these tags (implemented with the tags)."""
        raise NotImplementedError

    def _body(self, message_id: str) -> str:
        """The whole body text (the query module implements it)."""
        raise NotImplementedError

    def _prune(self, db: sqlite3.Connection, events: list[StoreEvent]) -> None:
        """Oldest first, past ``max_messages`` or ``max_age`` (implemented with the writes)."""
        raise NotImplementedError

    # -- look-ups (inside a transaction) -----------------------------------------------------

    def _account_row(self, db: sqlite3.Connection, address: str, create: bool) -> int | None:
        key = mailbox_key(address)
        row = db.execute("SELECT rowid FROM accounts WHERE key = ?", (key,)).fetchone()
        if row is not None:
            return row[0]
        if not create:
            return None
        address = normalize_address(address)
        account = db.execute(
            "INSERT INTO accounts (key, address) VALUES (?, ?)", (key, address)
        ).lastrowid
        self._new_folder(db, account, INBOX)
        db.execute("INSERT INTO subscriptions (account, name) VALUES (?, ?)", (account, INBOX))
        return account

    def _new_folder(
        self, db: sqlite3.Connection, account: int, name: str, special_use: str | None = None
    ) -> int:
        # RFC 3501 2.3.1.1: time-based and strictly increasing within the store, so a folder
        # deleted and created again never gets a UIDVALIDITY it had before.
        last = db.execute("SELECT value FROM meta WHERE key = 'last_uidvalidity'").fetchone()[0]
        uidvalidity = max(int(time.time()), int(last) + 1)
        db.execute("UPDATE meta SET value = ? WHERE key = 'last_uidvalidity'", (uidvalidity,))
        return db.execute(
            "INSERT INTO folders (account, name, uidvalidity, uidnext, special_use) "
            "VALUES (?, ?, ?, 1, ?)",
            (account, name, uidvalidity, special_use),
        ).lastrowid

    def _folder(self, db: sqlite3.Connection, mailbox: MailboxRef) -> Folder | None:
        owner, name = as_mailbox(mailbox)
        row = db.execute(
            f"SELECT {Folder.COLUMNS} FROM folders f JOIN accounts a ON a.rowid = f.account "
            "WHERE a.key = ? AND f.name = ?",
            (mailbox_key(owner), folder_key(name)),
        ).fetchone()
        return Folder(row) if row is not None else None

    def _inbox(self, db: sqlite3.Connection, address: str) -> Folder:
        """An address's INBOX, the account made when new (one look-up when it exists)."""
        box = self._folder(db, address)
        if box is None:
            self._account_row(db, address, create=True)
            box = self._folder(db, address)
            assert box is not None
        return box

    def _selectable(self, db: sqlite3.Connection, mailbox: MailboxRef) -> Folder:
        box = self._folder(db, mailbox)
        if box is None or box.noselect:
            raise NoSuchFolder(f"no folder {as_mailbox(mailbox).folder!r}")
        return box

    def _entries(self, db: sqlite3.Connection, folder: int) -> list[Entry]:
        rows = db.execute(
            f"SELECT e.uid, e.flags, {RECORD_COLUMNS} FROM entries e "
            "JOIN messages m ON m.seq = e.seq WHERE e.folder = ? ORDER BY e.uid",
            (folder,),
        )
        return entries_of(rows)

    @staticmethod
    def _kept(db: sqlite3.Connection, count: str) -> int:
        """A count the schema's triggers keep: ``messages`` or ``unread`` (unseen somewhere)."""
        return db.execute("SELECT value FROM meta WHERE key = ?", (count,)).fetchone()[0]

    def _snapshot(self, db: sqlite3.Connection, box: Folder) -> MailboxSnapshot:
        return MailboxSnapshot(
            box.id, box.uidvalidity, box.uidnext, tuple(self._entries(db, box.rowid))
        )

    # -- links and their read state (every change of either goes through these) ------------

    def _link(
        self,
        db: sqlite3.Connection,
        seq: int,
        box: Folder,
        flags: frozenset[str],
        counted: bool = False,
        later: bool = False,
    ) -> int:
        """Link a message into a folder; ``counted``: its unseen count already includes this;
        ``later``: the link and the folder's row are written by :meth:`_store_links` (once for
        many links)."""
        uid = box.uidnext
        box.uidnext += 1
        seen = SEEN in flags
        box.links.append((box.rowid, uid, seq, flags_text(flags), seen))
        box.unseen_links += not seen
        if not later:
            self._store_links(db, (box,))
        if not seen and not counted:
            db.execute("UPDATE messages SET unseen = unseen + 1 WHERE seq = ?", (seq,))
        return uid

    @staticmethod
    def _store_links(db: sqlite3.Connection, boxes: Iterable[Folder]) -> None:
        """Write the links made in these folders, and their UIDNEXT and counts."""
        for box in boxes:
            if box.links:
                insert_rows(
                    db, "INSERT INTO entries (folder, uid, seq, flags, seen) VALUES", box.links
                )
                db.execute(
                    "UPDATE folders SET uidnext = ?, total = total + ?, unseen = unseen + ? "
                    "WHERE rowid = ?",
                    (box.uidnext, len(box.links), box.unseen_links, box.rowid),
                )
                box.total += len(box.links)
                box.unseen += box.unseen_links
                box.links, box.unseen_links = [], 0
