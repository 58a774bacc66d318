"""The search document of a message: what lists and searches need, derived once from its bytes.

Built from the header summary and the body facts, with every searchable field case-folded, so a
search is a substring test per field. The store keeps one per message (built by its indexer,
off the SMTP path and the event loop, or on first need) and forgets it with the message.

:func:`may_contain` is the cheap test a search uses on messages not indexed yet: for a plain
ASCII message it says for sure when a needle is absent, without building the document.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..message import Address, Summary, mailbox_key
from ..record import Record
from .model import MessageRecord

if TYPE_CHECKING:
    from ..facts import Facts


class SearchDoc(Record):
    """A message's searchable text (case-folded) and its list-row facts.

    ``text`` holds every field in :data:`FIELDS` order, each ended by a NUL (which no field
    holds and no needle can), so a search is one ``str.find`` over a field's range.
    """

    text: str
    snippet: str
    attachments: int
    inline: int
    #: the Date header as a timestamp, or None
    sent: float | None
    #: the From address's look-up key (``mailbox_key``), or ""
    from_address: str
    #: False when the body was longer than :data:`BODY_LIMIT` and ``text`` holds its start: a
    #: search that misses there reads the whole body (through the store's byte-bounded cache)
    complete: bool = True

    def __new__(
        cls,
        text: str,
        snippet: str,
        attachments: int,
        inline: int,
        sent: float | None,
        from_address: str,
        complete: bool = True,
    ) -> SearchDoc:  # one a message: no generic argument handling
        return tuple.__new__(
            cls, (text, snippet, attachments, inline, sent, from_address, complete)
        )


#: How much of a body's text a document keeps (characters): an index the size of the mail
#: itself would double what big messages cost, for words tests rarely look for.
BODY_LIMIT = 256 * 1024

#: The fields of ``SearchDoc.text``, in order: free text is everything after the Message-ID,
#: the addresses are everything between the subject and the body.
FIELDS = (
    "message-id",
    "subject",
    "from",
    "mail-from",
    "to",
    "cc",
    "bcc",
    "rcpt-to",
    "reply-to",
    "body",
)
SEPARATOR = "\0"

#: The document of a message that is gone.
NO_DOC = SearchDoc(SEPARATOR * len(FIELDS), "", 0, 0, None, "")


def _names(values: tuple[Address, ...] | list[Address]) -> str:
    return "\n".join(str(a) for a in values)


def build_doc(record: MessageRecord, raw: bytes, summary: Summary) -> SearchDoc:
    """The search document of one message; never raises."""
    # The body facts (and the MIME view, html.parser) load with the first document, not with
    # ``import mailtrap``.
    from ..facts import facts_of

    facts: Facts = facts_of(raw)
    fields = (
        summary.message_id,
        summary.subject,
        _names([summary.from_] if summary.from_ else []),
        record.mail_from,
        _names(summary.to),
        _names(summary.cc),
        _names(summary.bcc),
        "\n".join(record.rcpt_tos),
        _names(summary.reply_to),
    )
    head = "".join(f"{value.replace(SEPARATOR, ' ')}{SEPARATOR}" for value in fields).casefold()
    # The body's text comes case-folded: joined as it is, a long body is copied once.
    body = facts.text
    complete = len(body) <= BODY_LIMIT
    if not complete:
        body = body[:BODY_LIMIT]
    text = "".join((head, body.replace(SEPARATOR, " "), SEPARATOR))
    return SearchDoc(
        text=text,
        snippet=facts.snippet,
        attachments=facts.attachments,
        inline=facts.inline,
        sent=summary.date.timestamp() if summary.date is not None else None,
        from_address=mailbox_key(summary.from_.address) if summary.from_ else "",
        complete=complete,
    )


def doc_size(doc: SearchDoc) -> int:
    """The bytes a document holds (its address key is shared; for the benchmarks' figures)."""
    return sys.getsizeof(doc) + sys.getsizeof(doc.text) + sys.getsizeof(doc.snippet)


# -- the pre-test for messages not indexed yet ------------------------------------------------

#: Needles with these may match a document's normalised text but not the raw bytes (folded
#: white space, "name <address>" formatting, quotes dropped from display names). Compiled on
#: first use (``re`` caches it): only a search needs it.
_UNSAFE_NEEDLE = r"[\s<>\"\\,;:()]"


#: What a transfer encoding or a content type must (not) be for the bytes to be the text.
_ENCODED_BODY = rb"[ \t]*(?:quoted-printable|base64)"
_PLAIN_TYPE = rb"[ \t]*text/plain\b"


def is_plain(raw: bytes) -> bool:
    """True when every document field of the message appears in its lower-cased bytes: ASCII,
    with no encoded word (``=?``), no line starting a quoted-printable or base64 transfer
    encoding, and no line starting a content type other than text/plain.

    Every SQLite delivery asks this, so it finds the header names with ``bytes.find`` and
    matches only what follows them (one pattern of alternatives, tried at every octet, cost
    ten times more)."""
    if not raw.isascii():
        return False
    text = raw.lower()
    if b"=?" in text:
        return False
    if b"content-t" not in text:  # neither header: most test mail
        return True
    encoded = re.compile(_ENCODED_BODY).match
    if any(encoded(text, at) for at in _after_line_starts(text, b"content-transfer-encoding:")):
        return False
    plain_type = re.compile(_PLAIN_TYPE).match
    return all(plain_type(text, at) for at in _after_line_starts(text, b"content-type:"))


def _after_line_starts(text: bytes, name: bytes) -> Iterator[int]:
    """The offsets just past ``name`` wherever a line starts with it."""
    if text.startswith(name):
        yield len(name)
    at = text.find(b"\n" + name)
    while at >= 0:
        yield at + 1 + len(name)
        at = text.find(b"\n" + name, at + 1)


def safe_needle(needle: str) -> bytes | None:
    """The needle as bytes when :func:`may_contain` can decide on it, else None."""
    if not needle.isascii() or re.search(_UNSAFE_NEEDLE, needle):
        return None
    return needle.encode("ascii")


def may_contain(needle: bytes, raw: bytes, record: MessageRecord) -> bool:
    """False only when no field of a plain message's document can contain ``needle``.

    ``raw`` must be plain (:func:`is_plain`); the envelope is in the document too.
    """
    if needle in raw.lower():
        return True
    envelope = "\n".join((record.mail_from, *record.rcpt_tos)).casefold()
    return needle.decode("ascii") in envelope
