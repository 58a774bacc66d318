"""CHUNKING/BDAT and BINARYMIME (RFC 3030), driven by a hand-written client (no Debian client
sends BDAT)."""

from __future__ import annotations

import smtplib
import socket

import pytest
from smtpwire import Wire

ENVELOPE = b"MAIL FROM:<app@example.com>\r\nRCPT TO:<alice@example.com>\r\n"
#: Everything DATA could not carry: NUL, bare CR and LF, octets >= 0x80, a lone dot line,
#: leading dots, and no line ending at the end.
BINARY = (
    b"Subject: binary\r\nContent-Type: application/octet-stream\r\n"
    b"Content-Transfer-Encoding: binary\r\n\r\n"
    b"\x00\x01\r\x02\n\x80\xfe\xff\r\n.\r\n..two\r\n.\r\n" + bytes(range(256)) + b"\r\r\n\n."
)


def bdat(data: bytes, last: bool = False) -> bytes:
    return b"BDAT %d%s\r\n" % (len(data), b" LAST" if last else b"") + data


@pytest.fixture
def wire(mailtrap):
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port) as wire:
        yield wire


def test_ehlo_advertises_chunking_and_binarymime(wire):
    assert {"CHUNKING", "BINARYMIME", "PIPELINING"} <= set(wire.ehlo_reply.lines)


def test_binary_body_in_chunks_is_stored_byte_for_byte(mailtrap, wire):
    wire.send(b"MAIL FROM:<app@example.com> BODY=BINARYMIME SIZE=%d\r\n" % len(BINARY))
    wire.send(b"RCPT TO:<alice@example.com>\r\nRCPT TO:<bob@example.com>\r\n")
    # Uneven chunks, cut through CRLFs and the dot lines; all in one pipelined write.
    wire.send(bdat(BINARY[:7]) + bdat(BINARY[7:100]) + bdat(BINARY[100:], last=True))
    codes = wire.replies(6)
    assert codes == [250, 250, 250, 250, 250, 250]
    [msg] = mailtrap.wait_for(subject="binary")
    assert msg.raw == BINARY
    assert msg.recipients == ["alice@example.com", "bob@example.com"]


def test_bdat_0_last_ends_a_message_and_may_be_all_of_it(mailtrap, wire):
    wire.send(ENVELOPE + bdat(b"Subject: zero last\r\n\r\nbody\r\n") + b"BDAT 0 LAST\r\n")
    assert wire.replies(4) == [250, 250, 250, 250]
    wire.send(ENVELOPE + b"BDAT 0 LAST\r\n")
    assert wire.replies(3) == [250, 250, 250]
    first, empty = mailtrap.wait_for(count=2)
    assert first.raw == b"Subject: zero last\r\n\r\nbody\r\n"
    assert empty.raw == b""


def test_bdat_after_failed_recipients_is_refused_after_its_data(mailtrap, wire):
    # A pipelining client sends its chunk before it learns that no recipient was accepted. The
    # chunk's octets look like commands; they must be read as data and dropped.
    wire.send(b"MAIL FROM:<app@example.com>\r\nRCPT TO:<@@>\r\n" + bdat(b"RSET\r\nQUIT\r\n", True))
    assert wire.replies(3) == [250, 553, 503]
    assert wire.command(b"NOOP").code == 250  # still connected: "QUIT" was not obeyed
    # Some recipients failing is fine: the message goes to the others.
    wire.send(ENVELOPE + b"RCPT TO:<@@>\r\n" + bdat(b"Subject: some\r\n\r\nx", True))
    assert wire.replies(4) == [250, 250, 553, 250]
    [msg] = mailtrap.wait_for()
    assert msg.recipients == ["alice@example.com"]


def test_bdat_out_of_order_is_refused_after_its_data(mailtrap):
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port, ehlo=False) as wire:
        wire.send(bdat(b"NOOP\r\n", last=True))  # before EHLO
        assert wire.reply().code == 503
        assert wire.command(b"EHLO client.example").code == 250
        wire.send(bdat(b"QUIT\r\n", last=True))  # before MAIL
        assert wire.reply().code == 503
        wire.send(ENVELOPE + bdat(b"Subject: ok\r\n\r\nx", last=True))
        assert wire.replies(3) == [250, 250, 250]
        wire.send(bdat(b"QUIT\r\n", last=True))  # after BDAT LAST: no transaction any more
        assert wire.reply().code == 503
        assert wire.command(b"NOOP").code == 250
    assert [m.subject for m in mailtrap.wait_for()] == ["ok"]


def test_data_after_bdat_is_refused_and_both_work_in_one_session(mailtrap, wire):
    wire.send(ENVELOPE + bdat(b"Subject: mixed\r\n\r\n") + b"DATA\r\n")
    assert wire.replies(4) == [250, 250, 250, 503]
    assert wire.command(b"RSET").code == 250
    # DATA, then BDAT, in separate transactions of one session.
    wire.send(ENVELOPE + b"DATA\r\n")
    assert wire.replies(3) == [250, 250, 354]
    wire.send(b"Subject: by data\r\n\r\nx\r\n.\r\n")
    assert wire.reply().code == 250
    wire.send(ENVELOPE + bdat(b"Subject: by bdat\r\n\r\nx", last=True))
    assert wire.replies(3) == [250, 250, 250]
    assert [m.subject for m in mailtrap.wait_for(count=2)] == ["by data", "by bdat"]
    assert len(mailtrap.messages()) == 2  # the mixed transaction stored nothing


def test_binarymime_needs_bdat(mailtrap, wire):
    wire.send(b"MAIL FROM:<a@example.com> BODY=BINARYMIME\r\nRCPT TO:<b@example.com>\r\nDATA\r\n")
    assert wire.replies(3) == [250, 250, 503]
    assert wire.command(b"BODY").code == 500  # not in DATA mode: the session goes on
    assert wire.command(b"MAIL FROM:<a@example.com> BODY=NONSENSE").code == 501
    assert mailtrap.messages() == []


def test_binarymime_only_after_ehlo(mailtrap):
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port, ehlo=False) as wire:
        assert wire.command(b"HELO client.example").code == 250
        assert wire.command(b"MAIL FROM:<a@example.com> BODY=BINARYMIME").code == 501


def test_size_limit_counts_every_chunk(mailtrap_factory):
    trap = mailtrap_factory(max_size=1000)
    with Wire(trap.smtp_host, trap.smtp_port) as wire:
        # 600 + 600 passes the limit at the second chunk; the pipelined third is dropped too.
        wire.send(ENVELOPE + bdat(b"a" * 600) + bdat(b"b" * 600) + bdat(b"NOOP\r\n", last=True))
        assert wire.replies(5) == [250, 250, 250, 552, 552]
        # A chunk far over the limit is read and thrown away as it comes, not buffered.
        wire.send(ENVELOPE + b"BDAT 5000000 LAST\r\n")
        for _ in range(50):
            wire.send(b"x" * 100_000)
        assert wire.replies(3) == [250, 250, 552]
        # The session goes on, and the limit is exact.
        wire.send(ENVELOPE + bdat(b"c" * 500) + bdat(b"d" * 500, last=True))
        assert wire.replies(4) == [250, 250, 250, 250]
    [msg] = trap.wait_for()
    assert msg.raw == b"c" * 500 + b"d" * 500
    assert len(trap.messages()) == 1


@pytest.mark.parametrize(
    "command", [b"BDAT", b"BDAT x", b"BDAT 5 NOTLAST", b"BDAT -1", b"BDAT 1 LAST extra"]
)
def test_bad_bdat_syntax_gets_501(mailtrap, wire, command):
    wire.send(ENVELOPE)
    assert wire.replies(2) == [250, 250]
    assert wire.command(command).code == 501
    assert wire.command(b"NOOP").code == 250


def test_connection_dropped_mid_chunk_stores_nothing(mailtrap):
    with socket.create_connection((mailtrap.smtp_host, mailtrap.smtp_port), timeout=5) as sock:
        sock.sendall(b"EHLO x\r\n" + ENVELOPE + b"BDAT 1000 LAST\r\n" + b"y" * 10)
    # The server is unharmed: the next client is served.
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: after\r\n\r\nx\r\n")
    assert [m.subject for m in mailtrap.wait_for()] == ["after"]
