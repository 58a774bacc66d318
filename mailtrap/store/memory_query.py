"""The memory backend's query engine and its indexer.

Queries run :mod:`.query`'s compiled terms over the messages of one folder (or every message
once), in the caller's thread, never holding the store's lock while they read text. A listing
without terms is answered from the kept counts and reads only its page.

The indexer is a background thread that builds each new message's search document, off the
SMTP path and the event loop. It starts with the first query that reads documents (or once
:data:`DEFER_BACKLOG` messages wait): a test run that only sends and waits for mail by address
never parses a body. It steps aside while mail is arriving or a query runs (both need the
interpreter more than it does) and catches up when they pause; a query that finds messages not
indexed yet builds their documents itself, after a cheap pre-test on their bytes.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import threading
import time
from itertools import islice
from operator import attrgetter

from .memory_state import Held, MemoryState
from .model import SEEN, MailboxRef, MessageRecord
from .query import YIELD_EVERY, Filter, Page, compile_terms, needs_doc
from .searchdoc import SearchDoc, is_plain, may_contain, safe_needle

#: While mail arrived this recently (seconds), the indexer waits: ingest comes first.
BUSY_GAP = 0.003
#: With this many messages waiting, the indexer hands them to its worker process in batches.
POOL_BACKLOG = 512
POOL_BATCH = 256
#: An idle indexer thread ends after this long; the next delivery starts another.
IDLE_EXIT = 2.0
#: Until a query reads documents, the indexer waits for this many new messages.
DEFER_BACKLOG = 256


class _HeldAccess:
    """How compiled terms reach a held message (see ``query.Access``)."""

    record = staticmethod(attrgetter("record"))
    tags = staticmethod(attrgetter("tags"))
    indexed = staticmethod(attrgetter("doc"))

    def __init__(self, store: QueryOperations) -> None:
        self.doc = store._doc
        self.body = store._body

    @staticmethod
    def may_contain(held: Held, needle: str) -> bool:
        if not is_plain(held.raw):
            return True
        encoded = safe_needle(needle)
        return encoded is None or may_contain(encoded, held.raw, held.record)


class QueryOperations(MemoryState):
    """``query``, ``matches``, counts and the background indexer."""

    # -- reading -------------------------------------------------------------------------------

    def query(self, filter: Filter, start: int = 0, limit: int | None = None) -> Page:
        with self._lock:
            if not filter.terms and filter.after_seq == 0:
                return self._listing(filter, start, limit)
            helds, seen, uids = self._candidates(filter.mailbox)
            self._queries += 1
            self._want_documents(filter)
        try:
            test = compile_terms(filter.terms, _HeldAccess(self))
            after, end = filter.after_seq, None if limit is None else start + limit
            total = unread = 0
            page: list[MessageRecord] = []
            page_uids: list[int] = []
            triples = (
                zip(reversed(helds), reversed(seen), reversed(uids), strict=True)
                if filter.newest_first
                else zip(helds, seen, uids, strict=True)
            )
            scanned = 0
            for held, read, uid in triples:  # zip reuses its tuple: no allocation per message
                scanned += 1
                if not scanned & YIELD_EVERY:  # a long scan lets the event loop's thread in
                    time.sleep(0)
                if held is None or held.record.seq <= after or not test(held, read):
                    continue
                if start <= total and (end is None or total < end):
                    page.append(held.record)
                    page_uids.append(uid)
                total += 1
                unread += not read
            return Page(total, unread, page, page_uids if filter.mailbox is not None else ())
        finally:
            with self._lock:
                self._queries -= 1

    def _candidates(
        self, mailbox: MailboxRef | None
    ) -> tuple[list[Held | None], list[bool], list[int]]:
        """The messages a query covers, in order, whether each is read, and (with a mailbox)
        its UID there, else 0 (under the lock)."""
        if mailbox is None:
            helds: list[Held | None] = list(self._messages.values())
            seen = [held.unseen == 0 for held in helds]  # type: ignore[union-attr]
            return helds, seen, [0] * len(helds)
        box = self._folder(mailbox)
        if box is None or box.noselect:
            return [], [], []
        entries = list(box.entries.values())
        messages = self._messages
        return (
            [messages.get(e.message.id) for e in entries],
            [SEEN in e.flags for e in entries],
            [e.uid for e in entries],
        )

    def matches(self, filter: Filter, message_id: str) -> bool:
        with self._lock:
            held = self._messages.get(message_id)
            if held is None or held.record.seq <= filter.after_seq:
                return False
            if filter.mailbox is None:
                seen = held.unseen == 0
            else:
                entry = self._entry(filter.mailbox, held)
                if entry is None:
                    return False
                seen = SEEN in entry.flags
            self._want_documents(filter)
        return compile_terms(filter.terms, _HeldAccess(self))(held, seen)

    def doc(self, message_id: str) -> SearchDoc | None:
        held = self._messages.get(message_id)
        return self._doc(held) if held is not None else None

    def is_read(self, message_id: str, mailbox: MailboxRef | None = None) -> bool:
        if mailbox is not None:
            return super().is_read(message_id, mailbox)
        held = self._messages.get(message_id)
        return held is not None and held.unseen == 0

    def unread_count(self) -> int:
        return self._unread

    def stats(self) -> dict[str, int]:
        return {
            "accepted": self._accepted,
            "accepted_size": self._accepted_size,
            "removed": self._removed,
        }

    def _listing(self, filter: Filter, start: int, limit: int | None) -> Page:
        """A query without terms: counts kept, and only the page is read."""
        end = None if limit is None else start + limit
        if filter.mailbox is None:
            source = self._messages.values()
            ordered = reversed(source) if filter.newest_first else source
            page = [held.record for held in islice(ordered, start, end)]
            return Page(len(self._messages), self._unread, page)
        box = self._folder(filter.mailbox)
        if box is None or box.noselect:
            return Page(0, 0, [])
        entries = box.entries.values()
        in_order = reversed(entries) if filter.newest_first else entries
        chosen = list(islice(in_order, start, end))
        return Page(len(entries), box.unseen, [e.message for e in chosen], [e.uid for e in chosen])

    def _entry(self, mailbox: MailboxRef, held: Held) -> object:
        box = self._folder(mailbox)
        links = held.links
        for i in range(0, len(links), 2):
            if links[i] is box:
                return box.entries.get(links[i + 1])  # type: ignore[union-attr]
        return None

    def _body(self, held: Held) -> str:
        """A message's whole body text, case-folded, kept in the byte-bounded cache."""
        from ..facts import facts_of

        found = self.derived("body", held.record.id, lambda raw: facts_of(raw).text, len)
        return found if found is not None else ""

    def _doc(self, held: Held) -> SearchDoc:
        doc = held.doc
        if doc is None:
            from .docpool import build  # with the first search that reads documents

            summary, doc = build(held.record, held.raw)
            if held.summary is None:
                held.summary = summary
            held.doc = doc
        return doc

    # -- the indexer ---------------------------------------------------------------------------

    def _want_documents(self, filter: Filter) -> None:
        """A query reads documents: from now on the indexer keeps them built (under the lock)."""
        if not self._index_wanted and any(needs_doc(term) for term in filter.terms):
            self._index_wanted = True
            self._start_indexer()

    def _queue_for_index(self, message_id: str) -> None:
        """Called under the lock for every new message."""
        self._last_write = time.monotonic()
        if self._closed:
            return
        self._unindexed.append(message_id)
        if self._index_wanted or len(self._unindexed) >= DEFER_BACKLOG:
            self._start_indexer()

    def _start_indexer(self) -> None:
        """Start the indexer thread, or wake it (under the lock)."""
        if self._closed or not self._unindexed:
            return
        self._index_wanted = True
        if self._indexer is None:
            self._indexer = threading.Thread(
                target=self._index_loop, name="mailtrap-indexer", daemon=True
            )
            self._indexer.start()
        elif not self._wake.is_set():
            self._wake.set()

    def _index_loop(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    self._indexer = None
                    return
                waiting = len(self._unindexed)
                bulk = waiting >= POOL_BACKLOG
                size = min(POOL_BATCH if bulk else 32, waiting)
                batch = [self._unindexed.popleft() for _ in range(size)]
                if not batch:
                    self._wake.clear()
            if not batch:
                if self._wake.wait(IDLE_EXIT):
                    continue
                with self._lock:
                    if not self._unindexed:  # nothing came meanwhile: end; a write starts another
                        self._indexer = None
                        return
                continue
            if bulk:  # the worker runs at low priority: only on CPU that ingest leaves idle
                self._index_elsewhere(batch)
                continue
            for message_id in batch:
                while self._busy() and not self._closed:
                    time.sleep(BUSY_GAP)
                held = self._messages.get(message_id)
                if held is not None and held.doc is None:
                    self._doc(held)

    def _index_elsewhere(self, batch: list[str]) -> None:
        """A bulk of messages indexed by the worker process (see :mod:`.docpool`)."""
        helds = [h for i in batch if (h := self._messages.get(i)) is not None and h.doc is None]
        pool = self._pool
        if pool is None:  # only the indexer's thread gets here
            from .docpool import DocPool

            pool = self._pool = DocPool()
        built = pool.build([(held.record, held.raw) for held in helds])
        for held, doc in zip(helds, built, strict=True):
            held.doc = doc

    def _busy(self) -> bool:
        return self._queries > 0 or time.monotonic() - self._last_write < BUSY_GAP

    def indexed(self) -> bool:
        """True when every stored message has its search document (for tests and benchmarks:
        asking starts the indexer)."""
        with self._lock:
            self._start_indexer()
            return all(held.doc is not None for held in self._messages.values())

    def close(self) -> None:
        """Stop the indexer (queries still build what they need); idempotent."""
        with self._lock:
            self._closed = True
            indexer = self._indexer
            self._wake.set()
        if indexer is not None and indexer is not threading.current_thread():
            indexer.join(5)
        if self._pool is not None:
            self._pool.close()
