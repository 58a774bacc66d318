"""SMTP capture over real loopback sockets with smtplib (and aiosmtplib for concurrency)."""

from __future__ import annotations

import asyncio
import smtplib
import socket
from pathlib import Path

import aiosmtplib
import pytest

from mailtrap.message import summarize


def _send(trap, sender, recipients, raw, **login):
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
        if login:
            smtp.login(login["user"], login["password"])
        return smtp.sendmail(sender, recipients, raw)


def test_multi_recipient_and_bcc_land_in_each_mailbox(mailtrap):
    raw = (
        b"From: app@example.com\r\nTo: alice@example.com\r\nCc: bob@example.com\r\n"
        b"Subject: hi\r\n\r\nx\r\n"
    )
    recipients = ["alice@example.com", "bob@example.com", "secret@example.com"]
    _send(mailtrap, "app@example.com", recipients, raw)
    [msg] = mailtrap.wait_for(to="secret@example.com")
    for address in ("alice@example.com", "bob@example.com", "secret@example.com"):
        assert mailtrap.mailbox(address).messages == [msg]
    assert msg.recipients == ["alice@example.com", "bob@example.com", "secret@example.com"]
    assert mailtrap.mailbox("nobody@example.com").messages == []
    assert len(mailtrap.messages()) == 1  # stored once


ROUND_TRIP = {
    "8-bit body": "Subject: caf\u00e9\r\n\r\nGr\u00fc\u00dfe, \u65e5\u672c\r\n".encode()
    + b"\xff\xfe raw\r\n",
    "dot lines": b"Subject: dots\r\n\r\n.starts with a dot\r\n..two\r\n.\r\nend\r\n",
    "first line dot": b".Subject: odd\r\n\r\nbody\r\n",
    "10,000-octet line": b"Subject: long\r\n\r\n" + b"x" * 10_000 + b"\r\n",
    "NUL byte": b"Subject: nul\r\n\r\nbefore\x00after\r\n",
    "broken MIME": (
        b'Content-Type: multipart/mixed; boundary="b"\r\nSubject: broken\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=nonsense\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"!!!not base64\r\n--wrong--\r\n"
    ),
    "no header/body separator": b"just some text without headers\r\n",
}


@pytest.mark.parametrize("name", list(ROUND_TRIP))
def test_raw_bytes_round_trip_exactly(mailtrap, name):
    raw = ROUND_TRIP[name]
    _send(mailtrap, "a@example.com", ["b@example.com"], raw)
    [msg] = mailtrap.wait_for()
    assert msg.raw == raw
    assert isinstance(msg.text, str)  # the parsed view degrades, never raises


def test_bare_lf_message_round_trips(mailtrap):
    raw = b"Subject: bare\nFrom: a@example.com\n\nline one\nline two\n"
    _send(mailtrap, "a@example.com", ["b@example.com"], raw)
    [msg] = mailtrap.wait_for()
    # smtplib ends the data with CRLF before the terminating dot (RFC 5321 4.1.1.4); the rest
    # is exactly what was sent, bare LFs included.
    assert msg.raw == raw + b"\r\n"
    assert msg.subject == "bare"


def test_oversize_message_gets_552_and_nothing_is_stored(mailtrap_factory):
    trap = mailtrap_factory(max_size=10_000)
    one_long_line = b"Subject: big\r\n\r\n" + b"y" * 20_000 + b"\r\n"
    many_lines = b"Subject: big\r\n\r\n" + (b"y" * 70 + b"\r\n") * 200
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
        # Declared with SIZE= (RFC 1870): refused at MAIL FROM.
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            smtp.sendmail("a@example.com", ["b@example.com"], many_lines)
        assert refused.value.smtp_code == 552
        # Undeclared: refused after DATA, whichever way the data is too big.
        for raw in (one_long_line, many_lines):
            smtp.mail("a@example.com")
            smtp.rcpt("b@example.com")
            code, _ = smtp.data(raw)
            assert code == 552
        # the session goes on
        smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: small\r\n\r\nok\r\n")
    assert [m.subject for m in trap.wait_for()] == ["small"]
    assert len(trap.messages()) == 1


def test_size_is_advertised(mailtrap_factory):
    trap = mailtrap_factory(max_size=12345)
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
        smtp.ehlo()
        assert smtp.esmtp_features["size"] == "12345"
        assert "8bitmime" in smtp.esmtp_features and "smtputf8" in smtp.esmtp_features
        assert "starttls" not in smtp.esmtp_features  # TLS is off unless asked for


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_any_credentials_accepted_over_plain_connection(mailtrap, mechanism):
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.ehlo()
        assert mechanism in smtp.esmtp_features["auth"].split()
        smtp.user, smtp.password = "anyone", "any password"
        code, _ = smtp.auth(mechanism, getattr(smtp, f"auth_{mechanism.lower()}"))
        assert code == 235
        smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: authed\r\n\r\nx\r\n")
    assert mailtrap.wait_for(subject="authed")


def test_starttls_and_implicit_tls_with_auth(mailtrap_factory):
    trap = mailtrap_factory(tls=True)
    context = trap.ssl_context()  # verifies the generated certificate; nothing switched off
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
        smtp.starttls(context=context)
        smtp.login("user", "pass")
        smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: starttls\r\n\r\nx\r\n")
    with smtplib.SMTP_SSL(trap.smtp_host, trap.smtps_port, context=context, timeout=5) as smtp:
        smtp.login("user", "pass")
        smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: implicit\r\n\r\nx\r\n")
    assert [m.subject for m in trap.wait_for(count=2)] == ["starttls", "implicit"]
    assert Path(trap.ca_path).read_text().startswith("-----BEGIN CERTIFICATE")


def test_certificate_names_localhost_and_loopback(mailtrap_factory):
    trap = mailtrap_factory(tls=True, hostname="mail.test")
    context = trap.ssl_context()
    for host in ("localhost", "127.0.0.1", "mail.test"):
        address = (trap.smtp_host, trap.smtps_port)
        with (
            socket.create_connection(address, timeout=5) as sock,
            context.wrap_socket(sock, server_hostname=host) as tls,
        ):
            assert tls.recv(100).startswith(b"220 mail.test")


def test_fifty_concurrent_senders_lose_nothing(mailtrap):
    async def sender(n):
        async with aiosmtplib.SMTP(hostname=mailtrap.smtp_host, port=mailtrap.smtp_port) as smtp:
            for i in range(4):
                raw = f"Subject: c{n}-{i}\r\nTo: r{n}@example.com\r\n\r\nbody\r\n".encode()
                await smtp.sendmail("a@example.com", [f"r{n}@example.com", "all@example.com"], raw)

    async def main():
        await asyncio.wait_for(asyncio.gather(*(sender(n) for n in range(50))), 20)

    asyncio.run(main())
    got = mailtrap.wait_for(count=200, to="all@example.com", timeout=5)
    expected = sorted(f"c{n}-{i}" for n in range(50) for i in range(4))
    assert sorted(m.subject for m in got) == expected
    assert all(len(mailtrap.mailbox(f"r{n}@example.com").messages) == 4 for n in range(50))


def test_connection_limit_answers_421(mailtrap_factory):
    trap = mailtrap_factory(max_connections=2)
    held = [smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) for _ in range(2)]
    try:
        with socket.create_connection((trap.smtp_host, trap.smtp_port), timeout=5) as sock:
            assert sock.recv(200).startswith(b"421")
    finally:
        for smtp in held:
            smtp.quit()
    # a slot is free again
    _send(trap, "a@example.com", ["b@example.com"], b"Subject: after\r\n\r\nx\r\n")
    assert trap.wait_for(subject="after")


def test_malformed_commands_get_errors_and_the_session_goes_on(mailtrap):
    with socket.create_connection((mailtrap.smtp_host, mailtrap.smtp_port), timeout=5) as sock:
        stream = sock.makefile("rwb")
        assert stream.readline().startswith(b"220")
        for line, code in [
            (b"HELO", b"501"),
            (b"MAIL FROM:<a@example.com>", b"503"),  # no HELO yet
            (b"EHLO client", b"250"),
            (b"MAIL TO:<a@example.com>", b"501"),
            (b"RCPT TO:<x@example.com>", b"503"),
            (b"X" * 5000, b"500"),
            (b"\xff\xfe", b"500"),
            (b"NOOP", b"250"),
        ]:
            stream.write(line + b"\r\n")
            stream.flush()
            reply = stream.readline()
            while reply[3:4] == b"-":
                reply = stream.readline()
            assert reply[:3] == code, (line[:20], reply)


def test_smtputf8_addresses_and_null_sender(mailtrap):
    raw = "Subject: utf8\r\nFrom: j\u00fcrgen@example.com\r\n\r\nx\r\n".encode()
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.ehlo()
        smtp.sendmail("", ["j\u00fcrgen@b\u00fccher.example"], raw, mail_options=["SMTPUTF8"])
    [msg] = mailtrap.wait_for(to="J\u00fcrgen@B\u00fccher.example")
    assert msg.sender == "" and msg.raw == raw
    assert summarize(raw).from_.address == "j\u00fcrgen@example.com"
