"""End to end over real sockets with the standard library's imaplib: folder trees made,
renamed and deleted; APPEND with flags and a date, fetched back byte for byte; COPY with the
UIDs it hands back checked against the copies; appended mail seen by the Python and HTTP APIs."""

from __future__ import annotations

import imaplib
import json
import poplib
import re
import smtplib
import urllib.request
from datetime import datetime, timedelta, timezone

DRAFT = (
    b"From: Ann <ann@example.org>\r\nTo: bob@example.org\r\nSubject: draft \xc3\xa9\r\n"
    b"Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    b"not finished \xe2\x80\x94 yet\r\n"
)


def deliver(trap, user: str, subjects: list[bytes]) -> None:
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
        for subject in subjects:
            smtp.sendmail("app@example.org", [user], b"Subject: %s\r\n\r\nbody\r\n" % subject)
    trap.wait_for(count=len(subjects), to=user)


def names(client: imaplib.IMAP4) -> list[str]:
    status, data = client.list()
    assert status == "OK"
    return [line.decode().rsplit(' "/" ', 1)[1].strip('"') for line in data]


def code(data: list[bytes]) -> list[str]:
    """The words of the response code of a tagged OK, e.g. ["COPYUID", "7", "1:2", "3:4"]."""
    match = re.match(rb"\[([^\]]+)\]", data[-1])
    assert match, data
    return match.group(1).decode().split()


def test_folder_trees_are_made_renamed_and_deleted(mailtrap, imap):
    client = imap(mailtrap.unique_address(), select=False)
    for name in ("Projects/2024/Q1", "Projects/2024/Q2", "Lists/python/"):
        assert client.create(name)[0] == "OK"
    assert client.create("Projects")[0] == "NO"  # made as a level above
    assert names(client) == [
        "INBOX",
        "Archive",
        "Drafts",
        "Junk",
        "Lists",
        "Lists/python",
        "Projects",
        "Projects/2024",
        "Projects/2024/Q1",
        "Projects/2024/Q2",
        "Sent",
        "Trash",
    ]
    _, data = client.list('""', "Projects/%")
    assert data == [b'(\\HasChildren) "/" Projects/2024']
    assert client.rename("Projects", "Archive/Projects")[0] == "OK"
    _, data = client.list("Archive/", "*")
    assert data == [
        b'(\\HasChildren) "/" Archive/Projects',
        b'(\\HasChildren) "/" Archive/Projects/2024',
        b'(\\HasNoChildren) "/" Archive/Projects/2024/Q1',
        b'(\\HasNoChildren) "/" Archive/Projects/2024/Q2',
    ]
    assert client.delete("Archive/Projects/2024")[0] == "OK"  # keeps its children
    _, data = client.list("Archive/Projects/", "%")
    assert data == [b'(\\Noselect \\HasChildren) "/" Archive/Projects/2024']
    status, data = client.delete("Archive/Projects/2024")
    assert status == "NO" and data[0].startswith(b"[CANNOT]")
    for name in ("Archive/Projects/2024/Q1", "Archive/Projects/2024/Q2"):
        assert client.delete(name)[0] == "OK"
    for name in ("Archive/Projects/2024", "Archive/Projects", "Lists/python", "Lists"):
        assert client.delete(name)[0] == "OK"
    assert names(client) == ["INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"]
    status, data = client.delete("INBOX")
    assert (status, data[0][:8]) == ("NO", b"[CANNOT]")
    assert client.rename("Nope", "x")[1][0].startswith(b"[NONEXISTENT]")


def test_append_with_flags_and_date_is_fetched_back_byte_for_byte(mailtrap, imap):
    user = mailtrap.unique_address()
    client = imap(user, select=False)
    when = datetime(1994, 2, 7, 21, 52, 25, tzinfo=timezone(timedelta(hours=-8)))
    status, data = client.append("Drafts", r"(\Draft \Seen $Pending)", when, DRAFT)
    assert status == "OK"
    [name, validity, uid] = code(data)
    assert name == "APPENDUID" and uid == "1"
    client.select("Drafts")
    _, data = client.uid("FETCH", uid, "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
    [(head, body), _] = data
    assert body == DRAFT
    flags = imaplib.ParseFlags(head)
    assert set(flags) == {b"\\Draft", b"\\Seen", b"$Pending", b"\\Recent"}
    assert b'INTERNALDATE " 8-Feb-1994 05:52:25 +0000"' in head  # the same moment, in UTC
    assert b"RFC822.SIZE %d" % len(DRAFT) in head
    _, [validity_line] = client.status("Drafts", "(UIDVALIDITY)")
    assert validity_line.endswith(b"(UIDVALIDITY %s)" % validity.encode())
    # the appended message is a stored message: the Python API and the HTTP API see it
    [message] = mailtrap.mailbox(user, "Drafts").messages
    assert message.raw == DRAFT and message.subject == "draft \u00e9"
    with urllib.request.urlopen(
        f"{mailtrap.http_url}/api/v1/messages?mailbox={user}&folder=Drafts"
    ) as reply:
        listing = json.load(reply)
    assert [m["Subject"] for m in listing["messages"]] == ["draft \u00e9"]
    # ... and POP3 keeps reading INBOX only
    assert mailtrap.mailbox(user).messages == []
    pop = poplib.POP3(mailtrap.smtp_host, mailtrap.pop3_port, timeout=10)
    try:
        pop.user(user)
        pop.pass_("pw")
        assert pop.stat() == (0, 0)
    finally:
        pop.quit()


def test_append_to_a_missing_folder_says_trycreate(mailtrap, imap):
    client = imap(mailtrap.unique_address(), select=False)
    status, data = client.append("Outbox", None, None, DRAFT)
    assert status == "NO" and data[0].startswith(b"[TRYCREATE]")
    assert client.create("Outbox")[0] == "OK"
    assert client.append("Outbox", None, None, DRAFT)[0] == "OK"


def test_copy_hands_back_the_uids_of_the_copies(mailtrap, imap):
    user = mailtrap.unique_address()
    deliver(mailtrap, user, [b"n%d" % n for n in range(5)])
    client = imap(user)
    client.store("2", "+FLAGS", r"(\Flagged)")
    status, data = client.copy("2:4", "Archive")
    assert status == "OK"
    name, validity, sources, targets = code(data)
    assert (name, sources, targets) == ("COPYUID", "2:4", "1:3")
    client.select("Archive")
    _, data = client.uid("FETCH", "1:3", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    subjects = [part[1].strip() for part in data if isinstance(part, tuple)]
    assert subjects == [b"Subject: n1", b"Subject: n2", b"Subject: n3"]
    assert b"\\Flagged" in data[0][0]
    _, [status_line] = client.status("Archive", "(MESSAGES UIDVALIDITY)")
    assert status_line.endswith(b"(MESSAGES 3 UIDVALIDITY %s)" % validity.encode())
    # the copies are the same stored messages, in two folders
    assert len(mailtrap.messages(to=user)) == 5


def test_move_hands_back_the_uids_before_the_expunges(mailtrap, imap):
    user = mailtrap.unique_address()
    deliver(mailtrap, user, [b"m%d" % n for n in range(4)])
    client = imap(user)
    status, _ = client.xatom("UID", "MOVE", "2,4", "Trash")  # imaplib has no MOVE of its own
    assert status == "OK"
    _, [copyuid] = client.response("COPYUID")  # RFC 6851 4.3: in an untagged OK
    validity, sources, targets = copyuid.split()
    assert (sources, targets) == (b"2,4", b"1:2")
    assert client.response("EXPUNGE") == ("EXPUNGE", [b"2", b"3"])
    _, [line] = client.status("Trash", "(MESSAGES UIDVALIDITY)")
    assert line.endswith(b"(MESSAGES 2 UIDVALIDITY %s)" % validity)
    assert client.uid("SEARCH", "ALL") == ("OK", [b"1 3"])
    client.select("Trash")
    _, data = client.uid("FETCH", "1:2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert [part[1].strip() for part in data if isinstance(part, tuple)] == [
        b"Subject: m1",
        b"Subject: m3",
    ]
