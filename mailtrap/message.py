"""Value types for captured mail: address normalisation and the compact per-message summary.

The summary is built once (on first read; see StoredMessage) from the header block alone, with the
standard library's fast ``compat32`` header parser and ``email.utils``/``email.header`` for
decoding; the full MIME view lives in :mod:`mailtrap.mime` and is built only on demand.
Decoding results are memoised by header value: tests send the same senders, recipients and
subjects again and again, so messages share the decoded objects (less time and memory per message).
"""

from __future__ import annotations

import re
from datetime import datetime
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from typing import NamedTuple

_HEADER_PARSER = BytesHeaderParser(policy=compat32)
_HEADER_END = re.compile(rb"\r?\n\r?\n")


class Address(NamedTuple):
    """A display name and an address, as found in a From/To/Cc header."""

    name: str
    address: str

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


@lru_cache(maxsize=4096)
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


@lru_cache(maxsize=4096)
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


@lru_cache(maxsize=1024)
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


@lru_cache(maxsize=1024)
def parse_addresses(values: tuple[str, ...] | None) -> tuple[Address, ...]:
    """Parse address header values into :class:`Address` tuples, decoding display names."""
    if not values:
        return ()
    result = []
    for name, addr in getaddresses(list(values)):
        if addr or name:
            result.append(Address(decode_words(name), addr))
    return tuple(result)


@lru_cache(maxsize=1024)
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


_WANTED = frozenset({"subject", "from", "to", "cc", "bcc", "reply-to", "date", "message-id"})


def _header_values(raw: bytes) -> dict[str, tuple[str, ...]]:
    """The wanted headers' values as text; 8-bit bytes are read as UTF-8 (RFC 6532 3.2)."""
    values: dict[str, tuple[str, ...]] = {}
    for name, value in _HEADER_PARSER.parsebytes(header_block(raw)).raw_items():
        key = name.lower()
        if key in _WANTED:
            text = value
            if not text.isascii():
                text = text.encode("ascii", "surrogateescape").decode("utf-8", "replace")
            values[key] = (*values.get(key, ()), text)
    return values


def summarize(raw: bytes) -> Summary:
    """Build the :class:`Summary` of a raw message from its header block; never raises."""
    headers = _header_values(raw)

    def first(name: str) -> str | None:
        found = headers.get(name)
        return found[0] if found else None

    from_ = parse_addresses(headers.get("from"))
    return Summary(
        subject=decode_words(first("subject")),
        from_=from_[0] if from_ else None,
        to=parse_addresses(headers.get("to")),
        cc=parse_addresses(headers.get("cc")),
        bcc=parse_addresses(headers.get("bcc")),
        reply_to=parse_addresses(headers.get("reply-to")),
        date=_parse_date(first("date")),
        message_id=(first("message-id") or "").strip(),
    )


#: The summary of a message with no header at all (what a reader shows for one that is gone).
EMPTY_SUMMARY = summarize(b"")
