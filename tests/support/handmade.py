"""Messages written by hand for the IMAP structure tests, and BODY/BODYSTRUCTURE shortcuts."""

from __future__ import annotations

from email.message import EmailMessage

from mailtrap.protocols.imap.structure import body_structure, message_structure

CRLF = b"\r\n"


def msg(*lines: str | bytes) -> bytes:
    """A message written by hand, one line per argument, CRLF line ends."""
    return b"".join((x.encode() if isinstance(x, str) else x) + CRLF for x in lines)


def bodystructure(raw: bytes) -> list:
    return body_structure(message_structure(raw), extensible=True)


def body(raw: bytes) -> list:
    return body_structure(message_structure(raw), extensible=False)


def email_message() -> EmailMessage:
    """A plain message from alice to bob, ready for set_content / add_attachment."""
    m = EmailMessage()
    m["From"] = "Alice <alice@example.com>"
    m["To"] = "bob@example.org"
    m["Subject"] = "Hello"
    return m
