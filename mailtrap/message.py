"""Value types for captured mail: address normalisation and the compact per-message summary.

The summary is built once (on first read; see StoredMessage) from the header block alone: the
fields it needs are found by one scan, then ``email.utils``/``email.header`` parse and decode
them; the full MIME view lives in :mod:`mailtrap.mime` and is built only on demand. Decoding
results are memoised by header value: tests send the same senders, recipients and subjects
again and again, so messages share the decoded objects (less time and memory per message).

Hostile headers cost bounded work and never raise. The summary looks for its fields in the
first :data:`HEADER_LIMIT` octets of the header block; it parses at most :data:`ADDRESS_LIMIT`
characters and :data:`MAX_ADDRESSES` addresses of an address field (From, To, Cc, Bcc,
Reply-To), cut at a comma: later addresses are left out of the summary (never out of the raw
message, the header view or the envelope filters); it decodes at most :data:`TEXT_LIMIT`
characters of any other field (a longer Subject is cut there). A value the address parser
cannot take (it recurses: 600 nested comments, ``a:a:a:...`` groups) is kept as raw text, the
name of an address-less :class:`Address`. Values longer than :data:`MEMO_LIMIT` are decoded
each time rather than memoised, so the memo caches stay small.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache, wraps
from typing import TYPE_CHECKING, TypeVar

from .record import Record

if TYPE_CHECKING:
    from email.message import Message

_HEADER_END = re.compile(rb"\r?\n\r?\n")

#: The most of the header block the summary looks through for its fields.
HEADER_LIMIT = 1024 * 1024
#: The most of an address field the summary parses (2,000 named recipients fit).
ADDRESS_LIMIT = 256 * 1024
#: The most addresses of one field the summary parses (each costs the parser ~10 us).
MAX_ADDRESSES = 2500
#: The most of any other field the summary decodes (RFC 2047 decoding is not linear).
TEXT_LIMIT = 16 * 1024
#: Longer values are not memoised (the caches hold 1024 values each).
MEMO_LIMIT = 1024

T = TypeVar("T")
R = TypeVar("R")


class Address(Record):
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


class Summary(Record):
    """What lists and filters need of a message, decoded once from its header block."""

    subject: str
    from_: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    bcc: tuple[Address, ...]
    reply_to: tuple[Address, ...]
    date: datetime | None
    message_id: str

    def __new__(
        cls,
        subject: str,
        from_: Address | None,
        to: tuple[Address, ...],
        cc: tuple[Address, ...],
        bcc: tuple[Address, ...],
        reply_to: tuple[Address, ...],
        date: datetime | None,
        message_id: str,
    ) -> Summary:  # one a message: no generic argument handling
        return tuple.__new__(cls, (subject, from_, to, cc, bcc, reply_to, date, message_id))


def _memoised(size: Callable[[T], int]) -> Callable[[Callable[[T], R]], Callable[[T], R]]:
    """An LRU cache of 1024 results for arguments whose ``size`` is at most MEMO_LIMIT."""

    def decorate(function: Callable[[T], R]) -> Callable[[T], R]:
        cached = lru_cache(maxsize=1024)(function)

        @wraps(function)
        def call(value: T) -> R:
            return cached(value) if size(value) <= MEMO_LIMIT else function(value)

        call.cache_info = cached.cache_info  # type: ignore[attr-defined]
        call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
        return call

    return decorate


def _length(value: str | None) -> int:
    return len(value) if value else 0


def _total(values: tuple[str, ...] | None) -> int:
    return sum(map(len, values)) if values else 0


@_memoised(_length)
def decode_words(value: str | None) -> str:
    """Decode RFC 2047 encoded words in a header value (its first TEXT_LIMIT characters, white
    space collapsed); never raises."""
    if not value:
        return ""
    if len(value) > TEXT_LIMIT:  # cut after a whole encoded word or at white space
        end = max(value.rfind("?=", 0, TEXT_LIMIT) + 2, value.rfind(" ", 0, TEXT_LIMIT))
        value = value[: end if end > 1 else TEXT_LIMIT]
    if "=?" not in value:
        return " ".join(value.split())
    try:
        return " ".join(str(make_header(decode_header(value))).split())
    except Exception:  # HeaderParseError, LookupError, UnicodeError, RecursionError, ...
        return " ".join(value.split())


def header_text(value: str) -> str:
    """A raw header value for display: 8-bit octets read as UTF-8 (RFC 6532 3.2), unfolded,
    RFC 2047 words decoded; at most ADDRESS_LIMIT characters (TEXT_LIMIT with encoded words)."""
    if not value.isascii():
        value = value.encode("ascii", "surrogateescape").decode("utf-8", "replace")
    if "=?" in value:
        return decode_words(value)
    return " ".join(value[:ADDRESS_LIMIT].split())


@_memoised(_total)
def parse_addresses(values: tuple[str, ...] | None) -> tuple[Address, ...]:
    """Parse address header values into :class:`Address` tuples, decoding display names.

    At most ADDRESS_LIMIT characters are parsed in all; never raises: a value the parser
    cannot take is kept as raw text (the name of an address-less :class:`Address`).
    """
    if not values:
        return ()
    result = []
    for value in _within(values, ADDRESS_LIMIT):
        try:
            pairs = getaddresses([value])
        except Exception:  # RecursionError on nested comments and groups
            result.append(Address(decode_words(value), ""))
            continue
        for name, addr in pairs:
            if addr or name:
                result.append(Address(decode_words(name), addr))
    return tuple(result)


def _within(values: tuple[str, ...], limit: int) -> list[str]:
    """``values`` up to ``limit`` characters and about MAX_ADDRESSES addresses in all (each
    value starts one, each comma another), cut at a comma."""
    kept: list[str] = []
    budget = MAX_ADDRESSES
    for value in values:
        end = len(value)
        if end > limit:
            end = value.rfind(",", 0, limit)
            end = end if end > 0 else limit
        budget -= 1
        comma = value.find(",", 0, end)
        while comma >= 0 and budget > 0:
            budget -= 1
            comma = value.find(",", comma + 1, end)
        if comma >= 0:  # the budget ran out: what follows this comma is left out
            end = comma
        kept.append(value[:end])
        limit -= end
        if end < len(value) or budget <= 0:
            break
    return kept


@_memoised(_length)
def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value[:TEXT_LIMIT])
    except Exception:
        return None


def header_block(raw: bytes) -> bytes:
    """The header block of a raw message (everything before the first blank line)."""
    if raw.startswith((b"\r\n", b"\n")):
        return b""
    match = _HEADER_END.search(raw)
    return raw[: match.end()] if match else raw


#: The fields the summary reads: a name at the start of a line, then the value with its
#: continuation lines (the header block holds no blank line, so these end at the next field).
_FIELD = re.compile(
    rb"^(subject|from|to|cc|bcc|reply-to|date|message-id):(.*(?:\r?\n[ \t].*)*)",
    re.IGNORECASE | re.MULTILINE,
)


def read_head(raw: bytes) -> Message:
    """The header block parsed on its own, for the body facts' single-part fast path; callers
    bound the block (:data:`HEADER_LIMIT`)."""
    return parse_head(header_block(raw))


def parse_head(block: bytes) -> Message:
    """A header block parsed by ``email``'s header-only parser (``compat32``, the fast one;
    loaded on first use: a message's list facts never need it)."""
    from email.parser import BytesHeaderParser  # compat32 is its default policy

    return BytesHeaderParser().parsebytes(block)


def _header_values(raw: bytes) -> dict[str, tuple[str, ...]]:
    """The wanted fields' values as text, each field's up to ADDRESS_LIMIT characters in all;
    8-bit bytes are read as UTF-8 (RFC 6532 3.2).

    Found by one regular-expression scan of the header block (RFC 5322 2.2: a field is a name,
    a colon and a value that continues on lines starting with white space), so the fields
    nobody asked for cost no Python-level work however many there are.
    """
    values: dict[str, list[str]] = {}
    room: dict[str, int] = {}
    for match in _FIELD.finditer(header_block(raw[:HEADER_LIMIT])):
        key = match.group(1).lower().decode("ascii")
        left = room.get(key, ADDRESS_LIMIT)
        if left <= 0:
            continue
        value = match.group(2)[: left + 1]  # one more than fits tells _within where to cut
        text = value.decode("ascii", "surrogateescape").strip()
        if not text.isascii():
            text = text.encode("ascii", "surrogateescape").decode("utf-8", "replace")
        values.setdefault(key, []).append(text)
        room[key] = left - len(value)
    return {key: tuple(found) for key, found in values.items()}


def summarize(raw: bytes) -> Summary:
    """Build the :class:`Summary` of a raw message from its header block; never raises.

    Bounded work whatever the headers hold: see the module's docstring for what is cut.
    """
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
        message_id=(first("message-id") or "")[:TEXT_LIMIT].strip(),
    )


#: The summary of a message with no header at all (what a reader shows for one that is gone).
EMPTY_SUMMARY = summarize(b"")
