"""The SQLite indexer gives way to ingest: a delivery waiting for the write lock is counted, and
the indexer's transaction then ends after the message it is on; yet mail that never pauses does
not keep the index from catching up."""

from __future__ import annotations

import threading
import time

from polling import until

from mailtrap.store import SqliteStore


def test_a_delivery_waiting_for_the_write_lock_is_counted(tmp_path):
    store = SqliteStore(tmp_path / "mail.db")
    try:
        with store._wlock:  # another writer's transaction
            delivering = threading.Thread(
                target=store.deliver, args=("a@x.org", ["b@x.org"], b"Subject: s\r\n\r\nb\r\n")
            )
            delivering.start()
            assert until(lambda: store.deliveries_waiting == 1)
        delivering.join(5)
        assert store.deliveries_waiting == 0 and store.count() == 1
    finally:
        store.close()


def test_the_indexer_commits_after_each_message_while_a_delivery_waits(tmp_path):
    store = SqliteStore(tmp_path / "mail.db")
    statements: list[str] = []
    try:
        store._db.set_trace_callback(statements.append)  # the writer's connection
        store.deliveries_waiting = 1  # as while a delivery waits: held for the whole test
        for n in range(6):
            store.deliver("a@x.org", ["b@x.org"], b"Subject: m%d\r\n\r\nbody %d\r\n" % (n, n))
        assert until(store.indexed)
        store._db.set_trace_callback(None)
        transactions = "\n".join(statements).split("BEGIN IMMEDIATE")
        indexed = [t.count("UPDATE messages SET indexed = 1") for t in transactions]
        assert sum(indexed) == 6 and max(indexed) == 1  # one message a transaction
    finally:
        store.deliveries_waiting = 0
        store.close()


def test_mail_that_never_pauses_does_not_keep_the_index_back(tmp_path):
    store = SqliteStore(tmp_path / "mail.db")
    stop = threading.Event()
    delivered = 0

    def stream() -> None:
        nonlocal delivered
        while not stop.is_set():  # a message every 2-4 ms: never the indexer's 10 ms pause
            store.deliver("a@x.org", ["b@x.org"], b"Subject: m%d\r\n\r\nbody\r\n" % delivered)
            delivered += 1
            time.sleep(0.002)

    def indexed() -> int:
        row = store._reader().execute("SELECT count(*) FROM messages WHERE indexed = 1")
        return row.fetchone()[0]

    sender = threading.Thread(target=stream)
    sender.start()
    try:
        assert until(lambda: indexed() >= 5, timeout=4), (indexed(), delivered)
        assert sender.is_alive()  # while the mail still came
    finally:
        stop.set()
        sender.join(5)
        store.close()
