"""What the replays of RFC 3501's examples (tests/imap/test_rfc3501_*.py) share: the
account they speak as, and the state the examples imply.

Each test sets up the state the example implies (the messages, flags, folders and other
sessions it speaks of), then replays the RFC's lines with tests/support/imap_replay.py, which
compares by meaning where RFC 3501 leaves the server free (texts, the order of SELECT's
responses, added response codes). Where our server differs for a reason of its own, the
example's line is kept in a comment above the line it is replaced with:
- hierarchy examples written with "." use "/", our one delimiter (as 6.3.3's note allows);
- values only a given server has (UIDVALIDITY, capability lists) are this server's;
- examples of features we do not offer (GSSAPI, XPIG-LATIN, ALERT, disk-full warnings,
  PREAUTH) check the answer RFC 3501 asks for instead, and say so.
"""

from __future__ import annotations

from mailtrap.store import MailboxId, MemoryStore

USER = "bob@example.com"
OWN = {b"INBOX", b"Archive", b"Drafts", b"Junk", b"Sent", b"Trash"}
#: The message of RFC 3501 6.3.11's APPEND example, with CRLF line ends.
APPENDED = (
    b"Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n"
    b"From: Fred Foobar <foobar@Blurdybloop.COM>\r\n"
    b"Subject: afternoon meeting\r\n"
    b"To: mooch@owatagu.siam.edu\r\n"
    b"Message-Id: <B27397-0100000@Blurdybloop.COM>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
    b"\r\n"
    b"Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n"
)


def own_folders(response: bytes) -> bool:
    """The account's own folders, which the examples' accounts do not have."""
    return response.startswith((b"* LIST ", b"* LSUB ")) and response.split()[-1] in OWN


def fill(store: MemoryStore, count: int, folder: str = "INBOX", **headers: bytes) -> None:
    for n in range(1, count + 1):
        raw = b"From: %s\r\nSubject: message %d\r\n\r\nbody %d\r\n" % (
            headers.get("sender", b"Jones <jones@example.org>"),
            n,
            n,
        )
        if folder == "INBOX":
            store.deliver("a@example.org", [USER], raw)
        else:
            store.append(MailboxId(USER, folder), raw)


def claim(client, folder: str = "INBOX") -> None:
    """Another session selects the folder, so what is in it now is not recent for us."""
    client().select(mailbox=folder).ok("z LOGOUT")


def validity(store, folder: str = "INBOX") -> int:
    return store.folder(MailboxId(USER, folder)).uidvalidity
