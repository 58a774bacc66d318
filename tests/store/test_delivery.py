"""Delivery: stored once, linked into each recipient's INBOX; records, bytes and pruning."""

from __future__ import annotations

from storecases import RAW, shared_transcript

from mailtrap.store import INBOX, Delivery, MailboxId
from mailtrap.transcript import decode


def test_message_to_three_recipients_is_stored_once_and_linked_three_times(store):
    message = store.deliver("a@example.com", ["b@x.org", "c@x.org", "D@X.org"], RAW)
    assert store.count() == 1
    assert [m.address for m in store.mailboxes()] == ["b@x.org", "c@x.org", "D@x.org"]
    for address in ("b@x.org", "c@x.org", "d@x.org"):
        [entry] = store.snapshot(address).entries
        assert entry.message == message
        assert entry.message.id == message.id
    assert store.raw(message.id) == RAW
    assert set(store.links(message.id)) == {
        MailboxId("b@x.org", INBOX),
        MailboxId("c@x.org", INBOX),
        MailboxId("D@x.org", INBOX),
    }


def test_bcc_recipients_are_envelope_recipients(store):
    raw = b"To: visible@x.org\r\nSubject: s\r\n\r\nbody\r\n"
    message = store.deliver("a@x.org", ["visible@x.org", "hidden@x.org"], raw)
    assert message.rcpt_tos == ("visible@x.org", "hidden@x.org")
    assert [e.message.id for e in store.snapshot("hidden@x.org").entries] == [message.id]


def test_duplicate_recipients_get_one_copy(store):
    store.deliver("a@x.org", ["b@x.org", "B@X.ORG", "<b@x.org>"], RAW)
    assert len(store.snapshot("b@x.org").entries) == 1


def test_inboxes_route_a_message_to_accounts_other_than_its_recipients(store):
    # A users file's aliases: mail to postmaster@ and anyone@ goes to alice's INBOX, once;
    # the record keeps the envelope as it was.
    message = store.deliver(
        "a@x.org",
        ["postmaster@x.org", "anyone@x.org", "bob@x.org"],
        RAW,
        inboxes=["alice@x.org", "ALICE@x.org", "bob@x.org"],
    )
    assert message.rcpt_tos == ("postmaster@x.org", "anyone@x.org", "bob@x.org")
    assert set(store.links(message.id)) == {
        MailboxId("alice@x.org", INBOX),
        MailboxId("bob@x.org", INBOX),
    }
    assert store.snapshot("postmaster@x.org") is None
    assert store.deliver("a@x.org", ["p@x.org"], RAW, inboxes=["c@x.org"])
    assert [m.address for m in store.mailboxes()] == ["alice@x.org", "bob@x.org", "c@x.org"]


def test_unknown_mailbox_reads_empty(store):
    assert store.snapshot("nobody@x.org") is None
    assert store.messages("nobody@x.org") == []
    assert store.folders("nobody@x.org") == []
    assert store.get("no-such-id") is None
    assert store.raw("no-such-id") is None
    assert store.summary("no-such-id") is None
    assert store.links("no-such-id") == {}


def test_open_account_fixes_uidvalidity_before_the_first_message(store):
    opened = store.open_account("<New@X.ORG>")
    assert (opened.address, opened.entries, opened.uidnext) == ("New@x.org", (), 1)
    assert opened.mailbox == MailboxId("New@x.org", INBOX)
    store.deliver("a@x.org", ["new@x.org"], RAW)
    after = store.snapshot("new@x.org")
    assert after.uidvalidity == opened.uidvalidity and [e.uid for e in after.entries] == [1]
    assert store.open_account("new@x.org") == after


def test_records_are_values(store):
    message = store.deliver("A@X.ORG", ["b@x.org"], RAW)
    assert store.get(message.id) == message
    assert hash(store.get(message.id)) == hash(message)
    assert (message.mail_from, message.rcpt_tos, message.size) == (
        "A@x.org",
        ("b@x.org",),
        len(RAW),
    )
    assert message.internal_date == message.received
    [entry] = store.snapshot("b@x.org").entries
    assert store.snapshot("b@x.org").entries[0] == entry


def test_raw_bytes_kept_exactly(store):
    raw = b"Subject: \xff\xfe bad\nX: y\r\n\r\n\x00\x80 body without end"
    message = store.deliver("", ["b@x.org"], raw)
    assert store.raw(message.id) == raw
    assert message.mail_from == ""
    assert store.summary(message.id).subject.endswith("bad")


def test_summary_is_decoded_from_the_header(store):
    raw = b"Subject: =?utf-8?q?caf=C3=A9?=\r\nFrom: Ann <ann@x.org>\r\nTo: b@x.org\r\n\r\nx\r\n"
    message = store.deliver("a@x.org", ["b@x.org"], raw)
    summary = store.summary(message.id)
    assert summary.subject == "café"
    assert summary.from_.address == "ann@x.org"


def test_a_shared_transcript_reads_back_as_it_was_given(store):
    encoded = shared_transcript()
    message = store.deliver("a@x.org", ["b@x.org"], RAW, transcript=encoded)
    kept = store.transcript(message.id)
    assert decode(kept, message.id) == decode(encoded, message.id)
    assert decode(kept, message.id).lines[-1].text == f"250 OK: queued as {message.id}"
    store.delete([message.id])
    assert store.transcript(message.id) is None


def test_transcript_is_kept_with_the_message(store):
    message = store.deliver("a@x.org", ["b@x.org"], RAW, transcript=b"EHLO x")
    plain = store.deliver("a@x.org", ["b@x.org"], RAW)
    assert store.transcript(message.id) == b"EHLO x"
    assert store.transcript(plain.id) is None
    store.delete([message.id])
    assert store.transcript(message.id) is None


def test_messages_after_returns_newer_in_order(store):
    sent = [store.deliver("a@x.org", ["b@x.org"], RAW) for _ in range(4)]
    assert store.messages_after(sent[1].seq) == sent[2:]
    assert store.messages_after(sent[-1].seq) == []
    assert store.messages() == sent


def test_max_messages_prunes_oldest_first(make_store):
    store = make_store(max_messages=3)
    sent = [store.deliver("a@x.org", ["b@x.org"], RAW + str(i).encode()) for i in range(5)]
    assert [m.id for m in store.messages()] == [m.id for m in sent[2:]]
    assert [e.uid for e in store.snapshot("b@x.org").entries] == [3, 4, 5]
    assert store.raw(sent[0].id) is None


def test_deliver_all_stores_each_message_as_deliver_does(store):
    # Several messages at once (a database commits them together); the same account under two
    # spellings, and two messages for one INBOX in one call, each get their own UID.
    transcript = shared_transcript()
    deliveries = [
        Delivery("a@x.org", ["b@x.org", "B@X.org"], RAW),
        Delivery("a@x.org", ["b@x.org", "c@x.org"], RAW + b"2\r\n", transcript),
        Delivery("a@x.org", ["postmaster@x.org"], RAW + b"3\r\n", inboxes=["c@x.org"]),
    ]
    store.deliver_all(deliveries)
    assert [d.error for d in deliveries] == [None, None, None]
    records = [d.record for d in deliveries]
    assert [m.id for m in store.messages()] == [r.id for r in records]
    assert [store.raw(r.id) for r in records] == [RAW, RAW + b"2\r\n", RAW + b"3\r\n"]
    assert [(e.uid, e.message.id) for e in store.snapshot("b@x.org").entries] == [
        (1, records[0].id),
        (2, records[1].id),
    ]
    assert [(e.uid, e.message.id) for e in store.snapshot("c@x.org").entries] == [
        (1, records[1].id),
        (2, records[2].id),
    ]
    assert records[2].rcpt_tos == ("postmaster@x.org",)
    assert store.snapshot("b@x.org").unseen == 2
    given = decode(transcript, records[1].id)
    assert decode(store.transcript(records[1].id), records[1].id) == given
    # Later deliveries go on from there.
    later = store.deliver("a@x.org", ["b@x.org"], RAW)
    assert store.snapshot("b@x.org").entries[-1] == (3, later, frozenset())
