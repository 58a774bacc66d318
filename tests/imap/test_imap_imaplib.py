"""End to end over real sockets with the standard library's imaplib: mail sent by SMTP is read
back item by item, searched, flagged and expunged; IDLE, two sessions, STARTTLS and IMAPS."""

from __future__ import annotations

import base64
import imaplib
import re
import smtplib
import socket
import time
from email import policy
from email.message import EmailMessage

ATTACHMENT = bytes(range(256)) * 4


def rich_message(sender: str, to: str) -> bytes:
    """multipart/mixed: text and HTML alternatives, a binary attachment and a nested message."""
    inner = EmailMessage()
    inner["From"] = "inner@example.org"
    inner["Subject"] = "Inner message"
    inner.set_content("inner body\n")
    outer = EmailMessage()
    outer["From"] = f"J\u00f6rg M\u00fcller <{sender}>"
    outer["To"] = to
    outer["Subject"] = "Gr\u00fc\u00dfe aus K\u00f6ln"
    outer["Message-ID"] = "<rich@example.org>"
    outer.set_content("Hello plain\n")
    outer.add_alternative("<p>Hello <b>html</b></p>\n", subtype="html")
    outer.make_mixed()
    outer.add_attachment(
        ATTACHMENT, maintype="application", subtype="octet-stream", filename="a.bin"
    )
    outer.attach(_rfc822(inner))
    return outer.as_bytes(policy=policy.SMTP)


def _rfc822(inner: EmailMessage) -> EmailMessage:
    part = EmailMessage()
    part.set_content(inner)
    return part


def send(trap, to: str, raw: bytes, sender: str = "app@example.org") -> None:
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
        smtp.sendmail(sender, [to], raw)


def simple(to: str, subject: str, body: str = "hello") -> bytes:
    return f"From: app@example.org\r\nTo: {to}\r\nSubject: {subject}\r\n\r\n{body}\r\n".encode()


def section(client: imaplib.IMAP4, spec: str, partial: str = "") -> bytes:
    """The octets of BODY.PEEK[spec]<partial> of message 1, whether sent quoted or literal."""
    [first, *_] = fetch_one(client, f"(BODY.PEEK[{spec}]{partial})")
    if isinstance(first, tuple):
        return first[1]
    quoted = re.search(rb'\]\S* "(.*)"\)$', first)
    assert quoted, first
    return quoted.group(1).replace(b'\\"', b'"').replace(b"\\\\", b"\\")


def fetch_one(client: imaplib.IMAP4, items: str) -> list:
    status, data = client.fetch("1", items)
    assert status == "OK", data
    return data


def test_list_select_and_status(mailtrap, imap):
    user = mailtrap.unique_address()
    send(mailtrap, user, simple(user, "one"))
    send(mailtrap, user, simple(user, "two"))
    client = imap(user, select=False)
    assert client.list('""', "INBOX") == ("OK", [b'(\\HasNoChildren) "/" INBOX'])
    assert client.list('""', "Sent") == ("OK", [b'(\\HasNoChildren \\Sent) "/" Sent'])
    assert client.list('""', '""')[1] == [b'(\\Noselect) "/" ""']
    assert client.status("INBOX", "(MESSAGES UNSEEN)")[1] == [b"INBOX (MESSAGES 2 UNSEEN 2)"]
    status, data = client.select("INBOX")
    assert (status, data) == ("OK", [b"2"])
    assert client.untagged_responses["UIDNEXT"] == [b"3"]


def test_fetch_every_item_matches_what_smtp_sent(mailtrap, imap):
    user = mailtrap.unique_address()
    raw = rich_message("jorg@example.org", user)
    send(mailtrap, user, raw)
    client = imap(user)

    [(head, body), tail] = fetch_one(client, "(BODY.PEEK[] RFC822.SIZE FLAGS INTERNALDATE)")
    assert body == raw
    assert b"RFC822.SIZE %d" % len(raw) in tail
    assert b"INTERNALDATE" in tail
    assert b"\\Seen" not in head + tail

    assert section(client, "1.1").replace(b"\r\n", b"\n") == b"Hello plain\n"
    assert b"<b>html</b>" in section(client, "1.2")
    assert base64.b64decode(section(client, "2")) == ATTACHMENT
    mime = section(client, "2.MIME")
    assert b'filename="a.bin"' in mime and mime.endswith(b"\r\n\r\n")
    assert b"Subject: Inner message" in section(client, "3.HEADER")
    assert section(client, "3.TEXT").replace(b"\r\n", b"\n") == b"inner body\n"
    header = section(client, "HEADER")
    assert raw.startswith(header) and header.endswith(b"\r\n\r\n")
    [subject_field] = re.findall(rb"^Subject:.*\r\n(?:[ \t].*\r\n)*", header, re.MULTILINE)
    assert section(client, "HEADER.FIELDS (SUBJECT)") == subject_field + b"\r\n"
    assert section(client, "", partial="<10.20>") == raw[10:30]
    assert section(client, "", partial="<2000.5000>") == raw[2000:]

    [envelope] = fetch_one(client, "(ENVELOPE)")
    assert b'"<rich@example.org>"' in envelope
    assert b"=?utf-8?" in envelope  # RFC 2047 words are sent as they are in the message
    [structure] = fetch_one(client, "(BODYSTRUCTURE)")
    assert b'"alternative"' in structure and b'"mixed"' in structure
    assert b'("attachment" ("filename" "a.bin"))' in structure
    assert b'"message" "rfc822"' in structure


def test_body_fetch_sets_seen(mailtrap, imap):
    user = mailtrap.unique_address()
    send(mailtrap, user, simple(user, "seen"))
    client = imap(user)
    data = fetch_one(client, "(BODY[TEXT])")
    assert b"\\Seen" in data[-1]
    assert mailtrap.mailbox(user).unread == 0


def test_search(mailtrap, imap):
    user = mailtrap.unique_address()
    send(mailtrap, user, simple(user, "Invoice 42", "pay now"))
    send(mailtrap, user, simple(user, "Welcome", "hello there"))
    send(mailtrap, user, rich_message("jorg@example.org", user))
    client = imap(user)
    assert client.search(None, "SUBJECT", "invoice") == ("OK", [b"1"])
    assert client.search(None, "BODY", "THERE") == ("OK", [b"2"])
    assert client.search("UTF-8", "SUBJECT", '"K\u00f6ln"'.encode()) == ("OK", [b"3"])
    assert client.search(None, "OR", "SUBJECT", "welcome", "FROM", "jorg") == ("OK", [b"2 3"])
    assert client.uid("SEARCH", "UID", "2:*") == ("OK", [b"2 3"])


def test_store_and_expunge(mailtrap, imap):
    user = mailtrap.unique_address()
    for subject in ("a", "b", "c"):
        send(mailtrap, user, simple(user, subject))
    client = imap(user)
    status, data = client.store("2", "+FLAGS", "(\\Deleted \\Flagged)")
    assert status == "OK" and b"\\Deleted" in data[0]
    assert client.expunge() == ("OK", [b"2"])
    assert [m.subject for m in mailtrap.mailbox(user).messages] == ["a", "c"]
    assert client.fetch("2", "(UID)")[1] == [b"2 (UID 3)"]


def read_line(sock: socket.socket) -> bytes:
    line = b""
    while not line.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError("closed")
        line += chunk
    return line


def test_idle_wakes_up_on_smtp_delivery(mailtrap, imap):
    user = mailtrap.unique_address()
    send(mailtrap, user, simple(user, "first"))
    client = imap(user)
    client.send(b"i1 IDLE\r\n")
    assert client.readline() == b"+ idling\r\n"
    start = time.monotonic()
    send(mailtrap, user, simple(user, "second"))
    assert client.readline() == b"* 2 EXISTS\r\n"
    assert time.monotonic() - start < 5
    assert client.readline() == b"* 2 RECENT\r\n"
    client.send(b"DONE\r\n")
    assert client.readline() == b"i1 OK IDLE terminated\r\n"


def test_two_sessions_on_one_mailbox(mailtrap, imap):
    user = mailtrap.unique_address()
    send(mailtrap, user, simple(user, "one"))
    send(mailtrap, user, simple(user, "two"))
    first, second = imap(user), imap(user)
    first.store("1", "+FLAGS.SILENT", "(\\Seen)")
    second.noop()
    assert second.untagged_responses.get("FETCH") == [b"1 (UID 1 FLAGS (\\Seen))"]
    first.store("2", "+FLAGS.SILENT", "(\\Deleted)")
    first.expunge()
    assert second.noop()[0] == "OK"
    assert second.untagged_responses.get("EXPUNGE") == [b"2"]
    send(mailtrap, user, simple(user, "three"))
    mailtrap.wait_for(to=user, subject="three")
    second.noop()
    assert second.untagged_responses["EXISTS"][-1] == b"2"


def test_http_style_delete_reaches_open_sessions(mailtrap, imap):
    user = mailtrap.unique_address()
    send(mailtrap, user, simple(user, "gone"))
    client = imap(user)
    mailtrap.clear()
    assert client.noop()[0] == "OK"
    assert client.untagged_responses.get("EXPUNGE") == [b"1"]


def test_starttls_and_imaps(mailtrap_factory):
    trap = mailtrap_factory(tls=True)
    user = "tls@example.com"
    send(trap, user, simple(user, "secret"))
    plain = imaplib.IMAP4(trap.smtp_host, trap.imap_port, timeout=10)
    assert "STARTTLS" in plain.capabilities
    plain.starttls(ssl_context=trap.ssl_context())
    assert "STARTTLS" not in plain.capabilities
    plain.login(user, "x")
    assert plain.select("INBOX") == ("OK", [b"1"])
    plain.logout()
    implicit = imaplib.IMAP4_SSL(trap.smtp_host, trap.imaps_port, ssl_context=trap.ssl_context())
    assert "STARTTLS" not in implicit.capabilities
    implicit.login(user, "x")
    implicit.select("INBOX")
    assert implicit.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")[1][0][1].startswith(
        b"Subject: secret"
    )
    implicit.logout()


def test_authenticate_plain(mailtrap, imap):
    user = mailtrap.unique_address()
    send(mailtrap, user, simple(user, "auth"))
    client = imaplib.IMAP4(mailtrap.smtp_host, mailtrap.imap_port, timeout=10)
    try:
        status, _ = client.authenticate("PLAIN", lambda _: f"{user}\0{user}\0pw".encode())
        assert status == "OK"
        assert client.select("INBOX") == ("OK", [b"1"])
    finally:
        client.logout()


def test_bad_input_does_not_end_the_session(mailtrap):
    with socket.create_connection((mailtrap.smtp_host, mailtrap.imap_port), timeout=10) as sock:
        assert read_line(sock).startswith(b"* OK")
        sock.sendall(b"\x00\xff garbage\r\na1 FROB\r\na2 LOGIN\r\n" + b"x" * 100_000 + b"\r\n")
        assert read_line(sock) == b"* BAD Syntax error: missing or invalid tag\r\n"
        assert read_line(sock) == b"a1 BAD Syntax error: unknown command\r\n"
        assert read_line(sock) == b"a2 BAD Syntax error: expected a space\r\n"
        assert read_line(sock) == b"* BAD [TOOBIG] Command line too long\r\n"
        sock.sendall(b"a3 NOOP\r\n")
        assert read_line(sock) == b"a3 OK NOOP completed\r\n"
