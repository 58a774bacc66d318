"""Caches forget deleted mail: big messages read over the API and IMAP leave nothing behind."""

from __future__ import annotations

import gc
import http.client
import imaplib
import json
import smtplib
import tracemalloc

import pytest

MiB = 1024 * 1024


def big_message(n: int) -> bytes:
    line = b"x" * 76 + b"\r\n"
    body = line * (5 * MiB // len(line))
    head = (
        f"From: a@example.com\r\nTo: big@example.com\r\nSubject: big {n}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
        "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; "
        'filename="blob.txt"\r\n\r\n'
    ).encode()
    return head + body + b"--b--\r\n"


@pytest.mark.timeout(180)  # tracemalloc slows the parsing of 100 MiB of mail a lot
def test_clear_after_reading_big_messages_gives_the_memory_back(mailtrap_factory):
    trap = mailtrap_factory(max_size=8 * MiB)
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=30) as smtp:
            for n in range(20):
                smtp.sendmail("a@example.com", ["big@example.com"], big_message(n))
        ids = [m.id for m in trap.messages()]
        assert len(ids) == 20
        host, port = trap.http_url.removeprefix("http://").split(":")
        for message_id in ids:  # the API parses each one (detail, list facts)
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            connection.request("GET", f"/api/v1/message/{message_id}")
            reply = connection.getresponse()
            assert json.loads(reply.read())["Attachments"][0]["FileName"] == "blob.txt"
            connection.close()
        with imaplib.IMAP4(trap.smtp_host, trap.imap_port, timeout=30) as imap:
            imap.login("big@example.com", "x")
            imap.select("INBOX")
            status, data = imap.fetch("1:*", "(BODYSTRUCTURE BODY.PEEK[1])")
            assert status == "OK" and len([d for d in data if isinstance(d, tuple)]) == 20
            imap.logout()
        cached = trap.store.cache.message_ids()
        assert cached & set(ids), "the reads above should have filled the cache"
        trap.clear()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert trap.store.cache.message_ids() == set()
    assert trap.store.cache.size == 0
    assert after - before < 20 * MiB, f"{(after - before) / MiB:.1f} MiB still held"
