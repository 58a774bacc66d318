"""The SQLite backend's indexer: a background thread that builds the search documents of new
messages (in a low-priority worker process when there are many, see :mod:`.docpool`), writes
them in transactions that hold the write lock only briefly, compresses the transcripts delivery
left uncompressed, and gives freed pages back to the file system a few at a time. Ingest comes
first: while mail arrives, the indexer waits (a quarter second at most, so that mail which never
pauses cannot keep the index from catching up).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..transcript_shared import compressed
from .docpool import DocPool, build
from .searchdoc import SEPARATOR
from .sqlite_read import ReadOperations
from .sqlite_schema import DOC_COLUMNS
from .sqlite_state import RECORD_COLUMNS, record_of

if TYPE_CHECKING:
    from ..priority import WritesFirst
    from .events import StoreEvent
    from .model import Delivery

#: With this many messages waiting, the indexer hands them to its worker process in batches.
POOL_BACKLOG = 512
BATCH = 128
#: While mail arrived this recently (seconds), the indexer waits...
BUSY_GAP = 0.01
#: ... but this long at most (seconds): mail that never pauses (100/s and more) must not keep
#: the index from ever catching up. Each transaction it then writes ends after the message it
#: is on once a delivery waits, so that costs a delivery one message's index a few times a
#: second.
MAX_DEFER = 0.25
#: Pages given back per step of the incremental vacuum.
VACUUM_PAGES = 512
#: Pages of full-text index segments merged per step (a merge holds the write lock).
MERGE_PAGES = 64
#: How long one of the indexer's transactions may hold the write lock (seconds).
WRITE_SLICE = 0.01


class IndexOperations(ReadOperations):
    """The indexer over the SQLite backend's state."""

    deliveries_waiting: int
    writes_first: WritesFirst

    def _start_indexer(self) -> None:
        self._pool = DocPool()
        self._wake = threading.Event()
        self._last_write = 0.0
        self._indexer = threading.Thread(
            target=self._index_loop, name="mailtrap-sqlite-indexer", daemon=True
        )
        self._indexer.start()

    def _commit_group(self, group: Sequence[Delivery], events: list[StoreEvent]) -> None:
        # Every delivery (one or a batch) is committed here: the indexer waits while mail arrives.
        super()._commit_group(group, events)
        self._last_write = time.monotonic()
        self._wake.set()

    def _stop_indexer(self) -> None:
        """After ``_closed`` is set: wake the thread, wait for it, end the worker process."""
        self._wake.set()
        if self._indexer is not threading.current_thread():
            self._indexer.join(10)
        self._pool.close()

    def indexed(self) -> bool:
        """True when every stored message has its search document (for tests and benchmarks)."""
        row = self._reader().execute("SELECT 1 FROM messages WHERE indexed = 0 LIMIT 1")
        return row.fetchone() is None

    # -- the indexer ---------------------------------------------------------------------------

    def _index_loop(self) -> None:
        while not self._closed:
            try:
                worked = self._index_some() | self._vacuum_some()
            except sqlite3.Error:
                if self._closed:
                    return
                raise
            if not worked:
                self._wake.wait(1.0)
                self._wake.clear()

    def _index_some(self) -> bool:
        reader = self._reader()
        waiting = reader.execute(
            "SELECT count(*) FROM (SELECT 1 FROM messages WHERE indexed = 0 LIMIT ?)",
            (POOL_BACKLOG,),
        ).fetchone()[0]
        if not waiting:
            return False
        bulk = waiting >= POOL_BACKLOG
        self._wait_for_a_gap()
        rows = reader.execute(
            f"SELECT m.raw, m.transcript, {RECORD_COLUMNS} FROM messages m WHERE m.indexed = 0 "
            "ORDER BY m.seq LIMIT ?",
            (BATCH,),
        ).fetchall()
        batch = [(record_of(row[2:]), row[0]) for row in rows]
        # Delivery leaves transcripts uncompressed (it must not let go of the GIL for them).
        transcripts = [compressed(row[1]) for row in rows]
        docs = self._pool.build(batch) if bulk else [build(r, raw)[1] for r, raw in batch]
        n = len(DOC_COLUMNS)
        done = 0

        def work(db: sqlite3.Connection, _events: list[Any]) -> None:
            nonlocal done
            deadline = time.perf_counter() + WRITE_SLICE
            for (record, _raw), doc, transcript in zip(
                batch[done:], docs[done:], transcripts[done:], strict=True
            ):
                done += 1
                fields = doc.text.split(SEPARATOR)[:n]
                updated = db.execute(
                    "UPDATE messages SET indexed = 1, transcript = ? "
                    "WHERE seq = ? AND id = ? AND indexed = 0",  # a seq freed may come back
                    (transcript, record.seq, record.id),
                ).rowcount
                if updated:  # still stored, not indexed meanwhile
                    db.execute(
                        f"INSERT INTO docs (seq, {', '.join(DOC_COLUMNS)}, snippet, attachments, "
                        "inline, sent, from_address, complete) "
                        f"VALUES ({', '.join('?' * (n + 7))})",
                        (
                            record.seq,
                            *fields,
                            doc.snippet,
                            doc.attachments,
                            doc.inline,
                            doc.sent,
                            doc.from_address,
                            doc.complete,
                        ),
                    )
                if self.deliveries_waiting or time.perf_counter() > deadline:
                    break  # ingest first: a delivery waits for one message's index at most

        # Each transaction holds the write lock for about WRITE_SLICE (a trigram index insert
        # is costly), and ends sooner when a delivery waits for the lock: deliveries wait for
        # one message's index, never a whole batch.
        while done < len(batch) and not self._closed:
            self.writes_first.give_way()  # a delivery handed over, not at the lock yet
            self._write(work)
            if done < len(batch):
                self._wait_for_a_gap()
        return True

    def _wait_for_a_gap(self) -> None:
        """Ingest first: while mail arrives, the index waits (its writes would hold up commits),
        for :data:`MAX_DEFER` at most."""
        deadline = time.monotonic() + MAX_DEFER
        while not self._closed:
            now = time.monotonic()
            if now - self._last_write >= BUSY_GAP or now >= deadline:
                return
            time.sleep(BUSY_GAP)

    def _vacuum_some(self) -> bool:
        """One bounded step of giving space back: merge the full-text index's segments (which
        drops what deleted mail left in it), then return free pages to the file system."""
        if not self._vacuum_due:
            return False
        db = self._db
        with self._wlock:
            before = db.total_changes
            db.execute("INSERT INTO docs_fts (docs_fts, rank) VALUES ('merge', ?)", (-MERGE_PAGES,))
            merging = db.total_changes - before >= 2  # FTS5: less than 2 means fully merged
            freed = db.execute("PRAGMA freelist_count").fetchone()[0]
            if freed:
                db.execute(f"PRAGMA incremental_vacuum({VACUUM_PAGES})").fetchall()
            left = db.execute("PRAGMA freelist_count").fetchone()[0]
            self._vacuum_due = merging or left > 0
        return True
