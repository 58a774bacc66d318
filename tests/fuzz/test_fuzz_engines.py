"""Random and word-built input to the POP3 and IMAP engines (sans-I/O, no sockets): nothing
raises out of them, every answer is whole CRLF-ended lines, stored bytes never change, and
each input is handled within its time and buffer bounds."""

from __future__ import annotations

import time

from fuzzing import MESSAGE, imap_input, pop3_input
from hypothesis import given

from mailtrap.protocols.imap import ImapConnection, Mailboxes
from mailtrap.protocols.pop3 import MaildropLocks, Pop3Connection
from mailtrap.store import MemoryStore

USER = "bob@example.com"


def store_with_mail() -> MemoryStore:
    store = MemoryStore()
    store.deliver("alice@example.com", [USER], MESSAGE)
    store.deliver("alice@example.com", [USER], b"Subject: two\r\n\r\n.\r\n..x\r\n")
    return store


def drain(connection) -> bytes:
    out = b""
    while connection.busy and not connection.wants_tls:
        out += connection.data_to_send()
    return out


@given(imap_input)
def test_imap_engine_answers_everything(commands):
    store = store_with_mail()
    connection = ImapConnection(Mailboxes(store))
    out = drain(connection)
    for data in [b"a LOGIN bob@example.com x\r\nb SELECT INBOX\r\n", *commands]:
        started = time.monotonic()
        connection.receive_data(data)
        out += drain(connection)
        if connection.session.waiting:
            connection.receive_data(b"DONE\r\n")
            out += drain(connection)
        assert time.monotonic() - started < 2
        assert len(connection._lexer) <= connection._lexer.max_line + len(data)
    assert b"SERVERBUG" not in out, out
    assert out.endswith(b"\r\n") or connection.wants_tls
    assert store.raw(store.messages()[0].id) == MESSAGE


@given(pop3_input)
def test_pop3_engine_answers_everything(commands):
    store = store_with_mail()
    connection = Pop3Connection(store, MaildropLocks())
    out = drain(connection)
    for data in [b"USER bob@example.com\r\nPASS x\r\n", *commands]:
        started = time.monotonic()
        connection.receive_data(data)
        out += drain(connection)
        assert time.monotonic() - started < 2
        assert len(connection._framer) <= connection._framer.max_line + len(data)
    lines = out.split(b"\r\n")
    assert lines[-1] == b"" or connection.wants_tls
    assert all(not line.startswith(b"-ERR internal") for line in lines)
    connection.connection_lost()  # deletes nothing
    assert store.raw(store.messages()[0].id) == MESSAGE
