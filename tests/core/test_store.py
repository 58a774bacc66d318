"""The memory store: per-recipient linking, UIDs, flags, pruning, events, thread safety."""

from __future__ import annotations

import threading

import pytest

from mailtrap.message import mailbox_key, normalize_address
from mailtrap.store import (
    SEEN,
    Cleared,
    Delivered,
    Expunged,
    FlagsChanged,
    MemoryStore,
)

RAW = b"Subject: hello\r\nFrom: a@example.com\r\nTo: b@example.com\r\n\r\nbody\r\n"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("alice@example.com", "alice@example.com"),
        ("Alice@EXAMPLE.COM", "Alice@example.com"),
        ("<bob@Example.org>", "bob@example.org"),
        ("  < carol@x.ORG >  ", "carol@x.org"),
        ('"odd@local"@Host.Example', '"odd@local"@host.example'),
        ("postmaster", "postmaster"),
        ("", ""),
    ],
)
def test_normalize_address(given, expected):
    assert normalize_address(given) == expected


def test_mailbox_key_ignores_case_of_local_part():
    assert mailbox_key("Alice@Example.com") == mailbox_key("alice@example.COM")


def test_message_to_three_recipients_is_stored_once_and_linked_three_times():
    store = MemoryStore()
    message = store.deliver("a@example.com", ["b@x.org", "c@x.org", "D@X.org"], RAW)
    assert store.count() == 1
    assert [m.address for m in store.mailboxes()] == ["b@x.org", "c@x.org", "D@x.org"]
    for address in ("b@x.org", "c@x.org", "d@x.org"):
        [entry] = store.snapshot(address).entries
        assert entry.message is message  # the same object: stored once
        assert entry.message.raw is message.raw


def test_duplicate_recipients_get_one_copy():
    store = MemoryStore()
    store.deliver("a@x.org", ["b@x.org", "B@X.ORG", "<b@x.org>"], RAW)
    assert len(store.snapshot("b@x.org").entries) == 1


def test_unknown_mailbox_reads_empty():
    store = MemoryStore()
    assert store.snapshot("nobody@x.org") is None
    assert store.messages("nobody@x.org") == []


def test_open_mailbox_fixes_uidvalidity_before_the_first_message():
    store = MemoryStore()
    opened = store.open_mailbox("<New@X.ORG>")
    assert (opened.address, opened.entries, opened.uidnext) == ("New@x.org", (), 1)
    store.deliver("a@x.org", ["new@x.org"], RAW)
    after = store.snapshot("new@x.org")
    assert after.uidvalidity == opened.uidvalidity and [e.uid for e in after.entries] == [1]
    assert store.open_mailbox("new@x.org") == after


def test_uids_grow_per_mailbox_and_clear_keeps_uidnext():
    store = MemoryStore()
    for _ in range(3):
        store.deliver("a@x.org", ["b@x.org"], RAW)
    before = store.snapshot("b@x.org")
    assert [e.uid for e in before.entries] == [1, 2, 3]
    store.clear()
    after = store.snapshot("b@x.org")
    assert after.entries == ()
    assert (after.uidvalidity, after.uidnext) == (before.uidvalidity, 4)
    store.deliver("a@x.org", ["b@x.org"], RAW)
    assert [e.uid for e in store.snapshot("b@x.org").entries] == [4]


def test_uidvalidity_differs_between_mailboxes():
    store = MemoryStore()
    store.deliver("a@x.org", ["b@x.org", "c@x.org"], RAW)
    values = {m.uidvalidity for m in store.mailboxes()}
    assert len(values) == 2


def test_flags_are_per_mailbox():
    store = MemoryStore()
    store.deliver("a@x.org", ["b@x.org", "c@x.org"], RAW)
    store.store_flags("b@x.org", [1], [SEEN, "\\Flagged"], "add")
    assert store.snapshot("b@x.org").entries[0].flags == {SEEN, "\\Flagged"}
    assert store.snapshot("c@x.org").entries[0].flags == frozenset()
    store.store_flags("b@x.org", [1], ["\\Flagged"], "remove")
    assert store.snapshot("b@x.org").entries[0].flags == {SEEN}
    store.store_flags("b@x.org", [1], ["$Label"], "replace")
    assert store.snapshot("b@x.org").entries[0].flags == {"$Label"}


def test_set_seen_everywhere_or_in_one_mailbox():
    store = MemoryStore()
    message = store.deliver("a@x.org", ["b@x.org", "c@x.org"], RAW)
    assert store.set_seen([message.id], True, mailbox="c@x.org") == 1
    assert {a: e.seen for a, e in store.links(message.id).items()} == {
        "b@x.org": False,
        "c@x.org": True,
    }
    assert store.set_seen([message.id], True) == 1  # only b changed
    assert all(e.seen for e in store.links(message.id).values())
    assert store.set_seen([message.id, "no-such-id"], False) == 2


def test_expunge_removes_message_only_when_last_link_goes():
    store = MemoryStore()
    message = store.deliver("a@x.org", ["b@x.org", "c@x.org"], RAW)
    store.expunge("b@x.org", [1])
    assert store.get(message.id) is message
    assert store.snapshot("b@x.org").entries == ()
    assert len(store.snapshot("c@x.org").entries) == 1
    store.expunge("c@x.org", [1])
    assert store.get(message.id) is None
    assert store.count() == 0


def test_delete_everywhere_or_from_one_mailbox():
    store = MemoryStore()
    first = store.deliver("a@x.org", ["b@x.org", "c@x.org"], RAW)
    second = store.deliver("a@x.org", ["b@x.org", "c@x.org"], RAW)
    assert store.delete([first.id], mailbox="B@x.org") == 1
    assert store.get(first.id) is first
    assert store.delete([first.id, second.id]) == 3
    assert store.count() == 0


def test_max_messages_prunes_oldest_first():
    store = MemoryStore(max_messages=3)
    sent = [store.deliver("a@x.org", ["b@x.org"], RAW + str(i).encode()) for i in range(5)]
    assert [m.id for m in store.messages()] == [m.id for m in sent[2:]]
    assert [e.uid for e in store.snapshot("b@x.org").entries] == [3, 4, 5]


def test_events_in_order():
    store = MemoryStore()
    seen = []
    unsubscribe = store.subscribe(seen.append)
    message = store.deliver("a@x.org", ["b@x.org", "c@x.org"], RAW)
    store.store_flags("b@x.org", [1], [SEEN], "add")
    store.store_flags("b@x.org", [1], [SEEN], "add")  # no change, no event
    store.expunge("b@x.org", [1])
    store.expunge("c@x.org", [1])
    store.clear()
    unsubscribe()
    store.deliver("a@x.org", ["b@x.org"], RAW)
    assert [type(e) for e in seen] == [Delivered, FlagsChanged, Expunged, Expunged, Cleared]
    delivered, flags, first_expunge, last_expunge, _ = seen
    assert delivered.mailboxes == ("b@x.org", "c@x.org") and delivered.uids == (1, 1)
    assert flags.mailbox == "b@x.org" and flags.entries[0].flags == {SEEN}
    assert first_expunge.removed == ()
    assert last_expunge.removed == (message.id,)


def test_failing_subscriber_never_fails_delivery():
    store = MemoryStore()

    def broken(event):
        raise RuntimeError("subscriber bug")

    store.subscribe(broken)
    store.deliver("a@x.org", ["b@x.org"], RAW)
    assert store.count() == 1


def test_raw_bytes_kept_exactly():
    raw = b"Subject: \xff\xfe bad\nX: y\r\n\r\n\x00\x80 body without end"
    store = MemoryStore()
    message = store.deliver("", ["b@x.org"], raw)
    assert store.get(message.id).raw == raw
    assert message.mail_from == ""


def test_concurrent_delivery_from_threads_loses_nothing():
    store = MemoryStore()

    def send(n):
        for i in range(200):
            store.deliver("a@x.org", [f"r{n}@x.org", "all@x.org"], RAW + str(i).encode())

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count() == 1600
    entries = store.snapshot("all@x.org").entries
    assert [e.uid for e in entries] == list(range(1, 1601))
    assert [m.seq for m in store.messages()] == sorted(m.seq for m in store.messages())


def test_messages_after_returns_newer_in_order():
    store = MemoryStore()
    sent = [store.deliver("a@x.org", ["b@x.org"], RAW) for _ in range(4)]
    assert store.messages_after(sent[1].seq) == sent[2:]
    assert store.messages_after(sent[-1].seq) == []
