"""Mailpit's search syntax: a query string -> the store's query terms (:mod:`mailtrap.store.query`).

Terms are separated by white space; ``"double quotes"`` group words (``subject:"two words"``);
a leading ``-`` or ``!`` negates a term; every term must hold. Supported terms: ``from:``,
``to:``, ``cc:``, ``bcc:``, ``reply-to:``, ``addressed:``, ``subject:``, ``message-id:``,
``is:read``/``is:unread``/``is:tagged``, ``has:attachment``/``has:inline``, ``tag:``,
``after:``/``before:`` (ISO dates, read in ``tz`` or the server's zone), ``larger:``/``smaller:``
(``10kb``, ``1.5m``), and free text (subject, addresses, body text and attachment names).
Values compare as case-insensitive substrings, as Mailpit's SQL ``LIKE`` does. Unlike Mailpit,
a malformed term is an error (HTTP 400) rather than silently ignored.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..store.query import (
    AnyOf,
    Contains,
    Field,
    Has,
    Not,
    Read,
    Received,
    Size,
    Tagged,
    Term,
)

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s?(k|kb|m|mb|b)?$")
_UNITS = {None: 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024 * 1024, "mb": 1024 * 1024}


class QueryError(ValueError):
    """The query could not be understood; the message says which term and why."""


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: the store's terms (the empty query matches everything)."""

    text: str
    terms: tuple[Term, ...]


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
    terms: list[Term] = []
    for token in tokens(query):
        negate = len(token) > 1 and token[0] in "-!"
        word = token[1:] if negate else token
        if not word:
            continue
        term = _term(word, zone)
        terms.append(Not(term) if negate else term)
    return Query(query, tuple(terms))


def _zone(tz: str | None) -> tzinfo | None:
    if not tz:
        return None
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise QueryError(f"unknown time zone {tz!r}") from None


def _term(word: str, zone: tzinfo | None) -> Term:
    prefix, colon, value = word.partition(":")
    prefix = prefix.lower()
    if not colon or prefix not in _PREFIXED:
        return Contains(Field.TEXT, word)
    if not value:
        raise QueryError(f"{prefix}: needs a value")
    return _PREFIXED[prefix](value, zone)


def _contains(*fields: Field) -> Callable[[str, tzinfo | None], Term]:
    def build(value: str, _zone: tzinfo | None) -> Term:
        if len(fields) == 1:
            return Contains(fields[0], value)
        return AnyOf(tuple(Contains(field, value) for field in fields))

    return build


def _is(value: str, _zone: tzinfo | None) -> Term:
    value = value.lower()
    if value == "read":
        return Read(True)
    if value == "unread":
        return Read(False)
    if value == "tagged":
        return Tagged()
    raise QueryError(f"is:{value} is not a known state (use read, unread or tagged)")


def _has(value: str, _zone: tzinfo | None) -> Term:
    value = value.lower()
    if value in ("attachment", "attachments"):
        return Has("attachment")
    if value in ("inline", "inlines"):
        return Has("inline")
    raise QueryError(f"has:{value} is not known (use attachment or inline)")


def _tag(value: str, _zone: tzinfo | None) -> Term:
    return Tagged(value)


def _moment(value: str, zone: tzinfo | None) -> float:
    try:
        moment = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise QueryError(f"{value!r} is not a date (use YYYY-MM-DD or an ISO 8601 time)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone) if zone else moment.astimezone()
    return moment.timestamp()


def _after(value: str, zone: tzinfo | None) -> Term:
    return Received(after=_moment(value, zone))


def _before(value: str, zone: tzinfo | None) -> Term:
    return Received(before=_moment(value, zone))


def _size(value: str) -> int:
    match = _SIZE.match(value.lower())
    if not match:
        raise QueryError(f"{value!r} is not a size (use e.g. 500, 10kb or 1.5mb)")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def _larger(value: str, _zone: tzinfo | None) -> Term:
    return Size(larger=_size(value))


def _smaller(value: str, _zone: tzinfo | None) -> Term:
    return Size(smaller=_size(value))


_PREFIXED: dict[str, Callable[[str, tzinfo | None], Term]] = {
    "from": _contains(Field.FROM, Field.MAIL_FROM),
    "to": _contains(Field.TO),
    "cc": _contains(Field.CC),
    "bcc": _contains(Field.BCC, Field.RCPT_TO),
    "reply-to": _contains(Field.REPLY_TO),
    "addressed": _contains(Field.ADDRESSED),
    "subject": _contains(Field.SUBJECT),
    "message-id": _contains(Field.MESSAGE_ID),
    "is": _is,
    "has": _has,
    "tag": _tag,
    "after": _after,
    "before": _before,
    "larger": _larger,
    "smaller": _smaller,
}
