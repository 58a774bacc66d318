"""The SQLite backend's query engine, and the store as a whole.

A :class:`~.query.Filter` becomes one SQL statement over the messages already indexed: text
terms use the full-text index (FTS5 with trigrams, so a needle of three characters or more is
found as a substring, as the memory backend finds it; shorter needles are looked up in the
stored fields), the others the message columns. Messages not indexed yet are tested in Python
with the same compiled terms as the memory backend, and the two answers are merged.

Search documents are written by the indexer (:mod:`.sqlite_index`).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import heapq
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..ids import MessageIds
from ..tags import tag_key
from .cache import DerivedCache
from .docpool import build
from .model import MailboxRef, MessageRecord
from .query import (
    YIELD_EVERY,
    AnyOf,
    Contains,
    Field,
    Filter,
    Has,
    Not,
    Page,
    Read,
    Received,
    Recipient,
    Sender,
    Size,
    Tagged,
    Term,
    compile_terms,
)
from .searchdoc import SEPARATOR, SearchDoc, doc_size, is_plain, may_contain, safe_needle
from .sqlite_checkpoint import Checkpointer
from .sqlite_index import IndexOperations
from .sqlite_schema import DOC_COLUMNS
from .sqlite_state import RECORD_COLUMNS, record_of

_COLUMNS_OF: dict[Field, tuple[str, ...]] = {
    Field.MESSAGE_ID: ("message_id",),
    Field.SUBJECT: ("subject",),
    Field.FROM: ("from_",),
    Field.MAIL_FROM: ("mail_from",),
    Field.TO: ("to_",),
    Field.CC: ("cc",),
    Field.BCC: ("bcc",),
    Field.RCPT_TO: ("rcpt_to",),
    Field.REPLY_TO: ("reply_to",),
    Field.BODY: ("body",),
    Field.ADDRESSED: ("from_", "mail_from", "to_", "cc", "bcc", "rcpt_to", "reply_to"),
}
_COLUMNS_OF[Field.TEXT] = ("subject", *_COLUMNS_OF[Field.ADDRESSED], "body")


def _pretest(terms: Sequence[Term]) -> tuple[str, list[str]]:
    """SQL that rules out the unindexed messages :func:`may_contain` would rule out for one of
    the terms every match needs: SQLite reads their bytes, with the interpreter free, and never
    hands them to Python. Rows stored before schema 4 have ``plain`` 0 and are all read."""
    sql, needles = "", []
    for term in terms:
        needle = safe_needle(term.needle) if isinstance(term, Contains) else None
        if needle is not None:
            # ASCII throughout (plain), so SQLite's lower() folds as str.casefold() does.
            sql += (
                " AND (m.plain = 0 OR instr(lower(m.raw), ?) > 0"
                " OR instr(lower(m.mail_from || char(10) || m.rcpt_tos), ?) > 0)"
            )
            needles += [needle.decode("ascii")] * 2
    return sql, needles


class _Unindexed:
    """A message not indexed yet, as compiled terms see it."""

    __slots__ = ("doc", "plain", "raw", "record")

    def __init__(self, record: MessageRecord, raw: bytes, plain: bool) -> None:
        self.record = record
        self.raw = raw
        #: the row's ``plain``: True is known at delivery; False is not plain, or not known
        self.plain = plain
        self.doc: SearchDoc | None = None


class _Access:
    record = staticmethod(lambda item: item.record)
    indexed = staticmethod(lambda item: item.doc)

    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def body(self, item: _Unindexed) -> str:
        return self.store._body(item.record.id)

    def tags(self, item: _Unindexed) -> tuple[str, ...]:
        return self.store.tags_of(item.record.id)

    @staticmethod
    def doc(item: _Unindexed) -> SearchDoc:
        if item.doc is None:
            item.doc = build(item.record, item.raw)[1]
        return item.doc

    @staticmethod
    def may_contain(item: _Unindexed, needle: str) -> bool:
        if not (item.plain or is_plain(item.raw)):
            return True
        encoded = safe_needle(needle)
        return encoded is None or may_contain(encoded, item.raw, item.record)


def _sql(term: Term, read: str) -> tuple[str, list[Any]]:
    """A term as an SQL condition over ``m`` (messages) and ``d`` (docs)."""
    if isinstance(term, Contains):
        columns = _COLUMNS_OF[term.field]
        # A document keeps a long body's start: those bodies are read whole if need be.
        whole = "body" in columns
        if len(term.needle) >= 3:  # the index answers: a list of rows, never a scan
            phrase = '"' + term.needle.replace('"', '""') + '"'
            match = "{" + " ".join(columns) + "} : " + phrase
            found = "SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?"
            if not whole:
                return f"m.seq IN ({found})", [match]
            return (
                f"m.seq IN ({found} UNION ALL SELECT i.seq FROM docs i JOIN messages b "
                "ON b.seq = i.seq WHERE i.complete = 0 AND body_contains(b.id, ?))",
                [match, term.needle],
            )
        condition = " OR ".join(f"instr(d.{c}, ?) > 0" for c in columns)
        params = [term.needle] * len(columns)
        if whole:
            condition += " OR (d.complete = 0 AND body_contains(m.id, ?))"
            params.append(term.needle)
        return f"({condition})", params
    if isinstance(term, Not):
        inner, params = _sql(term.term, read)
        return f"NOT ({inner})", params
    if isinstance(term, AnyOf):
        if not term.terms:
            return "0", []
        parts = [_sql(t, read) for t in term.terms]
        return "(" + " OR ".join(p for p, _ in parts) + ")", [x for _, ps in parts for x in ps]
    if isinstance(term, Recipient):
        return "instr(m.rcpt_keys, ?) > 0", [f"\n{term.address}\n"]
    if isinstance(term, Sender):
        return "(m.sender_key = ? OR d.from_address = ?)", [term.address, term.address]
    if isinstance(term, Read):
        return f"({read}) = ?", [term.read]
    if isinstance(term, Received):
        low = float("-inf") if term.after is None else term.after
        high = float("inf") if term.before is None else term.before
        return "m.received BETWEEN ? AND ?", [low, high]
    if isinstance(term, Size):
        larger = -1 if term.larger is None else term.larger
        smaller = 2**62 if term.smaller is None else term.smaller
        return "m.size > ? AND m.size < ?", [larger, smaller]
    if isinstance(term, Has):
        return f"d.{'attachments' if term.kind == 'attachment' else 'inline'} > 0", []
    assert isinstance(term, Tagged)
    if term.name is None:
        return "EXISTS (SELECT 1 FROM message_tags t WHERE t.seq = m.seq)", []
    return "EXISTS (SELECT 1 FROM message_tags t WHERE t.seq = m.seq AND t.key = ?)", [
        tag_key(term.name)
    ]


class SqliteStore(IndexOperations):
    """Messages, folders and flags in an SQLite database (WAL), durable once answered."""

    def __init__(
        self,
        path: str | Path,
        *,
        sync: str = "normal",
        max_messages: int | None = None,
        max_age: float | None = None,
        cache: DerivedCache | None = None,
    ) -> None:
        super().__init__(path, sync=sync, max_messages=max_messages, max_age=max_age, cache=cache)
        self._ids = MessageIds()
        self._checkpointer = Checkpointer(self.path, self._db, self._wlock)
        self._start_indexer()

    # -- queries -------------------------------------------------------------------------------

    def query(self, filter: Filter, start: int = 0, limit: int | None = None) -> Page:
        if not filter.terms and filter.after_seq == 0:
            return self._read(lambda db: self._listing(db, filter, start, limit))
        return self._read(lambda db: self._query(db, filter, start, limit))

    def _listing(
        self, db: sqlite3.Connection, filter: Filter, start: int, limit: int | None
    ) -> Page:
        """A query without terms: the counts kept, and only the page read."""
        direction = "DESC" if filter.newest_first else "ASC"
        window = [-1 if limit is None else limit, start]
        if filter.mailbox is None:
            total, unread = self._kept(db, "messages"), self._kept(db, "unread")
            rows = db.execute(
                f"SELECT {RECORD_COLUMNS} FROM messages m ORDER BY m.seq {direction} "
                "LIMIT ? OFFSET ?",
                window,
            ).fetchall()
            return Page(total, unread, [record_of(row) for row in rows])
        box = self._folder(db, filter.mailbox)
        if box is None or box.noselect:
            return Page(0, 0, [])
        rows = db.execute(
            f"SELECT e.uid, {RECORD_COLUMNS} FROM entries e JOIN messages m ON m.seq = e.seq "
            f"WHERE e.folder = ? ORDER BY e.uid {direction} LIMIT ? OFFSET ?",
            [box.rowid, *window],
        ).fetchall()
        records = [record_of(row[1:]) for row in rows]
        return Page(box.total, box.unseen, records, [row[0] for row in rows])

    def _query(
        self,
        db: sqlite3.Connection,
        filter: Filter,
        start: int,
        limit: int | None,
        only: str | None = None,
    ) -> Page:
        """The query, or (``only``) whether that one message matches it."""
        scope, params = "FROM messages m", []
        read, key = "m.unseen = 0", "m.seq"
        if filter.mailbox is not None:
            box = self._folder(db, filter.mailbox)
            if box is None or box.noselect:
                return Page(0, 0, [])
            scope += " JOIN entries e ON e.seq = m.seq AND e.folder = ?"
            params.append(box.rowid)
            read, key = "e.seen", "e.uid"
        scope += " LEFT JOIN docs d ON d.seq = m.seq WHERE m.seq > ?"
        params.append(filter.after_seq)
        if only is not None:
            scope += " AND m.id = ?"
            params.append(only)
        conditions = [_sql(term, read) for term in filter.terms]
        where = "".join(f" AND {c}" for c, _ in conditions)
        values = params + [v for _, vs in conditions for v in vs]
        direction = "DESC" if filter.newest_first else "ASC"
        end = None if limit is None else start + limit
        total, unread = db.execute(
            f"SELECT count(*), coalesce(sum(NOT ({read})), 0) {scope} AND m.indexed = 1{where}",
            values,
        ).fetchone()
        top = db.execute(
            f"SELECT {key}, NOT ({read}), {RECORD_COLUMNS} {scope} AND m.indexed = 1{where} "
            f"ORDER BY {key} {direction} LIMIT ?",
            [*values, -1 if end is None else end],
        ).fetchall()
        extra = self._unindexed_matches(db, filter, scope, params, read, key)
        total += len(extra)
        unread += sum(unseen for _, unseen, _ in extra)
        rows = [(row[0], row[2:]) for row in top] + [(k, record) for k, _, record in extra]
        merged = heapq.nlargest if filter.newest_first else heapq.nsmallest
        chosen = merged(len(rows) if end is None else end, rows, key=lambda r: r[0])
        page = [r[1] if isinstance(r[1], MessageRecord) else record_of(r[1]) for r in chosen]
        uids = [r[0] for r in chosen[start:end]] if filter.mailbox is not None else ()
        return Page(total, unread, page[start:end], uids)

    def _unindexed_matches(
        self,
        db: sqlite3.Connection,
        filter: Filter,
        scope: str,
        params: list[Any],
        read: str,
        key: str,
    ) -> list[tuple[int, bool, MessageRecord]]:
        pretest, needles = _pretest(filter.terms)
        rows = db.execute(
            f"SELECT {key}, {read}, m.plain, m.raw, {RECORD_COLUMNS} {scope}"
            f" AND m.indexed = 0{pretest}",
            [*params, *needles],
        )
        test = compile_terms(filter.terms, _Access(self))
        found = []
        # Row by row (a backlog's raw bytes are never all in memory at once); a long scan lets
        # the event loop's thread in now and then, as the memory store's does.
        for scanned, (sort_key, seen, plain, raw, *columns) in enumerate(rows, 1):
            if not scanned & YIELD_EVERY:
                time.sleep(0)
            item = _Unindexed(record_of(columns), raw, bool(plain))
            if test(item, bool(seen)):
                found.append((sort_key, not seen, item.record))
        return found

    def _body(self, message_id: str) -> str:
        """A message's whole body text, case-folded, kept in the byte-bounded cache."""
        from ..facts import facts_of

        found = self.derived("body", message_id, lambda raw: facts_of(raw).text, len)
        return found if found is not None else ""

    def matches(self, filter: Filter, message_id: str) -> bool:
        return self._read(lambda db: self._query(db, filter, 0, 1, message_id).total > 0)

    def doc(self, message_id: str) -> SearchDoc | None:
        row = (
            self._reader()
            .execute(
                f"SELECT {', '.join(f'd.{c}' for c in DOC_COLUMNS)}, d.snippet, d.attachments, "
                "d.inline, d.sent, d.from_address, d.complete "
                "FROM messages m JOIN docs d ON d.seq = m.seq WHERE m.id = ?",
                (message_id,),
            )
            .fetchone()
        )
        if row is not None:
            n = len(DOC_COLUMNS)
            text = "".join(f"{value}{SEPARATOR}" for value in row[:n])
            return SearchDoc(text, *row[n : n + 5], bool(row[n + 5]))
        # Not indexed yet: built here, kept in the cache until the indexer's copy is there (the
        # list page asks for the newest messages, the last the indexer reaches, again and again).
        record = self.get(message_id)
        if record is None:
            return None
        return self.derived("search-doc", message_id, lambda raw: build(record, raw)[1], doc_size)

    def is_read(self, message_id: str, mailbox: MailboxRef | None = None) -> bool:
        if mailbox is not None:
            return super().is_read(message_id, mailbox)
        row = (
            self._reader()
            .execute("SELECT unseen FROM messages WHERE id = ?", (message_id,))
            .fetchone()
        )
        return row is not None and row[0] == 0

    def unread_count(self) -> int:
        return self._kept(self._reader(), "unread")

    def stats(self) -> dict[str, int]:
        return {
            "accepted": self._accepted,
            "accepted_size": self._accepted_size,
            "removed": self._removed,
        }

    def close(self) -> None:
        """Stop the indexer and close the database; idempotent."""
        if self._closed:
            return
        self._closed = True
        self._stop_indexer()
        self._checkpointer.close()
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for connection in readers:
            connection.close()
        with self._wlock:
            self._db.close()
