"""POP3 end to end: smtplib delivers, the stdlib's poplib reads, over plain TCP, STLS and POP3S."""

from __future__ import annotations

import contextlib
import poplib
import smtplib
import socket
import ssl
import time

import pytest

from mailtrap.config import SERVICES, Listen
from mailtrap.healthcheck import check_service

ALICE, BOB = "alice@example.com", "bob@example.com"
FIRST = (
    b"From: app@example.com\r\nTo: alice@example.com\r\nSubject: first\r\n\r\n"
    b".leading dot\r\nline 2\r\n..\r\nlast\r\n"
)
SECOND = b"From: app@example.com\r\nTo: alice@example.com\r\nSubject: second\r\n\r\nhello\r\n"


def send(trap, raw: bytes, to: list[str]) -> None:
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
        smtp.sendmail("app@example.com", to, raw)


def joined(lines: list[bytes]) -> bytes:
    """poplib's lines (already dot-unstuffed) back into CRLF bytes."""
    return b"".join(line + b"\r\n" for line in lines)


@contextlib.contextmanager
def pop(trap, user: str | None = ALICE, *, tls: str | None = None):
    """A logged-in poplib client: plain, ``tls="stls"`` or ``tls="implicit"``; always closed."""
    if tls == "implicit":
        client = poplib.POP3_SSL(
            trap.smtp_host, trap.pop3s_port, context=trap.ssl_context(), timeout=5
        )
    else:
        client = poplib.POP3(trap.smtp_host, trap.pop3_port, timeout=5)
        if tls == "stls":
            client.stls(trap.ssl_context())
    try:
        if user is not None:
            client.user(user)
            client.pass_("any password")
        yield client
    finally:
        client.close()


def login_when_free(trap, user: str, timeout: float = 3.0) -> poplib.POP3:
    """Log in, retrying while the server has not yet noticed an earlier client went away."""
    deadline = time.monotonic() + timeout
    while True:
        client = poplib.POP3(trap.smtp_host, trap.pop3_port, timeout=5)
        client.user(user)
        try:
            client.pass_("x")
            return client
        except poplib.error_proto as error:
            client.close()
            if b"[IN-USE]" not in error.args[0] or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


@pytest.fixture
def tls_trap(mailtrap_factory):
    return mailtrap_factory(tls=True)


@pytest.mark.parametrize("tls", [None, "stls", "implicit"])
def test_poplib_reads_exactly_what_smtp_delivered(mailtrap, tls_trap, tls):
    trap = mailtrap if tls is None else tls_trap
    send(trap, FIRST, [ALICE, BOB])
    send(trap, SECOND, [ALICE])
    trap.wait_for(count=2, to=ALICE)
    with pop(trap, tls=tls) as client:
        if tls:
            assert client.sock.version().startswith("TLS")
        assert client.stat() == (2, len(FIRST) + len(SECOND))
        _, lines, _ = client.list()
        assert lines == [f"1 {len(FIRST)}".encode(), f"2 {len(SECOND)}".encode()]
        _, uids, _ = client.uidl()
        assert [u.split()[0] for u in uids] == [b"1", b"2"] and len(set(uids)) == 2
        _, lines, octets = client.retr(1)
        assert joined(lines) == FIRST and octets >= len(FIRST)
        assert joined(client.retr(2)[1]) == SECOND
        headers = FIRST[: FIRST.index(b"\r\n\r\n") + 4]
        assert joined(client.top(1, 0)[1]) == headers
        assert joined(client.top(1, 1)[1]) == headers + b".leading dot\r\n"
        assert client.quit().startswith(b"+OK")


def test_capa_over_the_wire(mailtrap, tls_trap):
    with pop(mailtrap, None) as client:
        capabilities = client.capa()
    assert {"TOP", "UIDL", "USER", "RESP-CODES", "PIPELINING", "SASL"} <= set(capabilities)
    assert capabilities["SASL"] == ["PLAIN", "LOGIN", "CRAM-MD5"] and "STLS" not in capabilities
    with pop(tls_trap, None) as client:
        assert "STLS" in client.capa()
        client.stls(tls_trap.ssl_context())
        assert "STLS" not in client.capa()
    with pop(tls_trap, None, tls="implicit") as client:
        assert "STLS" not in client.capa()


def test_dele_and_quit_remove_only_from_that_recipients_mailbox(mailtrap):
    send(mailtrap, FIRST, [ALICE, BOB])
    send(mailtrap, SECOND, [ALICE])
    mailtrap.wait_for(count=2, to=ALICE)
    with pop(mailtrap) as client:
        client.dele(1)
        assert client.stat() == (1, len(SECOND))
        client.quit()
    assert [m.subject for m in mailtrap.mailbox(ALICE).messages] == ["second"]
    assert [m.subject for m in mailtrap.mailbox(BOB).messages] == ["first"]
    with pop(mailtrap, BOB) as client:
        assert joined(client.retr(1)[1]) == FIRST


def test_a_dropped_connection_deletes_nothing(mailtrap):
    send(mailtrap, FIRST, [ALICE])
    mailtrap.wait_for(to=ALICE)
    with pop(mailtrap) as client:
        client.dele(1)
        # poplib's close() drops the connection without QUIT.
    client = login_when_free(mailtrap, ALICE)
    try:
        assert client.stat() == (1, len(FIRST))
    finally:
        client.quit()
    assert len(mailtrap.mailbox(ALICE).messages) == 1


def test_a_second_session_gets_in_use_until_the_first_quits(mailtrap):
    with pop(mailtrap) as first, pop(mailtrap, None) as second:
        second.user(ALICE.upper())
        with pytest.raises(poplib.error_proto, match=r"IN-USE"):
            second.pass_("x")
        first.quit()
        second.user(ALICE)
        assert second.pass_("x").startswith(b"+OK")


def test_auth_plain_over_stls(tls_trap):
    send(tls_trap, SECOND, [ALICE])
    tls_trap.wait_for(to=ALICE)
    with pop(tls_trap, None, tls="stls") as client:
        import base64

        token = base64.b64encode(f"\0{ALICE}\0pw".encode()).decode()
        assert client._shortcmd(f"AUTH PLAIN {token}").startswith(b"+OK")
        assert client.stat()[0] == 1


def raw_session(trap, data: bytes, expect_lines: int) -> list[bytes]:
    """Send ``data`` in one write and read ``expect_lines`` reply lines (after the greeting)."""
    with socket.create_connection((trap.smtp_host, trap.pop3_port), timeout=5) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        sock.sendall(data)
        return [reader.readline() for _ in range(expect_lines)]


def test_pipelined_commands_are_answered_in_order(mailtrap):
    send(mailtrap, SECOND, [ALICE])
    mailtrap.wait_for(to=ALICE)
    commands = ["USER " + ALICE, "PASS x", "STAT", "BOGUS", "LIST 1", "DELE 1", "STAT", "RSET"]
    lines = raw_session(mailtrap, "".join(f"{c}\r\n" for c in [*commands, "QUIT"]).encode(), 9)
    size = len(SECOND)
    assert lines[2:] == [
        f"+OK 1 {size}\r\n".encode(),
        b"-ERR unknown command\r\n",
        f"+OK 1 {size}\r\n".encode(),
        b"+OK message 1 deleted\r\n",
        b"+OK 0 0\r\n",
        f"+OK maildrop has 1 message(s) ({size} octets)\r\n".encode(),
        b"+OK mailtrap POP3 signing off (1 message(s) left)\r\n",
    ]


def test_a_too_long_line_gets_err_and_the_session_goes_on(mailtrap):
    lines = raw_session(mailtrap, b"USER " + b"a" * 100_000 + b"\r\nCAPA\r\n", 2)
    assert lines == [b"-ERR line too long\r\n", b"+OK capability list follows\r\n"]


def test_stls_ignores_plain_text_pipelined_after_it(tls_trap):
    with socket.create_connection((tls_trap.smtp_host, tls_trap.pop3_port), timeout=5) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        sock.sendall(b"STLS\r\nUSER injected\r\n")
        assert reader.readline() == b"+OK begin TLS negotiation\r\n"
        tls = tls_trap.ssl_context().wrap_socket(sock, server_hostname="localhost")
        tls.sendall(b"PASS x\r\n")
        assert tls.recv(100) == b"-ERR send USER first\r\n"
        tls.close()


def test_idle_sessions_time_out_without_deleting(mailtrap_factory):
    trap = mailtrap_factory(pop3_timeout=0.3)
    send(trap, SECOND, [ALICE])
    trap.wait_for(to=ALICE)
    with pop(trap) as client:
        client.dele(1)
        client.sock.settimeout(5)
        assert client.sock.recv(100) == b""  # the server hung up, sending nothing (RFC 1939 3)
    client = login_when_free(trap, ALICE)
    client.quit()
    assert len(trap.mailbox(ALICE).messages) == 1


def test_connections_over_the_limit_are_refused(mailtrap_factory):
    trap = mailtrap_factory(max_connections=1)
    with pop(trap, None) as first:
        first.noop_ok = True
        with socket.create_connection((trap.smtp_host, trap.pop3_port), timeout=5) as sock:
            assert sock.makefile("rb").readline() == (
                b"-ERR [SYS/TEMP] too many connections, try again later\r\n"
            )
        assert first.capa()


def test_stop_closes_open_sessions_promptly(mailtrap_factory):
    trap = mailtrap_factory()
    client = poplib.POP3(trap.smtp_host, trap.pop3_port, timeout=5)
    client.user(ALICE)
    client.pass_("x")
    started = time.monotonic()
    trap.stop()
    assert time.monotonic() - started < 3
    with pytest.raises((poplib.error_proto, OSError)):
        client.stat()
    client.close()


def test_healthcheck_recognises_pop3(tls_trap):
    by_name = {s.name: s for s in SERVICES}
    for name in ("pop3", "pop3s"):
        listen = Listen(tls_trap.smtp_host, tls_trap.port(name))
        assert check_service(by_name[name], listen) is None


def test_tls_handshake_garbage_does_not_break_the_server(tls_trap):
    with socket.create_connection((tls_trap.smtp_host, tls_trap.pop3s_port), timeout=5) as sock:
        sock.sendall(b"USER not-tls\r\n" * 10)
        with contextlib.suppress(OSError):
            sock.recv(100)
    with pop(tls_trap, tls="implicit") as client:
        assert client.stat() == (0, 0)
    assert ssl.OPENSSL_VERSION
