"""A failed login takes as long whether or not the account exists, over the wire.

Failed logins for an existing account (wrong password) and for a name nobody has are
interleaved on one connection each, so the machine's load weighs on both alike; their medians
must agree within a generous factor. Without the authenticator's decoy hash an unknown name
would fail in microseconds and a known one after a bcrypt check of milliseconds.
"""

from __future__ import annotations

import socket
import statistics
import time

import pytest

from mailtrap import MailTrap
from mailtrap.auth import Users
from mailtrap.auth.hashes import hash_password

ROUNDS = 25


@pytest.fixture(scope="module")
def trap():
    users = Users.parse(f"alice@example.com:{hash_password('right', 'bcrypt', 7)}")
    with MailTrap(auth="users", users=users) as trap:
        yield trap


class Line:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")
        self.file.readline()  # the greeting

    def timed(self, command: bytes, until: bytes) -> float:
        started = time.perf_counter()
        self.sock.sendall(command + b"\r\n")
        while not (line := self.file.readline()).startswith(until):
            assert line, "connection closed"
        elapsed = time.perf_counter() - started
        assert b"NO [AUTHENTICATIONFAILED]" in line or line.startswith((b"535 ", b"250 ")), line
        return elapsed

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def _medians(trap, port, known, unknown, until):
    first, second = Line(port), Line(port)
    try:
        first.timed(known, until)  # warm up (the decoy, the worker threads)
        second.timed(unknown, until)
        known_times, unknown_times = [], []
        for _ in range(ROUNDS):
            known_times.append(first.timed(known, until))
            unknown_times.append(second.timed(unknown, until))
    finally:
        first.close()
        second.close()
    return statistics.median(known_times), statistics.median(unknown_times)


def test_imap_login(trap):
    known, unknown = _medians(
        trap,
        trap.imap_port,
        b"a LOGIN alice@example.com wrong",
        b"a LOGIN nobody@example.com wrong",
        b"a ",
    )
    assert 0.5 < unknown / known < 2, (known, unknown)


def test_smtp_auth(trap):
    import base64

    def plain(name: bytes) -> bytes:
        return b"AUTH PLAIN " + base64.b64encode(b"\0" + name + b"\0wrong")

    class Smtp(Line):
        def __init__(self, port: int) -> None:
            super().__init__(port)
            self.timed(b"EHLO timing", b"250 ")

    first, second = Smtp(trap.smtp_port), Smtp(trap.smtp_port)
    try:
        known_times, unknown_times = [], []
        for _ in range(ROUNDS):
            known_times.append(first.timed(plain(b"alice@example.com"), b"535"))
            unknown_times.append(second.timed(plain(b"nobody@example.com"), b"535"))
    finally:
        first.close()
        second.close()
    known, unknown = statistics.median(known_times), statistics.median(unknown_times)
    assert 0.5 < unknown / known < 2, (known, unknown)
