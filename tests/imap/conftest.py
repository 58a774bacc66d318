"""Helpers for the IMAP tests: an engine driver without sockets, sample messages, and the strict
RFC 3501 grammar check of every response any IMAP test produces (tests/support/imap_grammar.py)."""

from __future__ import annotations

import contextlib
import imaplib
import re
from collections.abc import Callable, Iterator

import pytest
from imap_grammar import ResponseSpy

from mailtrap.protocols.imap import ImapConnection, Mailboxes
from mailtrap.store import MemoryStore

USER = "bob@example.com"


@pytest.fixture(scope="session")
def imap_responses() -> Iterator[ResponseSpy]:
    """Every IMAP connection's output in this process, checked against RFC 3501's grammar."""
    spy = ResponseSpy()
    spy.install()
    yield spy
    spy.uninstall()
    spy.check()


@pytest.fixture(autouse=True)
def _strict_imap_grammar(imap_responses: ResponseSpy) -> Iterator[None]:
    """Fail the test (at teardown) on any response that breaks the grammar, the line shown."""
    yield
    imap_responses.check()


class Client:
    """Talks to an :class:`ImapConnection` the way a socket driver would, store events included."""

    def __init__(self, store: MemoryStore, mailboxes: Mailboxes, **options: object) -> None:
        self.connection = ImapConnection(mailboxes, **options)  # type: ignore[arg-type]
        self.greeting = self.connection.data_to_send()
        self.unsubscribe = store.subscribe(self.connection.notify)

    def pending(self) -> bytes:
        """Whatever the engine has to send right now (e.g. IDLE updates); a login it waits to
        have checked is checked as the server does (without the failure delay), and a read it
        waits to have done off the loop is done."""
        out = b""
        while True:
            while self.connection.busy:
                out += self.connection.data_to_send()
            load = self.connection.pending_load
            if load is not None:  # a read the server runs in a worker thread
                self.connection.loaded(load())
                continue
            check = self.connection.pending_check
            if check is None:
                return out
            verdict = None
            if check.credentials is not None:
                verdict = self.connection.session.authenticator.verify(check.credentials)
            self.connection.checked(verdict)

    def send(self, data: bytes, mode: str = "whole") -> bytes:
        """Send ``data`` whole or one byte at a time; return every byte answered."""
        out = b""
        chunks = [data[i : i + 1] for i in range(len(data))] if mode == "bytes" else [data]
        for chunk in chunks:
            self.connection.receive_data(chunk)
            out += self.pending()
        return out

    def command(self, line: str | bytes) -> list[bytes]:
        """Send one tagged command line and return the response lines (literals inline)."""
        data = line.encode() if isinstance(line, str) else line
        return lines(self.send(data + b"\r\n"))

    def ok(self, line: str | bytes) -> list[bytes]:
        """Like :meth:`command`, asserting the tagged response is OK; returns the untagged ones."""
        found = self.command(line)
        data = line.encode() if isinstance(line, str) else line
        tag = data.split(b" ", 1)[0]
        assert found and found[-1].startswith(tag + b" OK"), found
        return found[:-1]

    def login(self, user: str = USER) -> Client:
        self.ok(f"L LOGIN {user} secret")
        return self

    def select(self, user: str = USER, mailbox: str = "INBOX") -> Client:
        self.login(user)
        self.ok(f"S SELECT {mailbox}")
        return self


def lines(data: bytes) -> list[bytes]:
    """Split a response stream into response lines, keeping each literal inside its line."""
    found = []
    position = 0
    current = b""
    while position < len(data):
        end = data.index(b"\r\n", position)
        piece = data[position:end]
        literal = re.search(rb"\{(\d+)\}\Z", piece)
        if literal:
            size = int(literal.group(1))
            current += data[position : end + 2 + size]
            position = end + 2 + size
            continue
        found.append(current + piece)
        current = b""
        position = end + 2
    return found


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def mailboxes(store: MemoryStore) -> Mailboxes:
    return Mailboxes(store)


@pytest.fixture
def client(store: MemoryStore, mailboxes: Mailboxes) -> Callable[..., Client]:
    """``client(**options)``: a new engine connection over the shared store."""
    made: list[Client] = []

    def make(**options: object) -> Client:
        made.append(Client(store, mailboxes, **options))
        return made[-1]

    yield make
    for each in made:
        each.unsubscribe()


def message(subject: str = "Hello", body: str = "body text", **headers: str) -> bytes:
    fields = {"From": "Alice <alice@example.org>", "To": USER, "Subject": subject, **headers}
    head = "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in fields.items())
    return (head + "\r\n" + body + "\r\n").encode()


@pytest.fixture
def deliver(store: MemoryStore) -> Callable[..., None]:
    """``deliver(raw=None, to=USER, **message_fields)`` stores a message for ``to``."""

    def send(raw: bytes | None = None, to: str = USER, **fields: str) -> None:
        store.deliver("alice@example.org", [to], raw if raw is not None else message(**fields))

    return send


@pytest.fixture
def build_message() -> Callable[..., bytes]:
    """``build_message(subject=..., body=..., **headers)``: a small RFC 5322 message."""
    return message


@pytest.fixture
def imap(mailtrap):
    """``imap(user, select=True)``: an imaplib connection to the ``mailtrap`` server, logged in
    (and INBOX selected); logged out after the test."""
    opened = []

    def connect(user: str, select: bool = True) -> imaplib.IMAP4:
        client = imaplib.IMAP4(mailtrap.smtp_host, mailtrap.imap_port, timeout=10)
        opened.append(client)
        client.login(user, "any password")
        if select:
            assert client.select("INBOX")[0] == "OK"
        return client

    yield connect
    for client in opened:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


@pytest.fixture
def connect(mailtrap):
    """``connect(user)``: an IMAPClient connection to the ``mailtrap`` server, logged in."""
    imapclient = pytest.importorskip("imapclient")
    opened = []

    def make(user: str):
        client = imapclient.IMAPClient(
            mailtrap.smtp_host, port=mailtrap.imap_port, ssl=False, timeout=10
        )
        client.login(user, "pw")
        opened.append(client)
        return client

    yield make
    for client in opened:
        try:
            client.logout()
        except Exception:
            client.shutdown()
