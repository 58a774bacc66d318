"""Mailpit's search syntax: a query string -> a predicate over stored messages.

Terms are separated by white space; ``"double quotes"`` group words (``subject:"two words"``);
a leading ``-`` or ``!`` negates a term; every term must hold. Supported terms: ``from:``,
``to:``, ``cc:``, ``bcc:``, ``reply-to:``, ``addressed:``, ``subject:``, ``message-id:``,
``is:read``/``is:unread``/``is:tagged``, ``has:attachment``/``has:inline``, ``tag:``,
``after:``/``before:`` (ISO dates, read in ``tz`` or the server's zone), ``larger:``/``smaller:``
(``10kb``, ``1.5m``), and free text (subject, addresses, body text and attachment names).
Values compare as case-insensitive substrings, as Mailpit's SQL ``LIKE`` does. Unlike Mailpit,
a malformed term is an error (HTTP 400) rather than silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..message import EMPTY_SUMMARY, Address, Summary
from ..store import MailboxId, MessageRecord
from .index import MessageIndex

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s?(k|kb|m|mb|b)?$")
_UNITS = {None: 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024 * 1024, "mb": 1024 * 1024}


class QueryError(ValueError):
    """The query could not be understood; the message says which term and why."""


@dataclass(frozen=True, slots=True)
class Context:
    """What a term may consult besides the message: the store (through the index), read state
    and the mailbox filter."""

    index: MessageIndex
    mailbox: MailboxId | None = None

    def summary(self, message: MessageRecord) -> Summary:
        return self.index.store.summary(message.id) or EMPTY_SUMMARY


Test = Callable[[MessageRecord, Context], bool]


@dataclass(frozen=True, slots=True)
class Term:
    test: Test
    negate: bool
    #: Needs the parsed body (slow the first time a message is seen).
    costly: bool

    def holds(self, message: MessageRecord, context: Context) -> bool:
        return self.test(message, context) != self.negate


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query; the empty query matches everything."""

    text: str
    terms: tuple[Term, ...]

    @property
    def costly(self) -> bool:
        return any(term.costly for term in self.terms)

    def matches(self, message: MessageRecord, context: Context) -> bool:
        return all(term.holds(message, context) for term in self.terms)

    def filter(self, messages: list[MessageRecord], context: Context) -> list[MessageRecord]:
        return [m for m in messages if self.matches(m, context)]


def tokens(query: str) -> list[str]:
    """Split on white space outside double quotes; the quotes themselves are dropped."""
    found: list[str] = []
    current: list[str] = []
    quoted = started = False
    for char in query:
        if char == '"':
            quoted, started = not quoted, True
        elif char.isspace() and not quoted:
            if started:
                found.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
    if quoted:
        raise QueryError("unbalanced double quote in query")
    if started:
        found.append("".join(current))
    return found


def parse(query: str, tz: str | None = None) -> Query:
    """Parse a query; raises :class:`QueryError` naming the bad term."""
    zone = _zone(tz)
    terms = []
    for token in tokens(query):
        negate = len(token) > 1 and token[0] in "-!"
        word = token[1:] if negate else token
        if not word:
            continue
        test, costly = _term(word, zone)
        terms.append(Term(test, negate, costly))
    terms.sort(key=lambda t: t.costly)
    return Query(query, tuple(terms))


def _zone(tz: str | None) -> tzinfo | None:
    if not tz:
        return None
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise QueryError(f"unknown time zone {tz!r}") from None


def _term(word: str, zone: tzinfo | None) -> tuple[Test, bool]:
    prefix, colon, value = word.partition(":")
    prefix = prefix.lower()
    if not colon or prefix not in _PREFIXED:
        return _free_text(word.casefold()), True
    if not value:
        raise QueryError(f"{prefix}: needs a value")
    return _PREFIXED[prefix](value, zone)


def _names(values: tuple[Address, ...] | list[Address]) -> str:
    return "\n".join(f"{a.name} <{a.address}>" for a in values).casefold()


Pick = Callable[[MessageRecord, Summary], str]


def _address_term(pick: Pick) -> Callable[..., tuple[Test, bool]]:
    def build(value: str, _zone: tzinfo | None) -> tuple[Test, bool]:
        needle = value.casefold()
        return (lambda m, c: needle in pick(m, c.summary(m))), False

    return build


def _from(m: MessageRecord, s: Summary) -> str:
    return _names([s.from_] if s.from_ else []) + "\n" + m.mail_from.casefold()


def _bcc(m: MessageRecord, s: Summary) -> str:
    return _names(s.bcc) + "\n" + "\n".join(m.rcpt_tos).casefold()


def _addressed(m: MessageRecord, s: Summary) -> str:
    return "\n".join([_from(m, s), _names(s.to), _names(s.cc), _bcc(m, s), _names(s.reply_to)])


def _subject(value: str, _zone: tzinfo | None) -> tuple[Test, bool]:
    needle = value.casefold()
    return (lambda m, c: needle in c.summary(m).subject.casefold()), False


def _message_id(value: str, _zone: tzinfo | None) -> tuple[Test, bool]:
    needle = value.casefold()
    return (lambda m, c: needle in c.summary(m).message_id.casefold()), False


def _is(value: str, _zone: tzinfo | None) -> tuple[Test, bool]:
    value = value.lower()
    if value == "read":
        return (lambda m, c: c.index.is_read(m.id, c.mailbox)), False
    if value == "unread":
        return (lambda m, c: not c.index.is_read(m.id, c.mailbox)), False
    if value == "tagged":
        return (lambda _m, _c: False), False
    raise QueryError(f"is:{value} is not a known state (use read, unread or tagged)")


def _has(value: str, _zone: tzinfo | None) -> tuple[Test, bool]:
    value = value.lower()
    if value in ("attachment", "attachments"):
        return (lambda m, c: c.index.facts(m).attachments > 0), True
    if value in ("inline", "inlines"):
        return (lambda m, c: c.index.facts(m).inline > 0), True
    raise QueryError(f"has:{value} is not known (use attachment or inline)")


def _tag(_value: str, _zone: tzinfo | None) -> tuple[Test, bool]:
    return (lambda _m, _c: False), False  # mailtrap has no tags: nothing is tagged


def _moment(value: str, zone: tzinfo | None) -> float:
    try:
        moment = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise QueryError(f"{value!r} is not a date (use YYYY-MM-DD or an ISO 8601 time)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone) if zone else moment.astimezone()
    return moment.timestamp()


def _after(value: str, zone: tzinfo | None) -> tuple[Test, bool]:
    when = _moment(value, zone)
    return (lambda m, _c: m.received >= when), False


def _before(value: str, zone: tzinfo | None) -> tuple[Test, bool]:
    when = _moment(value, zone)
    return (lambda m, _c: m.received <= when), False


def _size(value: str) -> int:
    match = _SIZE.match(value.lower())
    if not match:
        raise QueryError(f"{value!r} is not a size (use e.g. 500, 10kb or 1.5mb)")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def _larger(value: str, _zone: tzinfo | None) -> tuple[Test, bool]:
    size = _size(value)
    return (lambda m, _c: m.size > size), False


def _smaller(value: str, _zone: tzinfo | None) -> tuple[Test, bool]:
    size = _size(value)
    return (lambda m, _c: m.size < size), False


def _free_text(needle: str) -> Test:
    def test(message: MessageRecord, context: Context) -> bool:
        s = context.summary(message)
        if needle in s.subject.casefold() or needle in _addressed(message, s):
            return True
        return needle in context.index.facts(message).text

    return test


_PREFIXED: dict[str, Callable[[str, tzinfo | None], tuple[Test, bool]]] = {
    "from": _address_term(_from),
    "to": _address_term(lambda _m, s: _names(s.to)),
    "cc": _address_term(lambda _m, s: _names(s.cc)),
    "bcc": _address_term(_bcc),
    "reply-to": _address_term(lambda _m, s: _names(s.reply_to)),
    "addressed": _address_term(_addressed),
    "subject": _subject,
    "message-id": _message_id,
    "is": _is,
    "has": _has,
    "tag": _tag,
    "after": _after,
    "before": _before,
    "larger": _larger,
    "smaller": _smaller,
}
