"""PIPELINING (RFC 2920): advertised, and whole pipelined groups answered in order, nothing lost."""

from __future__ import annotations

import asyncio
import subprocess

import aiosmtplib
from smtpwire import Wire


def test_ehlo_advertises_pipelining_and_aiosmtplib_sees_it(mailtrap):
    async def main():
        async with aiosmtplib.SMTP(hostname=mailtrap.smtp_host, port=mailtrap.smtp_port) as smtp:
            await smtp.ehlo()
            assert smtp.supports_extension("pipelining")
            # aiosmtplib itself sends in lock-step; replies still come one per command.
            await smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: aio\r\n\r\nx\r\n")

    asyncio.run(asyncio.wait_for(main(), 10))
    assert mailtrap.wait_for(subject="aio")


def test_a_multiline_reply_goes_out_in_one_write(mailtrap):
    # EHLO's nine lines as one write (one segment on loopback), so a client reading them wakes
    # once, not nine times (one write a line cost each send-and-wait test about 0.3 ms).
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port, ehlo=False) as wire:
        wire.send(b"EHLO client.example\r\n")
        first = wire.sock.recv(65536)
        lines = first.split(b"\r\n")
        assert lines[-1] == b"", first
        assert [line[:4] for line in lines[:-2]] == [b"250-"] * (len(lines) - 2), first
        assert lines[-2].startswith(b"250 "), first
        assert len(lines) > 5, first


def test_a_pipelined_group_with_a_refused_recipient(mailtrap):
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port) as wire:
        assert "PIPELINING" in wire.ehlo_reply.lines
        # One write: the RFC 2920 group, DATA last. The malformed RCPT fails; the rest go on.
        wire.send(
            b"MAIL FROM:<app@example.com>\r\n"
            b"RCPT TO:<alice@example.com>\r\n"
            b"RCPT TO:<@@>\r\n"
            b"RCPT TO:<bob@example.com>\r\n"
            b"DATA\r\n"
        )
        assert wire.replies(5) == [250, 250, 553, 250, 354]
        wire.send(b"Subject: grouped\r\n\r\n.dot\r\n.\r\n")
        assert wire.reply().code == 250
    [msg] = mailtrap.wait_for(subject="grouped")
    assert msg.recipients == ["alice@example.com", "bob@example.com"]
    assert msg.raw == b"Subject: grouped\r\n\r\ndot\r\n"


def test_a_whole_session_in_one_write_loses_nothing(mailtrap):
    """Even a client that does not wait anywhere (not even for 354) gets every reply, in order:
    the server never drops buffered input (RFC 2920 3.2)."""
    session = (
        b"EHLO client.example\r\n"
        b"MAIL FROM:<a@example.com>\r\nRCPT TO:<one@example.com>\r\nDATA\r\n"
        b"Subject: first\r\n\r\nbody\r\n.\r\n"
        b"RSET\r\nNOOP\r\nBOGUS\r\n"
        b"MAIL FROM:<a@example.com>\r\nRCPT TO:<two@example.com>\r\nDATA\r\n"
        b"Subject: second\r\n\r\nbody\r\n.\r\n"
        b"QUIT\r\n"
    )
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port, ehlo=False) as wire:
        wire.send(session)
        codes = wire.replies(13)
        assert wire.stream.read() == b""  # closed after 221
    assert codes == [250, 250, 250, 354, 250, 250, 250, 500, 250, 250, 354, 250, 221]
    assert [m.subject for m in mailtrap.wait_for(count=2)] == ["first", "second"]


def test_swaks_pipelines(mailtrap, need_tool):
    swaks = need_tool("swaks")
    result = subprocess.run(
        [
            swaks,
            "--server",
            f"{mailtrap.smtp_host}:{mailtrap.smtp_port}",
            "--pipeline",
            "--from",
            "app@example.com",
            "--to",
            "alice@example.com,bob@example.com",
            "--header",
            "Subject: swaks pipelined",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # swaks prints the group it sent, then the replies it got for it.
    assert " -> RCPT TO:<bob@example.com>\n -> DATA\n<-  250 OK\n" in result.stdout
    [msg] = mailtrap.wait_for(subject="swaks pipelined")
    assert msg.recipients == ["alice@example.com", "bob@example.com"]


def test_msmtp_pipelines_many_recipients(mailtrap, need_tool):
    msmtp = need_tool("msmtp")
    recipients = [f"r{n}@example.com" for n in range(30)]
    result = subprocess.run(
        [
            msmtp,
            "--host",
            mailtrap.smtp_host,
            "--port",
            str(mailtrap.smtp_port),
            "--from",
            "app@example.com",
            "--auth=off",
            "--tls=off",
            "--debug",
            *recipients,
        ],
        input=b"Subject: msmtp pipelined\r\n\r\nhello\r\n",
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    # msmtp's dialogue: the whole group went out before the first reply came back.
    dialogue = result.stdout.replace(b"\r\n", b"\n")
    assert b"--> RCPT TO:<r29@example.com>\n--> DATA\n<-- 250 OK\n" in dialogue
    [msg] = mailtrap.wait_for(subject="msmtp pipelined")
    assert msg.recipients == recipients
