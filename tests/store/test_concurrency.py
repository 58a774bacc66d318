"""Concurrent writers and readers: nothing lost, UIDs unique and in order, views consistent."""

from __future__ import annotations

import threading

from storecases import RAW

from mailtrap.store import SEEN, MailboxId


def _run(*targets):
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)


def test_concurrent_delivery_from_threads_loses_nothing(store):
    def send(n):
        for i in range(200):
            store.deliver("a@x.org", [f"r{n}@x.org", "all@x.org"], RAW + str(i).encode())

    _run(*(lambda n=n: send(n) for n in range(8)))
    assert store.count() == 1600
    entries = store.snapshot("all@x.org").entries
    assert [e.uid for e in entries] == list(range(1, 1601))
    assert [m.seq for m in store.messages()] == sorted(m.seq for m in store.messages())


def test_readers_see_consistent_snapshots_while_writers_work(store):
    archive = MailboxId("all@x.org", "Archive")
    store.create_folder(archive)
    problems = []
    done = threading.Event()

    def write():
        for i in range(300):
            store.deliver("a@x.org", ["all@x.org"], RAW + str(i).encode())
            if i % 3 == 0:
                store.move("all@x.org", [i + 1], archive)
            if i % 5 == 0:
                store.store_flags(archive, range(1, i), [SEEN], "add")
        done.set()

    def read():
        while not done.is_set():
            for mailbox in ("all@x.org", archive):
                snapshot = store.snapshot(mailbox)
                uids = [e.uid for e in snapshot.entries]
                if uids != sorted(set(uids)) or (uids and uids[-1] >= snapshot.uidnext):
                    problems.append(uids)
                for entry in snapshot.entries[-3:]:
                    store.raw(entry.message.id)  # may be gone meanwhile: None, never an error

    _run(write, read, read)
    assert problems == []
    assert sum(f.total for f in store.folders("all@x.org")) == store.count() == 300
