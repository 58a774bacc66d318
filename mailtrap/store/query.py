"""The one filter model every front-end queries the store with, and how a term is decided.

A :class:`Filter` is a conjunction of terms over one mailbox (or every stored message once).
The Python API's ``to=``/``sender=``/``subject=``, the HTTP API's search syntax and the parts of
IMAP SEARCH that are about a message's content all become these terms; the backend runs them
(``store.query``). Terms that need only the record are decided first; terms on the message's
text use its :class:`~.searchdoc.SearchDoc`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from ..message import mailbox_key
from .model import MailboxId, MessageRecord
from .searchdoc import SearchDoc


class Field(Enum):
    """Which text of a message a :class:`Contains` term looks in."""

    SUBJECT = "subject"
    #: the header fields (addresses as "Name <address>", one per line)
    FROM = "from"
    TO = "to"
    CC = "cc"
    BCC = "bcc"
    REPLY_TO = "reply-to"
    MESSAGE_ID = "message-id"
    #: the envelope: SMTP's MAIL FROM, and its RCPT TOs (one per line)
    MAIL_FROM = "mail-from"
    RCPT_TO = "rcpt-to"
    #: every address: the five address headers and the envelope
    ADDRESSED = "addressed"
    #: the body text (or the HTML's visible text) and attachment file names
    BODY = "body"
    #: free text: subject, every address and the body
    TEXT = "text"


def field_text(field: Field, record: MessageRecord, doc: SearchDoc) -> str:
    """The case-folded text of one field of a message."""
    index = _DOC_INDEX.get(field)
    if index is not None:
        return doc[index]
    if field is Field.MAIL_FROM:
        return record.mail_from.casefold()
    if field is Field.RCPT_TO:
        return "\n".join(record.rcpt_tos).casefold()
    addressed = (
        "\n".join((doc.from_, record.mail_from.casefold(), doc.to, doc.cc, doc.bcc, doc.reply_to))
        + "\n"
        + "\n".join(record.rcpt_tos).casefold()
    )
    if field is Field.ADDRESSED:
        return addressed
    return f"{doc.subject}\n{addressed}\n{doc.body}"


_DOC_INDEX = {
    Field.SUBJECT: 0,
    Field.FROM: 1,
    Field.TO: 2,
    Field.CC: 3,
    Field.BCC: 4,
    Field.REPLY_TO: 5,
    Field.MESSAGE_ID: 6,
    Field.BODY: 7,
}


@dataclass(frozen=True, slots=True)
class Contains:
    """A case-insensitive substring of one field (Mailpit's ``LIKE``; IMAP's SUBJECT, BODY ...)."""

    field: Field
    needle: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "needle", self.needle.casefold())


@dataclass(frozen=True, slots=True)
class Recipient:
    """An envelope recipient, compared as a whole address (the Python API's ``to=``)."""

    address: str


@dataclass(frozen=True, slots=True)
class Sender:
    """The envelope sender or the From address, as a whole address (``sender=``)."""

    address: str


@dataclass(frozen=True, slots=True)
class Read:
    """\\Seen in the filter's mailbox, or in every mailbox holding the message."""

    read: bool


@dataclass(frozen=True, slots=True)
class Received:
    """Received at or after ``after`` and at or before ``before`` (timestamps)."""

    after: float | None = None
    before: float | None = None


@dataclass(frozen=True, slots=True)
class Size:
    """Larger than ``larger`` and smaller than ``smaller`` octets (raw size)."""

    larger: int | None = None
    smaller: int | None = None


@dataclass(frozen=True, slots=True)
class Has:
    """Has at least one attachment (``kind="attachment"``) or inline part (``"inline"``)."""

    kind: str


@dataclass(frozen=True, slots=True)
class Nothing:
    """Matches no message (``is:tagged`` and ``tag:`` while mailtrap has no tags)."""


@dataclass(frozen=True, slots=True)
class Not:
    term: Term


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one of the terms holds."""

    terms: tuple[Term, ...]


Term = Contains | Recipient | Sender | Read | Received | Size | Has | Nothing | Not | AnyOf


@dataclass(frozen=True, slots=True)
class Filter:
    """Every term must hold. ``mailbox`` limits the query to one folder (and makes read state
    that folder's); ``after_seq`` to messages that arrived after that sequence number."""

    terms: tuple[Term, ...] = ()
    mailbox: MailboxId | None = None
    after_seq: int = 0
    newest_first: bool = False

    def needs_docs(self) -> bool:
        return any(needs_doc(term) for term in self.terms)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a query's answer and its counts."""

    #: how many messages matched, and how many of those are unread
    total: int
    unread: int
    messages: list[MessageRecord]


def needs_doc(term: Term) -> bool:
    if isinstance(term, Not):
        return needs_doc(term.term)
    if isinstance(term, AnyOf):
        return any(needs_doc(t) for t in term.terms)
    if isinstance(term, Contains):
        return term.field not in (Field.MAIL_FROM, Field.RCPT_TO)
    return isinstance(term, Has | Sender)


def recipient(address: str) -> Recipient:
    return Recipient(mailbox_key(address))


def sender(address: str) -> Sender:
    return Sender(mailbox_key(address))


class Candidate:
    """One message under test: its record and read state, and its document when asked for.

    A backend subclasses it to give the document (and, optionally, a cheaper pre-test).
    """

    __slots__ = ("read", "record")

    def __init__(self, record: MessageRecord, read: bool) -> None:
        self.record = record
        self.read = read

    @property
    def doc(self) -> SearchDoc:
        raise NotImplementedError

    def may_contain(self, needle: str) -> bool:
        """False only when no field of the document can contain ``needle``."""
        return True


def run(
    terms: tuple[Term, ...], candidates: Iterable[Candidate], start: int, limit: int | None
) -> Page:
    """Decide ``terms`` (ordered) for every candidate, in order; one page and the counts."""
    total = unread = 0
    page: list[MessageRecord] = []
    end = None if limit is None else start + limit
    for candidate in candidates:
        if all(holds(term, candidate) for term in terms):
            if (end is None or total < end) and total >= start:
                page.append(candidate.record)
            total += 1
            unread += not candidate.read
    return Page(total, unread, page)


def holds(term: Term, candidate: Candidate) -> bool:
    """Whether ``term`` holds for the candidate message."""
    record = candidate.record
    if isinstance(term, Contains):
        field, needle = term.field, term.needle
        if field in _ENVELOPE_FIELDS and needle in _envelope(record):
            return True
        if field is Field.MAIL_FROM:
            return needle in record.mail_from.casefold()
        if field is Field.RCPT_TO:
            return needle in "\n".join(record.rcpt_tos).casefold()
        if not candidate.may_contain(needle):  # a pre-test on the bytes, for the document part
            return False
        return needle in field_text(field, record, candidate.doc)
    if isinstance(term, Not):
        return not holds(term.term, candidate)
    if isinstance(term, AnyOf):
        return any(holds(t, candidate) for t in term.terms)
    if isinstance(term, Recipient):
        return any(mailbox_key(r) == term.address for r in record.rcpt_tos)
    if isinstance(term, Sender):
        return mailbox_key(record.mail_from) == term.address or (
            candidate.doc.from_address == term.address
        )
    if isinstance(term, Read):
        return candidate.read == term.read
    if isinstance(term, Received):
        return (term.after is None or record.received >= term.after) and (
            term.before is None or record.received <= term.before
        )
    if isinstance(term, Size):
        return (term.larger is None or record.size > term.larger) and (
            term.smaller is None or record.size < term.smaller
        )
    if isinstance(term, Has):
        doc = candidate.doc
        return (doc.attachments if term.kind == "attachment" else doc.inline) > 0
    return False  # Nothing


#: Fields that take in the envelope addresses, which a message's bytes need not contain.
_ENVELOPE_FIELDS = frozenset({Field.ADDRESSED, Field.TEXT})


def _envelope(record: MessageRecord) -> str:
    return "\n".join((record.mail_from, *record.rcpt_tos)).casefold()


def ordered(terms: tuple[Term, ...]) -> tuple[Term, ...]:
    """Cheap terms first: those deciding on the record alone, then those needing the text."""
    return tuple(sorted(terms, key=needs_doc))
