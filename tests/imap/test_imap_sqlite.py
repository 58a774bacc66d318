"""IMAP over the SQLite backend: SELECT reads the folder's UIDs off the event loop (a read that
grows with the folder: about 10 ms at 100,000 messages), whatever changes meanwhile is
reported, not lost, and sessions number messages as RFC 3501 says."""

from __future__ import annotations

import imaplib

import pytest

from mailtrap import MailTrap
from mailtrap.store import SqliteStore

USER = "bob@example.com"


def mail(subject: str) -> bytes:
    return f"From: a@example.org\r\nTo: {USER}\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()


@pytest.fixture
def store(tmp_path):  # the engine fixtures (client, mailboxes) over a database
    made = SqliteStore(tmp_path / "mail.db")
    yield made
    made.close()


def test_select_waits_for_its_read_and_misses_nothing_that_came_meanwhile(store, client):
    for n in range(2):
        store.deliver("a@example.org", [USER], mail(f"before {n}"))
    session = client().login(USER)
    engine = session.connection
    engine.receive_data(b"S SELECT INBOX\r\n")
    said = b""
    while engine.busy:
        said += engine.data_to_send()
    assert said == b""  # nothing is answered on the loop: the read is the server's to do
    load = engine.pending_load
    assert load is not None
    snapshot = load()  # what the server runs in a worker thread
    store.deliver("a@example.org", [USER], mail("while reading"))
    store.set_seen([store.messages(USER)[0].id], True)
    engine.loaded(snapshot)
    answer = session.pending()
    assert b"* 2 EXISTS\r\n" in answer and b"S OK [READ-WRITE]" in answer
    noop = b"".join(session.ok("N NOOP"))
    assert b"* 3 EXISTS" in noop  # the delivery during the read
    assert b"* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))" in noop  # and the flag changed meanwhile


def test_imap_clients_read_a_database_as_they_read_memory(tmp_path):
    imapclient = pytest.importorskip("imapclient")
    with MailTrap(db=tmp_path / "mail.db") as trap:
        trap.store.deliver("a@example.org", [USER], mail("kept on disk"))
        with imapclient.IMAPClient(trap.smtp_host, port=trap.imap_port, ssl=False) as client:
            client.login(USER, "any")
            assert client.select_folder("INBOX")[b"EXISTS"] == 1
            [fetched] = client.fetch(client.search(), ["ENVELOPE"]).values()
            assert fetched[b"ENVELOPE"].subject == b"kept on disk"
            trap.store.deliver("a@example.org", [USER], mail("second"))
            assert (2, b"EXISTS") in client.noop()[1]


def test_two_imaplib_sessions_on_a_database_keep_rfc_3501s_numbering(tmp_path):
    with MailTrap(db=tmp_path / "mail.db") as trap:
        for n in range(1, 31):
            trap.store.deliver("a@example.org", [USER], mail(f"number {n}"))
        one = imaplib.IMAP4(trap.smtp_host, trap.imap_port, timeout=10)
        two = imaplib.IMAP4(trap.smtp_host, trap.imap_port, timeout=10)
        try:
            for client in (one, two):
                client.login(USER, "any")
            assert one.select("INBOX") == ("OK", [b"30"])
            two.select("INBOX")
            two.uid("STORE", "5,10,20", "+FLAGS.SILENT", "(\\Deleted)")
            two.expunge()
            # one still numbers 30 messages: no EXPUNGE during FETCH or SEARCH (RFC 3501 7.4.1)
            assert one.fetch("9:11", "(UID)")[0] == "NO"  # RFC 5530 3: EXPUNGEISSUED
            assert one.response("FETCH")[1] == [b"9 (UID 9)", b"11 (UID 11)"]
            assert one.search(None, "ALL")[1] == [" ".join(map(str, range(1, 31))).encode()]
            assert one.search(None, "SUBJECT", '"number 2"')[1] == [b"2 21 22 23 24 25 26 27 28 29"]
            one.noop()
            assert one.response("EXPUNGE")[1] == [b"5", b"9", b"18"]
            typ, found = one.fetch("1:*", "(UID)")
            assert typ == "OK" and len(found) == 27 and found[-1] == b"27 (UID 30)"
        finally:
            for client in (one, two):
                client.logout()
