"""The SQLite backend's deliveries: each message stored once and linked into its recipients'
INBOXes (the tags of its ``X-Tags``, its transcript kept whole: uncompressed until the indexer
compresses it), in groups: one transaction for
the messages that arrived while the previous one committed, each caller answered once its own
message is committed (connections and transactions: :mod:`.sqlite_state`).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..ids import MessageIds
from ..message import mailbox_key, normalize_address
from ..tags import header_tags
from ..transcript_shared import Encoded, uncompressed
from .events import Delivered, StoreEvent
from .model import Delivery, MessageRecord
from .searchdoc import is_plain
from .sqlite_state import Folder, SqliteState, insert_rows


class NewMessages:
    """The messages a transaction stores, written together: their rows, their records (each
    ``seq`` 0 until the rows are written: SQLite numbers them, the largest so far plus one) and
    the X-Tags of those that have any (by position)."""

    __slots__ = ("records", "rows", "tagged")

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self.records: list[MessageRecord] = []
        self.tagged: list[tuple[int, tuple[str, ...]]] = []


class DeliveryOperations(SqliteState):
    """Deliveries, grouped into transactions."""

    _ids: MessageIds

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._queue: list[Delivery] = []
        self._queue_lock = threading.Lock()
        #: Deliveries waiting for the write lock: the indexer's transaction ends for them.
        self.deliveries_waiting = 0

    @contextmanager
    def _delivery_write_lock(self) -> Iterator[None]:
        """The write lock, taken for a delivery (counted in :attr:`deliveries_waiting`)."""
        with self._queue_lock:
            self.deliveries_waiting += 1
        try:
            self._wlock.acquire()
        finally:
            with self._queue_lock:
                self.deliveries_waiting -= 1
        try:
            yield
        finally:
            self._wlock.release()

    def deliver(
        self,
        mail_from: str,
        rcpt_tos: Sequence[str],
        raw: bytes,
        *,
        transcript: Encoded | None = None,
        inboxes: Sequence[str] | None = None,
    ) -> MessageRecord:
        # Each row keeps its transcript whole; made here, in the caller's thread, off the loop.
        return self._deliver_grouped(mail_from, rcpt_tos, raw, uncompressed(transcript), inboxes)

    def deliver_all(self, deliveries: Sequence[Delivery]) -> None:
        # One transaction for all: made by the caller's thread, so it must not be the loop.
        group = [
            Delivery(d.mail_from, d.rcpt_tos, d.raw, uncompressed(d.transcript), d.inboxes)
            for d in deliveries
        ]
        events: list[StoreEvent] = []
        with self._delivery_write_lock():
            self._commit_group(group, events)
        self._emit(events)
        for delivery, item in zip(deliveries, group, strict=True):
            delivery.record = item.record
            delivery.error = item.error if isinstance(item.error, Exception) else None
            if item.error is not None and delivery.error is None:
                raise item.error  # KeyboardInterrupt and the like are not a message's error

    def _stage_delivery(
        self,
        db: sqlite3.Connection,
        item: Delivery,
        inboxes: dict[str, Folder],
        new: NewMessages,
    ) -> list[Folder]:
        """Queue one message of a group in ``new``; its INBOXes (``inboxes``: those the group's
        transaction looked up). Its transcript is self-contained already (made before the write
        lock)."""
        transcript = item.transcript
        assert not isinstance(transcript, tuple)
        recipients = tuple(dict.fromkeys(normalize_address(r) for r in item.rcpt_tos))
        boxes: dict[int, Folder] = {}  # the same account under another spelling: one link
        accounts = recipients if item.inboxes is None else map(normalize_address, item.inboxes)
        for address in accounts:
            key = mailbox_key(address)
            box = inboxes.get(key)
            if box is None:
                box = inboxes[key] = self._inbox(db, address)
            boxes.setdefault(box.rowid, box)
        now = time.time()
        sender = normalize_address(item.mail_from or "")
        self._new_message(new, sender, recipients, item.raw, now, now, transcript, len(boxes))
        return list(boxes.values())

    def _link_delivery(
        self,
        db: sqlite3.Connection,
        events: list[StoreEvent],
        item: Delivery,
        record: MessageRecord,
        boxes: list[Folder],
    ) -> None:
        """Link a stored message of a group into its INBOXes."""
        uids = tuple(
            self._link(db, record.seq, box, frozenset(), counted=True, later=True) for box in boxes
        )
        item.record = record
        self._accepted += 1
        self._accepted_size += len(item.raw)
        events.append(Delivered(self._event_seq(), record, tuple(b.id for b in boxes), uids))

    def _new_message(
        self,
        new: NewMessages,
        sender: str,
        recipients: tuple[str, ...],
        raw: bytes,
        received: float,
        internal_date: float,
        transcript: bytes | None,
        unseen: int = 0,
    ) -> None:
        """Queue a message's row and record in ``new`` (written by :meth:`_store_messages`)."""
        message_id = self._ids()
        new.rows.append(
            (
                message_id,
                sender,
                mailbox_key(sender),
                "\n".join(recipients),
                "\n" + "".join(f"{mailbox_key(r)}\n" for r in recipients),
                len(raw),
                received,
                internal_date,
                raw,
                transcript,
                unseen,
                is_plain(raw) and "".join((sender, *recipients)).isascii(),
            )
        )
        tags = header_tags(raw)
        if tags:
            new.tagged.append((len(new.records), tags))
        new.records.append(
            MessageRecord(message_id, 0, sender, recipients, len(raw), received, internal_date)
        )

    def _store_messages(self, db: sqlite3.Connection, new: NewMessages) -> list[MessageRecord]:
        """Write the messages queued in ``new`` (a few statements) and their X-Tags; their
        records, numbered."""
        last = insert_rows(
            db,
            "INSERT INTO messages (id, mail_from, sender_key, rcpt_tos, rcpt_keys, size,"
            " received, internal_date, raw, transcript, unseen, plain) VALUES",
            new.rows,
        )
        # One transaction's rows get consecutive rowids: each the largest so far plus one.
        first = last - len(new.rows) + 1
        records = [r._replace(seq=first + n) for n, r in enumerate(new.records)]
        for n, tags in new.tagged:
            self._give_tags(db, first + n, tags)
        new.rows, new.records, new.tagged = [], [], []
        return records

    def _deliver_grouped(
        self,
        mail_from: str,
        rcpt_tos: Sequence[str],
        raw: bytes,
        transcript: bytes | None,
        inboxes: Sequence[str] | None = None,
    ) -> MessageRecord:
        """Store one message with whatever else is waiting, in one transaction; return once it
        is committed (whoever takes the write lock commits every queued delivery)."""
        pending = Delivery(mail_from, rcpt_tos, raw, transcript, inboxes)
        with self._queue_lock:
            self._queue.append(pending)
        events: list[StoreEvent] = []
        with self._delivery_write_lock():
            if pending.record is None and pending.error is None:
                with self._queue_lock:
                    group, self._queue = self._queue, []
                self._commit_group(group, events)
        self._emit(events)
        if pending.error is not None:
            raise pending.error
        assert pending.record is not None
        return pending.record

    def _commit_group(self, group: Sequence[Delivery], events: list[StoreEvent]) -> None:
        """One transaction for ``group`` (under the write lock): each item gets its record, or
        all of them the error that rolled it back."""

        def work(db: sqlite3.Connection, out: list[StoreEvent]) -> None:
            inboxes: dict[str, Folder] = {}  # looked up once per transaction
            new = NewMessages()
            boxes = [self._stage_delivery(db, item, inboxes, new) for item in group]
            # Written together: a statement lets go of the GIL and takes it back, and under load
            # each of those waits for another thread.
            records = self._store_messages(db, new)
            for item, record, its_boxes in zip(group, records, boxes, strict=True):
                self._link_delivery(db, out, item, record, its_boxes)
            self._store_links(db, inboxes.values())
            self._prune(db, out)

        try:
            self._transaction(work, events)
        except BaseException as error:
            for item in group:
                item.record, item.error = None, error  # a record made before the rollback too
