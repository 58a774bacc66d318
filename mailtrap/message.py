"""Value types for captured mail: address normalisation and the compact per-message summary.

The summary is built once, at delivery, from the header block alone (never the body), with the
standard library's fast ``compat32`` header parser and ``email.utils``/``email.header`` for
decoding; the full MIME view lives in :mod:`mailtrap.mime` and is built only on demand.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from typing import NamedTuple

_HEADER_PARSER = BytesHeaderParser(policy=compat32)
_HEADER_END = re.compile(rb"\r?\n\r?\n")


class Address(NamedTuple):
    """A display name and an address, as found in a From/To/Cc header."""

    name: str
    address: str

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


def normalize_address(address: str) -> str:
    """Return the canonical form of an envelope address.

    Surrounding white space and angle brackets go, the domain is lower-cased, and the local
    part is kept as written (RFC 5321 2.4: only the receiving host may interpret its case).
    Mailbox look-ups compare the result case-insensitively with :func:`mailbox_key`.
    """
    address = address.strip()
    if address.startswith("<") and address.endswith(">"):
        address = address[1:-1].strip()
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    return f"{local}@{domain.lower()}"


def mailbox_key(address: str) -> str:
    """The case-insensitive look-up key of an address (see :func:`normalize_address`)."""
    return normalize_address(address).casefold()


class Summary(NamedTuple):
    """What lists and filters need of a message, decoded once from its header block."""

    subject: str
    from_: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    bcc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime | None
    message_id: str


def decode_words(value: str | None) -> str:
    """Decode RFC 2047 encoded words in a header value; never raises."""
    if not value:
        return ""
    if "=?" not in value:
        return " ".join(value.split())
    try:
        return " ".join(str(make_header(decode_header(value))).split())
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return " ".join(value.split())


def parse_addresses(values: list[str] | None) -> tuple[Address, ...]:
    """Parse address header values into :class:`Address` tuples, decoding display names."""
    if not values:
        return ()
    values = [str(v) for v in values]
    result = []
    for name, addr in getaddresses(values):
        if addr or name:
            result.append(Address(decode_words(name), addr))
    return tuple(result)


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None


def header_block(raw: bytes) -> bytes:
    """The header block of a raw message (everything before the first blank line)."""
    if raw.startswith((b"\r\n", b"\n")):
        return b""
    match = _HEADER_END.search(raw)
    return raw[: match.end()] if match else raw


def summarize(raw: bytes) -> Summary:
    """Build the :class:`Summary` of a raw message from its header block; never raises."""
    headers = _HEADER_PARSER.parsebytes(header_block(raw))
    from_ = parse_addresses(headers.get_all("from"))
    return Summary(
        subject=decode_words(headers.get("subject")),
        from_=from_[0] if from_ else None,
        to=parse_addresses(headers.get_all("to")),
        cc=parse_addresses(headers.get_all("cc")),
        bcc=parse_addresses(headers.get_all("bcc")),
        reply_to=parse_addresses(headers.get_all("reply-to")),
        date=_parse_date(headers.get("date")),
        message_id=str(headers.get("message-id", "")).strip(),
    )
