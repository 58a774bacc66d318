"""POP3 over the SQLite backend: the maildrop is read off the event loop after the login is
checked (a database read grows with the mailbox), and QUIT counts what is left from the kept
counts; poplib over a real socket reads the mail."""

from __future__ import annotations

import poplib

import pytest

from mailtrap import MailTrap
from mailtrap.store import SqliteStore

USER = "carol@example.com"


def mail(subject: str) -> bytes:
    return f"From: a@example.org\r\nTo: {USER}\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()


@pytest.fixture
def store(tmp_path):  # the engine fixtures (pop3, login) over a database
    made = SqliteStore(tmp_path / "mail.db")
    yield made
    made.close()


def test_the_login_waits_for_the_maildrop_read(store, pop3):
    for n in range(3):
        store.deliver("a@example.org", [USER], mail(f"m{n}"))
    driver = pop3()
    driver("USER " + USER)
    engine = driver.connection
    engine.receive_data(b"PASS secret\r\n")
    said = b""
    while engine.busy or engine.pending_check is not None:
        while engine.busy:
            said += engine.data_to_send()
        check = engine.pending_check
        if check is not None:
            engine.checked(engine.session.authenticator.verify(check.credentials))
    assert said == b""  # the answer waits for the maildrop, read by the server off the loop
    load = engine.pending_load
    assert load is not None
    result = load()
    store.deliver("a@example.org", [USER], mail("after the read"))  # not in this maildrop
    engine.loaded(result)
    assert driver.drain().startswith(b"+OK") and driver("STAT").startswith(b"+OK 3 ")
    assert driver("DELE 1").startswith(b"+OK")
    assert b"(3 message(s) left)" in driver("QUIT")  # 4 stored, 1 deleted


def test_poplib_reads_a_database(tmp_path):
    with MailTrap(db=tmp_path / "mail.db") as trap:
        trap.store.deliver("a@example.org", [USER], mail("kept on disk"))
        client = poplib.POP3(trap.smtp_host, trap.pop3_port, timeout=10)
        try:
            client.user(USER)
            client.pass_("any")
            assert client.stat()[0] == 1
            assert b"Subject: kept on disk" in client.retr(1)[1]
        finally:
            client.quit()
