"""Pruning (``--max-messages``) while a mail client has the mailbox open: IMAP hears an ordinary
EXPUNGE when RFC 3501 allows one, POP3 answers ``-ERR`` for the message that went, and neither
connection breaks. Real clients (imaplib, poplib) over loopback, on both backends."""

from __future__ import annotations

import contextlib
import imaplib
import poplib
import smtplib

import pytest

from mailtrap import MailTrap

BOB = "bob@example.com"


def send(trap: MailTrap, subject: str) -> None:
    raw = f"From: app@example.com\r\nTo: {BOB}\r\nSubject: {subject}\r\n\r\n{subject}\r\n"
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
        smtp.sendmail("app@example.com", [BOB], raw.encode())


def subjects(imap: imaplib.IMAP4) -> list[bytes]:
    status, data = imap.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert status == "OK"
    return [part[1].strip() for part in data if isinstance(part, tuple)]


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_pruned_mail_leaves_open_imap_and_pop3_sessions_working(tmp_path, backend):
    db = str(tmp_path / "mail.db") if backend == "sqlite" else None
    with MailTrap(db=db, max_messages=2) as trap:
        send(trap, "one")
        send(trap, "two")
        imap = imaplib.IMAP4(trap.smtp_host, trap.imap_port, timeout=5)
        pop = poplib.POP3(trap.smtp_host, trap.pop3_port, timeout=5)
        try:
            imap.login(BOB, "any")
            assert imap.select("INBOX") == ("OK", [b"2"])
            pop.user(BOB)
            pop.pass_("any")
            assert pop.stat()[0] == 2

            send(trap, "three")  # the store keeps two: "one" is pruned
            assert [m.subject for m in trap.messages()] == ["two", "three"]

            # RFC 3501 7.4.1: no EXPUNGE during FETCH; the pruned message's data is gone.
            status, _ = imap.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            assert status == "NO"
            assert "EXPUNGE" not in imap.untagged_responses
            assert imap.noop()[0] == "OK"  # now it may be told
            assert imap.untagged_responses.pop("EXPUNGE") == [b"1"]
            assert subjects(imap) == [b"Subject: two", b"Subject: three"]

            # POP3 has no way to say so (RFC 1939): the listing stays as at login, and the
            # message that went is refused while the others are read as usual.
            with pytest.raises(poplib.error_proto, match="deleted by another session"):
                pop.retr(1)
            assert b"two" in pop.retr(2)[1]
            assert pop.noop().startswith(b"+OK")
            assert pop.quit().startswith(b"+OK")
            assert imap.logout()[0] == "BYE"
        finally:
            pop.close()
            with contextlib.suppress(OSError):  # closed already by a logout that went through
                imap.shutdown()
