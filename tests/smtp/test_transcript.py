"""SMTP transcripts: what each stored message keeps of the dialogue that delivered it, read back
over the HTTP API with real clients on both ends."""

from __future__ import annotations

import base64
import json
import smtplib
import urllib.error
import urllib.request
from datetime import datetime

from smtpwire import Wire

from mailtrap.transcript import PART_LIMIT, decode
from mailtrap.transcript_shared import Template, compressed, uncompressed

BODY = b"Subject: hush\r\n\r\nthe body is never in a transcript\r\n"


def transcript(trap, message_id):
    url = f"{trap.http_url}/api/v1/message/{message_id}/transcript"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def dialogue(data):
    return [(line["Direction"], line["Text"]) for line in data["Lines"]]


def test_a_plain_session(mailtrap):
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.ehlo("client.example")
        host, port = smtp.sock.getsockname()[:2]
        smtp.sendmail("app@example.com", ["alice@example.com"], BODY)
    [msg] = mailtrap.wait_for()
    data = transcript(mailtrap, msg.id)
    assert data["Client"] == f"{host}:{port}" and data["TLS"] is None and data["Omitted"] == 0
    lines = dialogue(data)
    assert lines[0] == ("out", "220 localhost mailtrap 0.1.0 ESMTP".replace("0.1.0", _version()))
    assert lines[1] == ("in", "ehlo client.example")
    end_of_ehlo = lines.index(("out", "250 HELP"))
    assert ("out", "250-PIPELINING") in lines[:end_of_ehlo]
    assert lines[end_of_ehlo + 1 :] == [
        ("in", f"mail FROM:<app@example.com> size={len(BODY)}"),
        ("out", "250 OK"),
        ("in", "rcpt TO:<alice@example.com>"),
        ("out", "250 OK"),
        ("in", "data"),
        ("out", "354 End data with <CR><LF>.<CR><LF>"),
        ("in", "."),
        ("out", f"250 OK: queued as {msg.id}"),
    ]
    times = [datetime.fromisoformat(line["Time"]) for line in data["Lines"]]
    assert times == sorted(times) and times[0].tzinfo is not None
    assert data["Lines"][0]["Time"].endswith("Z")
    assert b"never in a transcript" not in json.dumps(data).encode()


def _version():
    from mailtrap import __version__

    return __version__


def test_starttls_and_auth_with_secrets_masked(tls_trap):
    context = tls_trap.ssl_context()
    with smtplib.SMTP(tls_trap.smtp_host, tls_trap.smtp_port, timeout=5) as smtp:
        smtp.starttls(context=context)
        smtp.ehlo()
        smtp.user, smtp.password = "alice", "pl41n-s3cret"
        smtp.auth("PLAIN", smtp.auth_plain)
        smtp.sendmail("app@example.com", ["alice@example.com"], BODY)
    with smtplib.SMTP(tls_trap.smtp_host, tls_trap.smtp_port, timeout=5) as smtp:
        smtp.starttls(context=context)
        smtp.ehlo()
        smtp.user, smtp.password = "bob", "l0gin-s3cret"
        smtp.auth("LOGIN", smtp.auth_login, initial_response_ok=False)
        smtp.sendmail("app@example.com", ["bob@example.com"], BODY)
    plain, login = (transcript(tls_trap, m.id) for m in tls_trap.wait_for(count=2))
    for data in (plain, login):
        assert data["TLS"].startswith("TLSv1.")
        text = json.dumps(data)
        for secret in ("s3cret", base64.b64encode(b"\0alice\0pl41n-s3cret").decode()):
            assert secret not in text
        lines = dialogue(data)
        assert ("in", "STARTTLS") in lines and ("out", "220 Ready to start TLS") in lines
        assert ("out", "235 2.7.0 Authentication successful") in lines
    assert ("in", "AUTH PLAIN ********") in dialogue(plain)
    lines = dialogue(login)
    start = lines.index(("in", "AUTH LOGIN"))
    assert lines[start + 1 : start + 5] == [
        ("out", "334 VXNlcm5hbWU6"),  # "Username:"
        ("in", "********"),
        ("out", "334 UGFzc3dvcmQ6"),  # "Password:"
        ("in", "********"),
    ]


def test_implicit_tls(tls_trap):
    context = tls_trap.ssl_context()
    with smtplib.SMTP_SSL(tls_trap.smtp_host, tls_trap.smtps_port, context=context) as smtp:
        smtp.sendmail("app@example.com", ["alice@example.com"], BODY)
    [msg] = tls_trap.wait_for()
    data = transcript(tls_trap, msg.id)
    assert data["TLS"].startswith("TLSv1.")
    assert ("in", "STARTTLS") not in dialogue(data)


def test_each_message_on_a_connection_gets_the_opening_and_its_own_transaction(mailtrap):
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.sendmail("app@example.com", ["first@example.com"], BODY)
        smtp.noop()
        smtp.sendmail("app@example.com", ["second@example.com"], BODY)
    first, second = (transcript(mailtrap, m.id) for m in mailtrap.wait_for(count=2))
    opening = dialogue(first)[: dialogue(first).index(("out", "250 HELP")) + 1]
    lines = dialogue(second)
    assert lines[: len(opening)] == opening
    assert lines[len(opening) :] == [
        ("in", "noop"),
        ("out", "250 OK"),
        ("in", f"mail FROM:<app@example.com> size={len(BODY)}"),
        ("out", "250 OK"),
        ("in", "rcpt TO:<second@example.com>"),
        ("out", "250 OK"),
        ("in", "data"),
        ("out", "354 End data with <CR><LF>.<CR><LF>"),
        ("in", "."),
        ("out", f"250 OK: queued as {mailtrap.messages()[1].id}"),
    ]
    assert "first@example.com" not in json.dumps(second)
    times = [line["Time"] for line in second["Lines"]]
    assert times == sorted(times)


def test_messages_alike_share_a_template_and_answer_as_before(mailtrap):
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        for _ in range(3):
            smtp.sendmail("app@example.com", ["alice@example.com"], BODY)
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.sendmail("app@example.com", ["alice@example.com"], BODY)
        port = smtp.sock.getsockname()[1]
    messages = mailtrap.wait_for(count=4)
    kept = [mailtrap.store.transcript(m.id) for m in messages]
    # The first is kept whole; the same text again is shared, across connections too.
    assert isinstance(kept[0], bytes)
    assert all(isinstance(k, tuple) and isinstance(k[0], Template) for k in kept[1:])
    assert kept[1][0] is kept[2][0] is kept[3][0]
    for message, encoded in zip(messages, kept, strict=True):
        data = transcript(mailtrap, message.id)
        whole = decode(compressed(uncompressed(encoded)), message.id)
        assert data["Client"] == whole.client and data["Omitted"] == whole.omitted == 0
        assert dialogue(data) == [(line.direction, line.text) for line in whole.lines]
        assert dialogue(data)[-1] == ("out", f"250 OK: queued as {message.id}")
    assert data["Client"].endswith(f":{port}")
    first, second = transcript(mailtrap, messages[1].id), transcript(mailtrap, messages[2].id)
    opening = dialogue(first).index(("out", "250 HELP")) + 1
    assert first["Lines"][:opening] == second["Lines"][:opening]  # one connection's opening
    assert first["Lines"][opening]["Time"] < second["Lines"][opening]["Time"]


def test_pipelined_bdat_session(mailtrap):
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port) as wire:
        wire.send(
            b"MAIL FROM:<a@example.com> BODY=BINARYMIME\r\n"
            b"RCPT TO:<@@>\r\nRCPT TO:<b@example.com>\r\n"
            b"BDAT 5\r\n\x00QUIT" + b"BDAT 3 LAST\r\n\r\n\xff"
        )
        assert wire.replies(5) == [250, 553, 250, 250, 250]
    [msg] = mailtrap.wait_for()
    lines = dialogue(transcript(mailtrap, msg.id))
    # The chunks' octets (a NUL, "QUIT", 0xff) are no part of it.
    assert lines[lines.index(("out", "250 HELP")) + 1 :] == [
        ("in", "MAIL FROM:<a@example.com> BODY=BINARYMIME"),
        ("out", "250 OK"),
        ("in", "RCPT TO:<@@>"),
        ("out", "553 5.1.3 Error: malformed address"),
        ("in", "RCPT TO:<b@example.com>"),
        ("out", "250 OK"),
        ("in", "BDAT 5"),
        ("out", "250 2.0.0 OK: 5 octets received"),
        ("in", "BDAT 3 LAST"),
        ("out", f"250 OK: queued as {msg.id}"),
    ]


def test_cut_at_8_kb_and_bounded_whatever_the_client_sends(mailtrap):
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port) as wire:
        wire.send(b"NOOP\r\n" * 2000)
        wire.replies(2000)
        wire.send(
            b"MAIL FROM:<a@example.com>\r\n" + b"RSET\r\nMAIL FROM:<a@example.com>\r\n" * 1000
        )
        wire.replies(2001)
        wire.send(b"RCPT TO:<b@example.com>\r\nDATA\r\n")
        assert wire.replies(2) == [250, 354]
        wire.send(b"x\r\n.\r\n")
        assert wire.reply().code == 250
        long_line = wire.command(b"NOOP " + b"y" * 5000)
        assert long_line.code == 500
    [msg] = mailtrap.wait_for()
    data = transcript(mailtrap, msg.id)
    text = sum(len(line["Text"]) + 1 for line in data["Lines"])
    assert text < 2 * PART_LIMIT
    assert data["Omitted"] > 3000
    # The end of the message is always there.
    assert dialogue(data)[-2:] == [("in", "."), ("out", f"250 OK: queued as {msg.id}")]
    assert len(compressed(uncompressed(mailtrap.store.transcript(msg.id)))) < 2000  # compressed


def test_over_long_command_keeps_its_start(mailtrap):
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port) as wire:
        assert wire.command(b"NOOP " + b"z" * 5000).code == 500
        wire.send(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nBDAT 0 LAST\r\n")
        assert wire.replies(3) == [250, 250, 250]
    [msg] = mailtrap.wait_for()
    lines = dialogue(transcript(mailtrap, msg.id))
    index = lines.index(("out", "500 Command line too long"))
    direction, text = lines[index - 1]
    assert direction == "in" and text.startswith("NOOP zzz") and text.endswith("...")
    assert len(text) < 1100


def test_forgotten_with_the_message_and_absent_for_http_mail(mailtrap):
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.sendmail("app@example.com", ["alice@example.com", "bob@example.com"], BODY)
        smtp.sendmail("app@example.com", ["carol@example.com"], BODY)
    first, second = mailtrap.wait_for(count=2)
    assert mailtrap.store.transcript(first.id) is not None
    # Unlinked from one mailbox it stays; gone from the last, it goes.
    mailtrap.store.delete([first.id], mailbox="alice@example.com")
    assert mailtrap.store.transcript(first.id) is not None
    mailtrap.store.delete([first.id])
    assert mailtrap.store.transcript(first.id) is None
    mailtrap.clear()
    assert mailtrap.store.transcript(second.id) is None

    request = urllib.request.Request(
        f"{mailtrap.http_url}/api/v1/send",
        json.dumps(
            {"From": {"Email": "a@example.com"}, "To": [{"Email": "b@example.com"}]}
        ).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        sent = json.load(response)["ID"]
    for missing in (sent, first.id):
        try:
            transcript(mailtrap, missing)
        except urllib.error.HTTPError as error:
            assert error.code == 404
        else:
            raise AssertionError("expected 404")


def test_forgotten_when_pruned(mailtrap_factory):
    trap = mailtrap_factory(max_messages=1)
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
        smtp.sendmail("app@example.com", ["a@example.com"], BODY)
        [old] = trap.wait_for()
        smtp.sendmail("app@example.com", ["b@example.com"], BODY)
    [new] = trap.wait_for(to="b@example.com")
    assert trap.store.transcript(old.id) is None
    assert trap.store.transcript(new.id) is not None
