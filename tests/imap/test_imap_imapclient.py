"""End to end with IMAPClient, a well-known third-party client that parses every response:
structures, envelopes, flags, search, IDLE, and many sessions at once."""

from __future__ import annotations

import base64
import smtplib
import socket
import time
from email import policy
from email.message import EmailMessage

import pytest

imapclient = pytest.importorskip("imapclient")


def send(trap, to: str, message: EmailMessage | bytes) -> bytes:
    raw = message if isinstance(message, bytes) else message.as_bytes(policy=policy.SMTP)
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
        smtp.sendmail("app@example.org", [to], raw)
    return raw


def attachment_mail(to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Zo\u00eb <zoe@example.org>"
    message["To"] = to
    message["Cc"] = "Team: a@example.org, b@example.org;"
    message["Subject"] = "\u00dcbersicht Q3"
    message["Message-ID"] = "<q3@example.org>"
    message.set_content("see attached\n")
    message.add_attachment(
        b"col1,col2\n1,2\n", maintype="text", subtype="csv", filename="report.csv"
    )
    nested = EmailMessage()
    nested["Subject"] = "forwarded"
    nested["From"] = "old@example.org"
    nested.set_content("old text\n")
    message.add_attachment(nested)
    return message


def test_folders_and_select(mailtrap, connect):
    user = mailtrap.unique_address()
    send(mailtrap, user, attachment_mail(user))
    client = connect(user)
    assert client.list_folders()[:2] == [
        ((b"\\HasNoChildren",), b"/", "INBOX"),
        ((b"\\HasNoChildren", b"\\Archive"), b"/", "Archive"),
    ]
    assert [name for _, _, name in client.list_sub_folders()] == [
        "INBOX",
        "Archive",
        "Drafts",
        "Junk",
        "Sent",
        "Trash",
    ]
    assert client.namespace().personal == (("", "/"),)
    info = client.select_folder("INBOX")
    assert info[b"EXISTS"] == 1
    assert info[b"UIDNEXT"] == 2
    assert info[b"READ-WRITE"]
    assert client.folder_status("INBOX", ["MESSAGES", "UNSEEN"]) == {
        b"MESSAGES": 1,
        b"UNSEEN": 1,
    }


def test_fetch_items_parse_and_match(mailtrap, connect):
    user = mailtrap.unique_address()
    raw = send(mailtrap, user, attachment_mail(user))
    client = connect(user)
    client.select_folder("INBOX", readonly=True)
    [(uid, data)] = client.fetch(
        client.search(), ["ENVELOPE", "BODYSTRUCTURE", "RFC822.SIZE", "FLAGS", "BODY.PEEK[]", "UID"]
    ).items()
    assert uid == 1
    assert data[b"BODY[]"] == raw
    assert data[b"RFC822.SIZE"] == len(raw)
    assert data[b"FLAGS"] == (b"\\Recent",)

    envelope = data[b"ENVELOPE"]
    assert envelope.message_id == b"<q3@example.org>"
    assert envelope.subject.startswith(b"=?utf-8?")  # RFC 2047 words as in the message
    [sender] = envelope.from_
    assert (sender.mailbox, sender.host) == (b"zoe", b"example.org")
    # RFC 3501 7.4.2: a group is a start marker (host NIL), its members, and an end marker.
    assert [(a.mailbox, a.host) for a in envelope.cc] == [
        (b"Team", None),
        (b"a", b"example.org"),
        (b"b", b"example.org"),
        (None, None),
    ]

    structure = data[b"BODYSTRUCTURE"]
    assert structure.is_multipart
    text, csv, nested = structure[0]
    assert text[:2] == (b"text", b"plain")
    assert csv[:2] == (b"text", b"csv")
    assert tuple(csv[9][1][:2]) == (b"filename", b"report.csv")
    assert nested[:2] == (b"message", b"rfc822")
    assert structure[1] == b"mixed"

    parts = client.fetch([1], ["BODY.PEEK[2]", "BODY.PEEK[3.HEADER.FIELDS (SUBJECT)]"])[1]
    assert base64.b64decode(parts[b"BODY[2]"]) == b"col1,col2\n1,2\n"  # as sent: base64
    assert parts[b"BODY[3.HEADER.FIELDS (SUBJECT)]"] == b"Subject: forwarded\r\n\r\n"


def test_non_ascii_headers_round_trip(mailtrap, connect):
    user = mailtrap.unique_address()
    raw = (
        f"From: app@example.org\r\nTo: {user}\r\nSubject: Caf\u00e9 \u2615 8-bit\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nna\u00efve\r\n"
    ).encode()
    send(mailtrap, user, raw)
    client = connect(user)
    client.select_folder("INBOX")
    data = client.fetch([1], ["ENVELOPE", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])[1]
    assert data[b"ENVELOPE"].subject.decode() == "Caf\u00e9 \u2615 8-bit"
    assert data[b"BODY[HEADER.FIELDS (SUBJECT)]"].decode().startswith("Subject: Caf\u00e9")
    assert client.search(["SUBJECT", "caf\u00e9"], charset="UTF-8") == [1]


def test_flags_search_and_expunge(mailtrap, connect):
    user = mailtrap.unique_address()
    for n in range(5):
        send(mailtrap, user, f"To: {user}\r\nSubject: n{n}\r\n\r\nbody {n}\r\n".encode())
    client = connect(user)
    client.select_folder("INBOX")
    assert client.search(["SUBJECT", "n3"]) == [4]
    client.add_flags([1, 2], [b"\\Flagged", b"$Todo"])
    assert client.get_flags([1])[1] == (b"\\Flagged", b"$Todo", b"\\Recent")
    assert client.search(["KEYWORD", "$Todo"]) == [1, 2]
    client.remove_flags([2], [b"$Todo"])
    client.set_flags([3], [b"\\Deleted"])
    assert client.search(["DELETED"]) == [3]
    client.expunge()
    assert client.search(["ALL"]) == [1, 2, 4, 5]
    assert [m.subject for m in mailtrap.mailbox(user).messages] == ["n0", "n1", "n3", "n4"]


def test_idle_sees_smtp_delivery(mailtrap, connect):
    user = mailtrap.unique_address()
    client = connect(user)
    client.select_folder("INBOX")
    client.idle()
    send(mailtrap, user, f"To: {user}\r\nSubject: ping\r\n\r\nx\r\n".encode())
    responses = client.idle_check(timeout=5)
    client.idle_done()
    assert (1, b"EXISTS") in responses


def test_many_concurrent_sessions_and_smtp_still_served(mailtrap):
    user = mailtrap.unique_address()
    sessions = []
    try:
        for n in range(200):
            sock = socket.create_connection((mailtrap.smtp_host, mailtrap.imap_port), timeout=10)
            sessions.append(sock)
            sock.sendall(f"a{n} LOGIN {user} x\r\nb{n} SELECT INBOX\r\nc{n} IDLE\r\n".encode())
        for sock in sessions:
            assert read_until(sock, b"+ idling\r\n").startswith(b"* OK")
        start = time.monotonic()
        send(mailtrap, user, f"To: {user}\r\nSubject: all\r\n\r\nx\r\n".encode())
        assert time.monotonic() - start < 5
        recent = []
        for sock in sessions:
            data = read_until(sock, b" RECENT\r\n")
            assert b"* 1 EXISTS\r\n" in data
            recent.append(data.endswith(b"* 1 RECENT\r\n"))
        assert recent.count(True) == 1  # RFC 3501 2.3.2: recent in exactly one session
    finally:
        for sock in sessions:
            sock.close()


def read_until(sock: socket.socket, end: bytes) -> bytes:
    data = b""
    while not data.endswith(end) and end not in data:
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    return data
