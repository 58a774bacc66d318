"""Helpers for the POP3 tests: a store, and a driver that talks to the engine without sockets."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mailtrap.protocols.pop3 import MaildropLocks, Pop3Connection
from mailtrap.store import MemoryStore


class Driver:
    """Feeds bytes to a :class:`Pop3Connection` and collects what it answers, as the driver in
    ``servers/stream.py`` does (without sockets)."""

    def __init__(self, connection: Pop3Connection) -> None:
        self.connection = connection
        self.tls_requested = False
        self.greeting = self.drain()

    @property
    def closed(self) -> bool:
        return self.connection.closed

    def drain(self) -> bytes:
        out = b""
        while True:
            while self.connection.busy:
                out += self.connection.data_to_send()
                if self.connection.wants_tls:
                    self.tls_requested = True
                    return out
            load = self.connection.pending_load
            if load is not None:  # a read the server runs in a worker thread
                self.connection.loaded(load())
                continue
            check = self.connection.pending_check
            if check is None:
                return out
            # checked as the server does (mailtrap.logins), without the failure delay
            found, authenticator = check.credentials, self.connection.session.authenticator
            self.connection.checked(None if found is None else authenticator.verify(found))

    def send(self, data: bytes, mode: str = "whole") -> bytes:
        """Send ``data`` whole or one byte at a time; return every byte answered."""
        if mode == "bytes":
            out = b""
            for i in range(len(data)):
                self.connection.receive_data(data[i : i + 1])
                out += self.drain()
            return out
        self.connection.receive_data(data)
        return self.drain()

    def __call__(self, line: str) -> bytes:
        """Send one command line and return the answer."""
        return self.send(line.encode() + b"\r\n")

    def eof(self) -> bytes:
        self.connection.receive_data(b"")
        return self.drain()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def locks() -> MaildropLocks:
    return MaildropLocks()


@pytest.fixture
def pop3(store: MemoryStore, locks: MaildropLocks) -> Callable[..., Driver]:
    """``pop3(tls_available=False, ...)`` -> a :class:`Driver` over the shared store and locks."""

    def make(**options: object) -> Driver:
        return Driver(Pop3Connection(store, locks, **options))  # type: ignore[arg-type]

    return make


@pytest.fixture
def login(pop3: Callable[..., Driver]) -> Callable[[str], Driver]:
    """``login("alice@example.com")`` -> a Driver already in TRANSACTION state."""

    def make(user: str, **options: object) -> Driver:
        driver = pop3(**options)
        assert driver(f"USER {user}").startswith(b"+OK")
        assert driver("PASS secret").startswith(b"+OK")
        return driver

    return make
