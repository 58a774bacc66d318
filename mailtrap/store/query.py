"""The one filter model every front-end queries the store with, and how its terms are decided.

A :class:`Filter` is a conjunction of terms over one mailbox (or every stored message once).
Terms and filters are records (``mailtrap.record``), told apart by their type (never compare
terms of different types by value): every wait and search builds some, and a dataclass costs
far more to define.
The Python API's ``to=``/``sender=``/``subject=``, the HTTP API's search syntax and the parts of
IMAP SEARCH that are about a message's content all become these terms; the backend runs them
(``store.query``). :func:`compile_terms` turns terms into one test per message, cheap terms
first; a backend supplies how to reach a message's record and search document.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, Protocol

from ..message import mailbox_key
from ..record import Record
from ..tags import tag_key
from .model import MailboxId, MessageRecord
from .searchdoc import FIELDS, SEPARATOR, SearchDoc

#: A query scanning this many messages (minus one, a power of two) hands over the interpreter.
YIELD_EVERY = 1023


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


_FIRST = {name: FIELDS.index(name) for name in FIELDS}
#: (first field, last field) of each searchable range of ``SearchDoc.text``.
_RANGES = {
    **{Field(name): (index, index) for name, index in _FIRST.items()},
    Field.ADDRESSED: (_FIRST["from"], _FIRST["reply-to"]),
    Field.TEXT: (_FIRST["subject"], _FIRST["body"]),
}


_LAST = len(FIELDS) - 1


def field_range(field: Field, text: str) -> tuple[int, int]:
    """Where one field (or range of fields) is in a document's text."""
    return _range(*_RANGES[field], text)


def _range(first: int, last: int, text: str) -> tuple[int, int]:
    if first == _LAST:  # the body, which is long: its start found from the back
        return text.rindex(SEPARATOR, 0, len(text) - 1) + 1, len(text) - 1
    start = 0
    for _ in range(first):
        start = text.index(SEPARATOR, start) + 1
    if last == _LAST:
        return start, len(text) - 1
    end = start
    for _ in range(last - first + 1):
        end = text.index(SEPARATOR, end) + 1
    return start, end - 1


def field_text(field: Field, doc: SearchDoc) -> str:
    start, end = field_range(field, doc.text)
    return doc.text[start:end]


class Contains(Record):
    """A case-insensitive substring of one field (Mailpit's ``LIKE``; IMAP's SUBJECT, BODY ...)."""

    field: Field
    needle: str

    def __new__(cls, field: Field, needle: str) -> Contains:
        return tuple.__new__(cls, (field, needle.casefold().replace(SEPARATOR, " ")))


class Recipient(Record):
    """An envelope recipient, compared as a whole address (the Python API's ``to=``)."""

    address: str


class Sender(Record):
    """The envelope sender or the From address, as a whole address (``sender=``)."""

    address: str


class Read(Record):
    """\\Seen in the filter's mailbox, or in every mailbox holding the message."""

    read: bool


class Received(Record):
    """Received at or after ``after`` and at or before ``before`` (timestamps)."""

    after: float | None = None
    before: float | None = None


class Size(Record):
    """Larger than ``larger`` and smaller than ``smaller`` octets (raw size)."""

    larger: int | None = None
    smaller: int | None = None


class Has(Record):
    """Has at least one attachment (``kind="attachment"``) or inline part (``"inline"``)."""

    kind: str


class Tagged(Record):
    """Carries the tag ``name`` (compared case-insensitively), or any tag when ``name`` is None."""

    name: str | None = None


class Not(Record):
    term: Term


class AnyOf(Record):
    """At least one of the terms holds."""

    terms: tuple[Term, ...]


Term = Contains | Recipient | Sender | Read | Received | Size | Has | Tagged | Not | AnyOf


class Filter(Record):
    """Every term must hold. ``mailbox`` limits the query to one folder (and makes read state
    that folder's); ``after_seq`` to messages that arrived after that sequence number."""

    terms: tuple[Term, ...] = ()
    mailbox: MailboxId | None = None
    after_seq: int = 0
    newest_first: bool = False


class Page(Record):
    """One page of a query's answer and its counts."""

    #: how many messages matched, and how many of those are unread
    total: int
    unread: int
    messages: list[MessageRecord]
    #: with a mailbox: each message's UID there, in the same order (IMAP SEARCH needs no more)
    uids: list[int] | tuple[()] = ()


def recipient(address: str) -> Recipient:
    return Recipient(mailbox_key(address))


def sender(address: str) -> Sender:
    return Sender(mailbox_key(address))


def needs_doc(term: Term) -> bool:
    """True when deciding the term needs the message's text, not just its record."""
    if isinstance(term, Not):
        return needs_doc(term.term)
    if isinstance(term, AnyOf):
        return any(needs_doc(t) for t in term.terms)
    return isinstance(term, Contains | Has | Sender)


# -- deciding terms -----------------------------------------------------------------------------


class Access(Protocol):
    """How compiled terms reach a backend's message (``item``)."""

    def record(self, item: Any) -> MessageRecord: ...

    def tags(self, item: Any) -> tuple[str, ...]:
        """The message's tags."""
        ...

    def doc(self, item: Any) -> SearchDoc:
        """The message's document, built now if needed."""
        ...

    def indexed(self, item: Any) -> SearchDoc | None:
        """The document if it is already built, else None."""
        ...

    def may_contain(self, item: Any, needle: str) -> bool:
        """False only when the message's document cannot contain ``needle`` (a cheap test on
        a message not indexed yet)."""
        ...

    def body(self, item: Any) -> str:
        """The whole body text, case-folded (for documents that keep only its start)."""
        ...


#: A compiled filter: (item, seen) -> whether every term holds.
Test = Callable[[Any, bool], bool]


def compile_terms(terms: tuple[Term, ...], access: Access) -> Test:
    """One test for a conjunction of terms; terms deciding on the record alone come first."""
    tests = [_compile(term, access) for term in sorted(terms, key=needs_doc)]
    if not tests:
        return lambda _item, _seen: True
    if len(tests) == 1:
        return tests[0]
    return lambda item, seen: all(test(item, seen) for test in tests)


def _compile(term: Term, access: Access) -> Test:
    if isinstance(term, Contains):
        return _contains(term, access)
    if isinstance(term, Not):
        inner = _compile(term.term, access)
        return lambda item, seen: not inner(item, seen)
    if isinstance(term, AnyOf):
        tests = [_compile(t, access) for t in term.terms]
        return lambda item, seen: any(test(item, seen) for test in tests)
    record = access.record
    if isinstance(term, Recipient):
        wanted = term.address
        return lambda item, _seen: any(mailbox_key(r) == wanted for r in record(item).rcpt_tos)
    if isinstance(term, Sender):
        key, doc = term.address, access.doc
        return lambda item, _seen: (
            mailbox_key(record(item).mail_from) == key or doc(item).from_address == key
        )
    if isinstance(term, Read):
        read = term.read
        return lambda _item, seen: seen == read
    if isinstance(term, Received):
        low = float("-inf") if term.after is None else term.after
        high = float("inf") if term.before is None else term.before
        return lambda item, _seen: low <= record(item).received <= high
    if isinstance(term, Size):
        larger = -1 if term.larger is None else term.larger
        smaller = float("inf") if term.smaller is None else term.smaller
        return lambda item, _seen: larger < record(item).size < smaller
    if isinstance(term, Has):
        attachment, doc = term.kind == "attachment", access.doc
        return lambda item, _seen: (doc(item).attachments if attachment else doc(item).inline) > 0
    tags = access.tags  # Tagged
    if term.name is None:
        return lambda item, _seen: bool(tags(item))
    key = tag_key(term.name)
    return lambda item, _seen: any(tag_key(tag) == key for tag in tags(item))


def _contains(term: Contains, access: Access) -> Test:
    (first, last), needle = _RANGES[term.field], term.needle
    indexed, doc, may_contain = access.indexed, access.doc, access.may_contain
    body = access.body
    with_body = last == _LAST

    def test(item: Any, _seen: bool) -> bool:
        found = indexed(item)
        if found is None:
            if not may_contain(item, needle):  # a pre-test on the bytes of unindexed mail
                return False
            found = doc(item)
        text = found.text
        start, end = _range(first, last, text)
        if text.find(needle, start, end) >= 0:
            return True
        return with_body and not found.complete and needle in body(item)

    return test
