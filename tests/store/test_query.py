"""The query engine: every term, negation and alternatives, folders, read state, order,
paging and counts; documents built in the background or on demand give the same answers."""

from __future__ import annotations

import random
import re
import time

import pytest

from mailtrap.message import summarize
from mailtrap.store import INBOX, MailboxId, MessageRecord
from mailtrap.store.query import (
    AnyOf,
    Contains,
    Field,
    Filter,
    Has,
    Not,
    Read,
    Received,
    Size,
    Tagged,
    recipient,
    sender,
)
from mailtrap.store.searchdoc import build_doc, is_plain, may_contain, safe_needle

PLAIN = (
    b"From: Ann Example <ann@example.org>\r\nTo: Bob <bob@example.com>, carol@example.com\r\n"
    b"Cc: dave@example.net\r\nReply-To: replies@example.org\r\nSubject: Quarterly report\r\n"
    b"Message-ID: <q1@example.org>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n"
    b"The numbers are in.\r\n"
)
ENCODED = (
    b"From: =?utf-8?q?Ren=C3=A9e?= <renee@example.org>\r\nTo: bob@example.com\r\n"
    b"Bcc: hidden-header@example.com\r\nSubject: =?utf-8?q?Caf=C3=A9_order?=\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
    b"\r\n\r\nna=C3=AFve latte\r\n"
)
ATTACHED = (
    b"From: ops@example.org\r\nTo: bob@example.com\r\nSubject: logs\r\n"
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
    b"see attached\r\n--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; "
    b'filename="server.log"\r\n\r\nlog lines\r\n--b\r\nContent-Type: image/png\r\n'
    b"Content-Disposition: inline\r\nContent-ID: <logo>\r\n\r\npng\r\n--b--\r\n"
)


def indexed(store, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not store.indexed():
        assert time.monotonic() < deadline, "the indexer did not catch up"
        time.sleep(0.01)


@pytest.fixture(params=["fresh", "indexed"])
def three(store, request):
    """Three messages, queried as they arrive (not indexed yet) or once indexed: a backend
    answers the same either way."""
    plain = store.deliver("bounce@example.org", ["bob@example.com", "carol@example.com"], PLAIN)
    encoded = store.deliver("renee@example.org", ["bob@example.com", "secret@example.com"], ENCODED)
    attached = store.deliver("ops@example.org", ["bob@example.com"], ATTACHED)
    if request.param == "indexed":
        indexed(store)
    return store, plain, encoded, attached


def ids(store, *terms, **options):
    return [m.id for m in store.query(Filter(tuple(terms), **options)).messages]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        (Contains(Field.SUBJECT, "REPORT"), "p"),
        (Contains(Field.SUBJECT, "café"), "e"),  # decoded words
        (Contains(Field.FROM, "Ann Example"), "p"),
        (Contains(Field.FROM, "renée"), "e"),
        (Contains(Field.FROM, "bounce"), ""),  # the header only
        (Contains(Field.MAIL_FROM, "bounce"), "p"),
        (Contains(Field.TO, "carol@"), "p"),
        (Contains(Field.CC, "dave"), "p"),
        (Contains(Field.BCC, "hidden-header"), "e"),
        (Contains(Field.BCC, "secret"), ""),  # the header only
        (Contains(Field.RCPT_TO, "secret"), "e"),
        (Contains(Field.REPLY_TO, "replies"), "p"),
        (Contains(Field.MESSAGE_ID, "q1@"), "p"),
        (Contains(Field.ADDRESSED, "secret"), "e"),
        (Contains(Field.ADDRESSED, "replies@"), "p"),
        (Contains(Field.BODY, "naïve"), "e"),  # quoted-printable undone
        (Contains(Field.BODY, "server.log"), "a"),  # attachment names
        (Contains(Field.BODY, "quarterly"), ""),
        (Contains(Field.TEXT, "quarterly"), "p"),
        (Contains(Field.TEXT, "secret@"), "e"),  # the envelope is free text too
        (Contains(Field.TEXT, "LATTE"), "e"),
        (Has("attachment"), "a"),
        (Has("inline"), "a"),
        (Tagged(), ""),  # no X-Tags in these
        (Not(Tagged("x")), "pea"),
        (recipient("SECRET@example.com"), "e"),
        (recipient("secret"), ""),  # a whole address, not a substring
        (sender("ann@EXAMPLE.org"), "p"),  # the From address
        (sender("ops@example.org"), "a"),  # the envelope sender
        (Size(larger=len(PLAIN)), "a"),  # the sizes: encoded < plain < attached
        (Size(smaller=len(PLAIN)), "e"),
        (Size(larger=len(ENCODED), smaller=len(ATTACHED)), "p"),
        (Not(Contains(Field.TO, "carol")), "ea"),
        (AnyOf((Contains(Field.SUBJECT, "logs"), Contains(Field.CC, "dave"))), "pa"),
    ],
)
def test_terms(three, term, expected):
    store, plain, encoded, attached = three
    names = {"p": plain.id, "e": encoded.id, "a": attached.id}
    assert ids(store, term) == [names[c] for c in expected]


def test_every_term_must_hold(three):
    store, plain, *_ = three
    both = (Contains(Field.TO, "bob"), Contains(Field.SUBJECT, "report"))
    assert ids(store, *both) == [plain.id]


def test_read_state_overall_and_in_one_mailbox(three):
    store, plain, encoded, attached = three
    store.set_seen([plain.id], True, mailbox="bob@example.com")
    assert ids(store, Read(True)) == []  # carol has not read it
    assert ids(store, Read(True), mailbox=MailboxId("bob@example.com")) == [plain.id]
    store.set_seen([plain.id], True)
    assert ids(store, Read(True)) == [plain.id]
    assert ids(store, Read(False)) == [encoded.id, attached.id]


def test_folders_order_paging_and_counts(three):
    store, _, encoded, attached = three
    bob = MailboxId("bob@example.com")
    store.set_seen([encoded.id], True)
    page = store.query(Filter(mailbox=bob, newest_first=True), 1, 1)
    assert (page.total, page.unread, [m.id for m in page.messages]) == (3, 2, [encoded.id])
    page = store.query(Filter((Contains(Field.TO, "bob"),), bob, newest_first=True), 0, 2)
    assert (page.total, page.unread) == (3, 2)
    assert [m.id for m in page.messages] == [attached.id, encoded.id]
    carol = MailboxId("carol@example.com")
    assert store.query(Filter(mailbox=carol)).total == 1
    assert store.query(Filter(mailbox=MailboxId("nobody@example.com"))).total == 0
    assert ids(store, after_seq=encoded.seq) == [attached.id]
    assert ids(store, Contains(Field.TEXT, "e"), after_seq=encoded.seq) == [attached.id]


def test_received_window(three):
    store, plain, encoded, attached = three
    assert ids(store, Received(after=encoded.received)) == [encoded.id, attached.id]
    assert ids(store, Received(before=plain.received)) == [plain.id]
    assert ids(store, Received(after=time.time() + 60)) == []


def test_matches_one_message(three):
    store, plain, encoded, _ = three
    question = Filter((Contains(Field.SUBJECT, "report"),))
    assert store.matches(question, plain.id) and not store.matches(question, encoded.id)
    assert not store.matches(question, "no-such-id")
    assert not store.matches(Filter(after_seq=plain.seq), plain.id)
    assert store.matches(Filter(mailbox=MailboxId("carol@example.com")), plain.id)
    assert not store.matches(Filter(mailbox=MailboxId("carol@example.com")), encoded.id)


def test_the_indexer_builds_documents_in_the_background(make_store):
    store = make_store()
    try:
        for n in range(50):
            store.deliver("a@x.org", ["b@x.org"], PLAIN.replace(b"report", b"report %d" % n))
        indexed(store)
        assert store.query(Filter((Contains(Field.SUBJECT, "report 4"),))).total == 11
    finally:
        store.close()
    store.close()  # idempotent


def test_the_memory_indexer_waits_for_a_search_that_reads_documents():
    """Mail waited for by address is never parsed; the first text search starts the indexer."""
    from mailtrap.store import MemoryStore

    store = MemoryStore()
    try:
        for _ in range(3):
            store.deliver("a@x.org", ["b@x.org"], PLAIN)
        assert store.query(Filter((recipient("b@x.org"),))).total == 3
        time.sleep(0.05)
        assert all(held.doc is None for held in store._messages.values())  # nothing parsed yet
        assert store.query(Filter((Contains(Field.SUBJECT, "report"),))).total == 3
        store.deliver("a@x.org", ["b@x.org"], PLAIN)  # from now on, built in the background
        deadline = time.monotonic() + 10
        while not all(held.doc is not None for held in store._messages.values()):
            assert time.monotonic() < deadline, "the indexer did not start"
            time.sleep(0.01)
    finally:
        store.close()


def test_documents_give_list_rows_their_facts(three):
    store, plain, _, attached = three
    assert store.doc(plain.id).snippet == "The numbers are in."
    assert (store.doc(attached.id).attachments, store.doc(attached.id).inline) == (1, 1)
    assert store.doc("no-such-id") is None


NEEDLES = ["report", "ann", "example.org", "numbers", "q1@", "zzz", "bob", "x", "carol@example"]


@pytest.mark.parametrize("raw", [PLAIN, ENCODED, ATTACHED])
def test_the_pre_test_never_hides_a_match(raw):
    """Before a message is indexed, a search tests its bytes first: it may only ever rule a
    message out when the document really lacks the needle."""
    record = MessageRecord("id", 1, "bounce@example.org", ("secret@example.com",), len(raw), 0, 0)
    doc = build_doc(record, raw, summarize(raw))
    for needle in [*NEEDLES, "bounce", "secret@"]:
        encoded = safe_needle(needle)
        if encoded is not None and is_plain(raw) and not may_contain(encoded, raw, record):
            assert needle not in doc.text, needle
    assert is_plain(PLAIN) and not is_plain(ENCODED) and not is_plain(ATTACHED)


#: What ``is_plain`` decides, as one regular expression over the lower-cased bytes.
NOT_PLAIN = re.compile(
    rb"(?m)=\?|^content-transfer-encoding:[ \t]*(?:quoted-printable|base64)"
    rb"|^content-type:(?![ \t]*text/plain\b)"
)
TOKENS = [
    *("content-type:", "Content-Type:", "content-transfer-encoding:", "CONTENT-TRANSFER-ENCODING:"),
    *(" ", "\t", "\n", "\r\n", "text/plain", "TEXT/PLAIN", "text/plain_", "text/plainx"),
    *("text/plain;", "text/html", "base64", "Quoted-Printable", "=?", "=", "?", "x", "\u00e9"),
]


def test_is_plain_decides_as_the_pattern_it_stands_for():
    """``is_plain`` finds header names and matches only what follows: the same answers as the
    one pattern it replaced, on random header soups."""
    chance = random.Random(1606)
    for _ in range(3000):
        raw = "".join(chance.choices(TOKENS, k=chance.randint(0, 12))).encode()
        expected = raw.isascii() and NOT_PLAIN.search(raw.lower()) is None
        assert is_plain(raw) == expected, raw


def test_words_past_what_a_document_keeps_are_still_found(store):
    """A document keeps the start of a long body; a search reads the rest when it must."""
    from mailtrap.store.searchdoc import BODY_LIMIT

    tail = b"farfetched\r\n"
    raw = b"Subject: long\r\n\r\n" + (b"filler words " * (BODY_LIMIT // 10)) + tail
    message = store.deliver("a@x.org", ["b@x.org"], raw)
    short = store.deliver("a@x.org", ["b@x.org"], b"Subject: short\r\n\r\nnothing here\r\n")
    deadline = time.monotonic() + 10
    while not store.indexed():
        assert time.monotonic() < deadline, "the indexer did not catch up"
        time.sleep(0.01)
    assert not store.doc(message.id).complete and store.doc(short.id).complete
    assert ids(store, Contains(Field.BODY, "farfetched")) == [message.id]
    assert ids(store, Contains(Field.TEXT, "FARFETCHED")) == [message.id]
    assert ids(store, Not(Contains(Field.BODY, "farfetched"))) == [short.id]


def test_the_indexing_worker_ends_quietly_when_the_server_stops_reading():
    """A server that stops while its worker builds a batch closes the pipe: the worker exits
    with nothing on standard error (no traceback in the server's log)."""
    import pickle
    import subprocess
    import sys

    from mailtrap.store.docpool import _LENGTH

    batch = pickle.dumps([("a@x.org", ("b@x.org",), PLAIN)] * 2000, pickle.HIGHEST_PROTOCOL)
    worker = subprocess.Popen(
        [sys.executable, "-m", "mailtrap.store.docworker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    worker.stdout.close()  # the server is gone before the documents come back
    worker.stdin.write(_LENGTH.pack(len(batch)) + batch)
    worker.stdin.close()
    try:
        assert worker.wait(30) == 0
        assert worker.stderr.read() == b""
    finally:
        worker.kill()
        worker.stderr.close()


def test_a_page_of_a_mailbox_gives_each_message_s_uid_there(store):
    # IMAP SEARCH matches positions by UID, so it reads no entries for the engine's keys.
    first = store.deliver("a@x.org", ["b@x.org"], b"Subject: apple\r\n\r\nx\r\n")
    store.deliver("a@x.org", ["b@x.org"], b"Subject: pear\r\n\r\nx\r\n")
    third = store.deliver("a@x.org", ["c@x.org", "b@x.org"], b"Subject: apple pie\r\n\r\nx\r\n")
    apples = Filter((Contains(Field.SUBJECT, "apple"),), MailboxId("b@x.org", INBOX))
    page = store.query(apples)
    assert [m.id for m in page.messages] == [first.id, third.id] and page.uids == [1, 3]
    assert store.query(apples._replace(newest_first=True), 0, 1).uids == [3]
    in_c = store.query(apples._replace(mailbox=MailboxId("c@x.org", INBOX)))
    assert in_c.uids == [1]
    listing = store.query(Filter(mailbox=MailboxId("b@x.org", INBOX)), 1, 2)
    assert listing.uids == [2, 3]
    assert store.query(Filter((Contains(Field.SUBJECT, "apple"),))).uids == ()
