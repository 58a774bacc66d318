"""Messages written by hand for the IMAP structure tests, and BODY/BODYSTRUCTURE shortcuts."""

from __future__ import annotations

import random
from collections.abc import Iterator
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


def rich_message() -> bytes:
    """The fuzz tests' seed: quoted names, a comment and groups among the addresses, an encoded
    subject, a language list, text and HTML alternatives, an attachment of NULs, and a forwarded
    message."""
    inner = EmailMessage()
    inner["Subject"] = "inner"
    inner.set_content("inner body\n")
    m = EmailMessage()
    m["From"] = '"Doe, J." <j@example.com>, (comment) x@y'
    m["To"] = "G: b@example.com, c@example.com;, d@example.com"
    m["Cc"] = "undisclosed-recipients:;"
    m["Subject"] = "Grüße"
    m.set_content("plain\n")
    m.add_alternative("<p>html</p>\n", subtype="html")
    m.add_attachment(b"\x00" * 50, maintype="application", subtype="octet-stream", filename="f")
    m.add_attachment(inner)
    m["Content-Language"] = "en, fr"
    return bytes(m)


def corruptions(raw: bytes, seed: int, count: int) -> Iterator[bytes]:
    """``count`` copies of ``raw``, each with one to eight octets overwritten by a special."""
    rng = random.Random(seed)
    specials = b'\r\n\0:;<>@"()-= \t\x80\xff'
    for _ in range(count):
        mutated = bytearray(raw)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.choice(specials)
        yield bytes(mutated)
