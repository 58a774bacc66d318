"""The selected view holds UIDs, not messages: SELECT reads no entry, commands read theirs a
batch at a time (a batch of three here, so every range below crosses batch boundaries), and
RFC 3501's rules hold as they do with the whole mailbox in memory (2.3.1.2, 7.4.1)."""

from __future__ import annotations

import tracemalloc
from array import array

import pytest

from mailtrap.protocols.imap import Mailboxes
from mailtrap.store import MemoryStore, SqliteStore

USER = "bob@example.com"


@pytest.fixture(params=["memory", "sqlite"])
def store(request, tmp_path):
    made = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "mail.db")
    yield made
    made.close()


@pytest.fixture
def mailboxes(store):
    return Mailboxes(store, batch=3)


def fill(deliver, count: int) -> None:
    for n in range(1, count + 1):
        deliver(subject=f"message {n}")


def test_select_reads_no_entry(client, deliver):
    fill(deliver, 10)
    one = client().select()
    view = one.connection.session.selected
    assert isinstance(view.uids, array) and list(view.uids) == list(range(1, 11))
    assert view.cache.uids() == []
    # keys that need only positions, UIDs and \Recent read none either
    assert one.ok("a SEARCH OR 2:4 UID 9") == [b"* SEARCH 2 3 4 9"]
    assert one.ok("b SEARCH NOT RECENT") == [b"* SEARCH"]
    assert one.ok("c SEARCH UNSEEN 9:10") == [b"* SEARCH 9 10"]  # flags alone are read
    assert view.cache.uids() == []
    one.ok("d FETCH 3:4 (UID FLAGS)")  # flags alone are read
    assert view.cache.uids() == []
    one.ok("e FETCH 4 INTERNALDATE")
    assert view.cache.uids() == [4]


def test_fetch_store_and_search_across_batches(client, deliver):
    fill(deliver, 10)
    one = client().select()
    assert one.ok("a FETCH 2:8 UID") == [b"* %d FETCH (UID %d)" % (n, n) for n in range(2, 9)]
    assert one.ok("b STORE 2,4:8 +FLAGS (\\Flagged)") == [
        b"* %d FETCH (FLAGS (\\Flagged \\Recent))" % n for n in (2, 4, 5, 6, 7, 8)
    ]
    assert one.ok("c SEARCH FLAGGED") == [b"* SEARCH 2 4 5 6 7 8"]
    assert one.ok("d UID SEARCH UNFLAGGED") == [b"* SEARCH 1 3 9 10"]
    assert one.ok('e SEARCH SUBJECT "message 7"') == [b"* SEARCH 7"]
    assert one.ok("f STORE 1:* -FLAGS.SILENT (\\Flagged)") == []  # not echoed afterwards
    assert one.ok("g NOOP") == []
    assert one.ok("h SEARCH FLAGGED") == [b"* SEARCH"]


def test_fetch_that_sets_seen_reports_the_flag_across_batches(client, deliver):
    fill(deliver, 5)
    one = client().select()
    assert one.ok("a FETCH 1:5 (UID RFC822.SIZE)")[0].startswith(b"* 1 FETCH (UID 1 RFC822.SIZE")
    found = one.ok("b FETCH 2:5 BODY[HEADER.FIELDS (SUBJECT)]")
    assert [(line[:10], line.endswith(b" FLAGS (\\Seen \\Recent))")) for line in found] == [
        (b"* %d FETCH " % n, True) for n in range(2, 6)
    ]
    assert one.ok("c SEARCH UNSEEN") == [b"* SEARCH 1"]


def test_expunge_across_batches_renumbers_as_it_goes(client, deliver):
    fill(deliver, 10)
    one = client().select()
    one.ok("a STORE 3,5,6,9 +FLAGS.SILENT (\\Deleted)")
    assert one.ok("b EXPUNGE") == [b"* 3 EXPUNGE", b"* 4 EXPUNGE", b"* 4 EXPUNGE", b"* 6 EXPUNGE"]
    assert one.ok("c FETCH 1:* UID") == [
        b"* %d FETCH (UID %d)" % (n, uid) for n, uid in enumerate((1, 2, 4, 7, 8, 10), 1)
    ]
    one.ok("d UID STORE 7,10 +FLAGS.SILENT (\\Deleted)")
    assert one.ok("e UID EXPUNGE 1:8") == [b"* 4 EXPUNGE"]
    assert list(one.connection.session.selected.uids) == [1, 2, 4, 8, 10]


def test_expunges_by_another_session_wait_and_stay_readable_where_the_mail_lives_on(
    client, deliver, store
):
    fill(deliver, 8)
    one = client().select()
    one.ok("a FETCH 2 INTERNALDATE")  # its record read once: the view keeps it
    two = client().select()
    two.ok("b MOVE 7 Trash")
    store.expunge(USER, [2, 4, 5])
    fetched = one.command("c FETCH 1:8 UID")
    # 2 was read and 7 lives on in Trash: both answer; 4 and 5 are gone without a trace
    assert fetched[:-1] == [b"* %d FETCH (UID %d)" % (n, n) for n in (1, 2, 3, 6, 7, 8)]
    assert fetched[-1].startswith(b"c NO [EXPUNGEISSUED]")
    assert one.ok("d SEARCH ALL") == [b"* SEARCH 1 2 3 4 5 6 7 8"]
    # the query engine searches what the mailbox holds now
    assert one.ok("e SEARCH SUBJECT message") == [b"* SEARCH 1 3 6 8"]
    assert one.ok("f STORE 8 +FLAGS (\\Seen)") == [b"* 8 FETCH (FLAGS (\\Seen \\Recent))"]
    assert one.ok("g NOOP") == [b"* 2 EXPUNGE", b"* 3 EXPUNGE", b"* 3 EXPUNGE", b"* 4 EXPUNGE"]
    assert one.ok("h FETCH 1:* UID") == [
        b"* %d FETCH (UID %d)" % (n, uid) for n, uid in enumerate((1, 3, 6, 8), 1)
    ]


def test_flag_changes_by_another_session_are_reported_once(client, deliver):
    fill(deliver, 7)
    one = client().select()
    one.ok("a FETCH 1:7 FLAGS")
    two = client().select()
    two.ok("b STORE 2,5:7 +FLAGS.SILENT ($Work)")
    assert one.ok("c NOOP") == [
        b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)",
        *(b"* %d FETCH (UID %d FLAGS ($Work \\Recent))" % (n, n) for n in (2, 5, 6, 7)),
    ]
    assert one.ok("d NOOP") == []


def test_clearing_the_store_expunges_every_message_at_once(client, deliver, store):
    fill(deliver, 5)
    one = client().select()
    store.clear()
    deliver(subject="after")
    assert one.ok("a NOOP") == [b"* 1 EXPUNGE"] * 5 + [b"* 1 EXISTS", b"* 1 RECENT"]
    assert one.ok("b FETCH 1 (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])") == [
        b"* 1 FETCH (UID 6 BODY[HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: after\r\n\r\n)"
    ]


def test_select_costs_bytes_a_message_not_an_object(client, store):
    raw = b"From: a@example.org\r\nSubject: s\r\n\r\nbody\r\n"
    for _ in range(3000):
        store.deliver("a@example.org", [USER], raw)
    one = client().login()
    tracemalloc.start()
    answer = one.ok("S SELECT INBOX")  # a database's read runs as the server runs it
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert b"* 3000 EXISTS" in answer and b"* OK [UNSEEN 1] First unseen" in answer
    assert peak < 40 * 3000  # the UIDs take 4 bytes each; entries would take hundreds
