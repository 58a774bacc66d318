"""Events: after the fact, in order, numbered, keyed by mailbox; subscribers never hold up
writers and may call back into the store."""

from __future__ import annotations

import threading
import time

from storecases import RAW

from mailtrap.store import (
    SEEN,
    Cleared,
    Delivered,
    Expunged,
    FlagsChanged,
    FoldersChanged,
    Linked,
    MailboxId,
)

BOB = MailboxId("b@x.org", "INBOX")
CAROL = MailboxId("c@x.org", "INBOX")


def test_events_in_order(store):
    seen = []
    unsubscribe = store.subscribe(seen.append)
    message = store.deliver("a@x.org", ["b@x.org", "C@X.ORG"], RAW)
    store.store_flags("b@x.org", [1], [SEEN], "add")
    store.store_flags("b@x.org", [1], [SEEN], "add")  # no change, no event
    store.expunge("b@x.org", [1])
    store.expunge("c@x.org", [1])
    store.clear()
    unsubscribe()
    store.deliver("a@x.org", ["b@x.org"], RAW)
    assert [type(e) for e in seen] == [Delivered, FlagsChanged, Expunged, Expunged, Cleared]
    delivered, flags, first_expunge, last_expunge, _ = seen
    assert delivered.mailboxes == (BOB, MailboxId("C@x.org", "INBOX"))
    assert delivered.uids == (1, 1)
    assert delivered.message == message
    assert flags.mailbox == BOB and flags.entries[0].flags == {SEEN}
    assert first_expunge.removed == ()
    assert last_expunge.removed == (message.id,)
    assert [e.seq for e in seen] == sorted(e.seq for e in seen)
    assert len({e.seq for e in seen}) == len(seen)


def test_folder_events_name_their_mailbox(store):
    seen = []
    store.subscribe(seen.append)
    archive = MailboxId("b@x.org", "Archive")
    store.create_folder(archive)
    store.deliver("a@x.org", ["b@x.org"], RAW)
    entry = store.append(archive, RAW, flags=[SEEN])
    store.move(BOB, [1], archive)
    kinds = [type(e) for e in seen]
    assert kinds == [FoldersChanged, Delivered, Delivered, Linked, Expunged]
    assert seen[0].owner == "b@x.org"
    assert seen[2].mailboxes == (archive,) and seen[2].flags == {SEEN}
    assert seen[2].message == entry.message
    assert seen[3].mailbox == archive and [e.uid for e in seen[3].entries] == [2]
    assert seen[4].mailbox == BOB and seen[4].removed == ()


def test_a_subscriber_may_read_and_write_the_store(store):
    """Events come after the lock is released: calling back in can neither deadlock nor
    see a half-made change; a write from a subscriber is announced after the current event."""
    seen = []

    def subscriber(event):
        seen.append((type(event).__name__, store.count()))
        if isinstance(event, Delivered) and event.uids == (1,):
            store.store_flags(BOB, [1], [SEEN], "add")

    store.subscribe(subscriber)
    store.deliver("a@x.org", ["b@x.org"], RAW)
    assert seen == [("Delivered", 1), ("FlagsChanged", 1)]


def test_failing_subscriber_never_fails_a_write(store):
    def broken(event):
        raise RuntimeError("subscriber bug")

    calls = []
    store.subscribe(broken)
    store.subscribe(calls.append)
    store.deliver("a@x.org", ["b@x.org"], RAW)
    assert store.count() == 1 and len(calls) == 1


def test_no_writer_waits_for_another_threads_subscriber(store):
    """While one thread runs a slow subscriber, other writers finish at once; their events
    follow, in order, from the thread holding the emitter."""
    entered, release = threading.Event(), threading.Event()
    seen = []

    def slow(event):
        seen.append(event.seq)
        if len(seen) == 1:
            entered.set()
            release.wait(5)

    store.subscribe(slow)
    first = threading.Thread(target=store.deliver, args=("a@x.org", ["b@x.org"], RAW))
    first.start()
    assert entered.wait(5)
    started = time.monotonic()
    for _ in range(5):
        store.deliver("a@x.org", ["b@x.org"], RAW)
    took = time.monotonic() - started
    release.set()
    first.join(5)
    assert took < 1.0, f"writers waited {took:.2f}s for another thread's subscriber"
    assert seen == sorted(seen) and len(seen) == 6
    assert store.count() == 6
