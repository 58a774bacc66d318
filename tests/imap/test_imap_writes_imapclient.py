"""End to end with IMAPClient (its own modified UTF-7 codec and response parser): non-ASCII
folder trees, APPEND and MULTIAPPEND with their UIDs, COPY and MOVE with the UIDs they hand
back, and a first sync scripted the way a desktop client does it."""

from __future__ import annotations

import contextlib
import re
import smtplib
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

import pytest

imapclient = pytest.importorskip("imapclient")


def mail(to: str, subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Shop <shop@example.org>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '.')}@example.org>"
    message.set_content(f"{subject}\n")
    return message.as_bytes(policy=policy.SMTP)


def deliver(trap, to: str, *subjects: str) -> None:
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
        for subject in subjects:
            smtp.sendmail("shop@example.org", [to], mail(to, subject))
    trap.wait_for(count=len(subjects), to=to)


def response_code(text: bytes) -> list[bytes]:
    match = re.match(rb"\[([^\]]+)\]", text)
    assert match, text
    return match.group(1).split()


def test_non_ascii_folder_trees(mailtrap, connect):
    user = mailtrap.unique_address()
    client = connect(user)
    client.create_folder("Entwürfe/Geschäftlich")
    client.create_folder("日本語")
    client.create_folder("Ünïcödé & Co")
    listed = {name: flags for flags, _, name in client.list_folders()}
    assert {"Entwürfe", "Entwürfe/Geschäftlich", "日本語", "Ünïcödé & Co"} <= listed.keys()
    assert b"\\HasChildren" in listed["Entwürfe"]
    assert set(mailtrap.mailbox(user).folders) >= {"Entwürfe/Geschäftlich", "日本語"}
    client.rename_folder("Entwürfe", "Vorlagen")
    assert "Vorlagen/Geschäftlich" in [name for _, _, name in client.list_folders()]
    client.select_folder("Vorlagen/Geschäftlich")
    client.unselect_folder()
    client.delete_folder("Vorlagen/Geschäftlich")
    client.delete_folder("Vorlagen")
    client.delete_folder("日本語")
    remaining = [name for _, _, name in client.list_folders()]
    assert remaining == ["INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash", "Ünïcödé & Co"]
    with pytest.raises(imapclient.exceptions.IMAPClientError, match="ALREADYEXISTS"):
        client.create_folder("Ünïcödé & Co")


def test_append_and_multiappend_hand_back_uids(mailtrap, connect):
    user = mailtrap.unique_address()
    client = connect(user)
    when = datetime(2024, 5, 17, 9, 30, tzinfo=UTC)
    reply = client.append("Sent", mail(user, "sent one"), flags=[b"\\Seen"], msg_time=when)
    name, validity, uid = response_code(reply)
    assert (name, uid) == (b"APPENDUID", b"1")
    _, [reply] = client.multiappend(
        "Sent",
        [
            {"msg": mail(user, "sent two"), "flags": [b"\\Seen", b"$Forwarded"]},
            mail(user, "sent three"),
        ],
    )
    assert response_code(reply) == [b"APPENDUID", validity, b"2:3"]
    info = client.select_folder("Sent")
    assert info[b"UIDVALIDITY"] == int(validity) and info[b"EXISTS"] == 3
    fetched = client.fetch([1, 2, 3], ["FLAGS", "INTERNALDATE", "BODY.PEEK[]"])
    assert fetched[1][b"INTERNALDATE"].astimezone(UTC) == when
    assert set(fetched[2][b"FLAGS"]) == {b"\\Seen", b"$Forwarded", b"\\Recent"}
    assert fetched[3][b"BODY[]"] == mail(user, "sent three")
    assert [m.subject for m in mailtrap.mailbox(user, "Sent").messages] == [
        "sent one",
        "sent two",
        "sent three",
    ]


def test_copy_and_move(mailtrap, connect):
    # (IMAPClient keeps COPYUID to itself; test_imap_writes_imaplib.py checks those UIDs.)
    user = mailtrap.unique_address()
    deliver(mailtrap, user, "a", "b", "c", "d")
    client = connect(user)
    client.select_folder("INBOX")
    client.copy([2, 3], "Archive")
    client.move([1, 4], "Trash")  # IMAPClient uses MOVE when offered
    assert client.search() == [2, 3]
    client.select_folder("Trash")
    subjects = client.fetch([1, 2], ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    assert [d[b"BODY[HEADER.FIELDS (SUBJECT)]"].strip() for d in subjects.values()] == [
        b"Subject: a",
        b"Subject: d",
    ]
    client.select_folder("Archive")
    assert client.search() == [1, 2]
    client.add_flags([1], [b"\\Deleted"])
    client.uid_expunge([1])
    assert client.search() == [2]
    assert len(mailtrap.messages(to=user)) == 4  # a copy is a link; b's last copy is in INBOX


def test_desktop_client_first_sync(mailtrap, connect):
    """What Thunderbird-like clients send on first connect, in order."""
    user = mailtrap.unique_address()
    deliver(mailtrap, user, "welcome", "your order", "newsletter")
    client = imapclient.IMAPClient(
        mailtrap.smtp_host, port=mailtrap.imap_port, ssl=False, timeout=10
    )
    try:
        capabilities = client.capabilities()
        assert {b"IMAP4REV1", b"IDLE", b"MOVE", b"UIDPLUS", b"SPECIAL-USE", b"NAMESPACE"} <= set(
            capabilities
        )
        client.login(user, "secret")
        [server_id] = client.id_({"name": "Desktop", "version": "128.0"})
        assert dict(zip(server_id[::2], server_id[1::2], strict=True))[b"name"] == b"mailtrap"
        assert client.namespace().personal == (("", "/"),)
        folders = client.list_folders()
        subscribed = [name for _, _, name in client.list_sub_folders()]
        assert subscribed == ["INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"]
        special = {client.find_special_folder(f) for f in (b"\\Sent", b"\\Trash", b"\\Drafts")}
        assert special == {"Sent", "Trash", "Drafts"}
        statuses = {
            name: client.folder_status(name, ["MESSAGES", "UNSEEN", "RECENT", "UIDNEXT"])
            for flags, _, name in folders
            if b"\\Noselect" not in flags
        }
        assert statuses["INBOX"] == {b"MESSAGES": 3, b"UNSEEN": 3, b"RECENT": 3, b"UIDNEXT": 4}
        assert all(s[b"MESSAGES"] == 0 for name, s in statuses.items() if name != "INBOX")
        info = client.select_folder("INBOX")
        assert (info[b"EXISTS"], info[b"RECENT"]) == (3, 3)
        everything = client.search()
        flags = client.fetch(everything, ["UID", "FLAGS"])
        assert sorted(flags) == [1, 2, 3]
        headers = client.fetch(
            everything,
            [
                "UID",
                "RFC822.SIZE",
                "FLAGS",
                "BODY.PEEK[HEADER.FIELDS (FROM TO CC BCC SUBJECT DATE MESSAGE-ID"
                " PRIORITY X-PRIORITY REFERENCES NEWSGROUPS IN-REPLY-TO CONTENT-TYPE REPLY-TO)]",
            ],
        )
        subjects = [
            next(v for k, v in data.items() if k.startswith(b"BODY[HEADER"))
            for data in headers.values()
        ]
        assert [s.split(b"Subject: ")[1].split(b"\r\n")[0] for s in subjects] == [
            b"welcome",
            b"your order",
            b"newsletter",
        ]
        # the user answers "your order": the sent copy goes to Sent
        reply = mail("shop@example.org", "Re: your order")
        appended = client.append("Sent", reply, flags=[b"\\Seen"])
        assert response_code(appended)[0] == b"APPENDUID"
        client.add_flags([2], [b"\\Answered", b"\\Seen"])
        # ... and deletes the newsletter: moved to Trash, then expunged from INBOX
        client.move([3], "Trash")
        client.expunge()
        assert client.search() == [1, 2]
        assert client.folder_status("Trash", ["MESSAGES"])[b"MESSAGES"] == 1
        assert client.folder_status("Sent", ["MESSAGES"])[b"MESSAGES"] == 1
        client.logout()
    finally:
        with contextlib.suppress(OSError):
            client.shutdown()
    assert [m.subject for m in mailtrap.mailbox(user, "Sent").messages] == ["Re: your order"]
    assert [m.subject for m in mailtrap.mailbox(user, "Trash").messages] == ["newsletter"]
    inbox = mailtrap.mailbox(user).messages
    assert [m.subject for m in inbox] == ["welcome", "your order"]
