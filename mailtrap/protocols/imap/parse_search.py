"""SEARCH arguments: ``[CHARSET astring] 1*search-key`` (RFC 3501 6.4.4, 9).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from datetime import date

from . import commands as c
from .sequence import SequenceSet, parse_sequence_set
from .tokens import Cursor, ParseError

_DATE = re.compile(rb"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
SET_CHARS = re.compile(rb"[0-9*:,]+")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
MAX_DEPTH = 32
#: The most keys one SEARCH may hold: parsing and testing them stay bounded (a 64 KiB command
#: could otherwise hold 32,000 keys, each tested on every message).
MAX_KEYS = 1000

_FLAG_KEYS = {
    "ANSWERED": ("\\Answered", True),
    "DELETED": ("\\Deleted", True),
    "DRAFT": ("\\Draft", True),
    "FLAGGED": ("\\Flagged", True),
    "SEEN": ("\\Seen", True),
    "UNANSWERED": ("\\Answered", False),
    "UNDELETED": ("\\Deleted", False),
    "UNDRAFT": ("\\Draft", False),
    "UNFLAGGED": ("\\Flagged", False),
    "UNSEEN": ("\\Seen", False),
}
_HEADER_KEYS = {"BCC": "bcc", "CC": "cc", "FROM": "from", "SUBJECT": "subject", "TO": "to"}
_DATE_KEYS = {
    "BEFORE": ("before", False),
    "ON": ("on", False),
    "SINCE": ("since", False),
    "SENTBEFORE": ("before", True),
    "SENTON": ("on", True),
    "SENTSINCE": ("since", True),
}

_WITH_ARGUMENT = frozenset(
    {*_HEADER_KEYS, *_DATE_KEYS, "BODY", "TEXT", "KEYWORD", "UNKEYWORD", "HEADER"}
    | {"LARGER", "SMALLER", "UID", "NOT", "OR"}
)


def search_program(cursor: Cursor) -> tuple[str | None, c.SearchKey]:
    """``SP [CHARSET SP astring SP] search-key *(SP search-key)``; keys are ANDed."""
    cursor.sp()
    charset = None
    if cursor.accept_word(b"CHARSET"):
        cursor.sp()
        charset = cursor.astring().decode("ascii", "replace").upper()
        cursor.sp()
    counter = _Counter()
    keys = [search_key(cursor, 0, counter)]
    while cursor.accept(b" "):
        keys.append(search_key(cursor, 0, counter))
    return charset, keys[0] if len(keys) == 1 else c.AndKey(tuple(keys))


class _Counter:
    """Counts the keys of one search program as they are read."""

    def __init__(self) -> None:
        self.keys = 0

    def add(self) -> None:
        self.keys += 1
        if self.keys > MAX_KEYS:
            raise ParseError(f"more than {MAX_KEYS} search keys")


def sequence_set(cursor: Cursor) -> SequenceSet:
    """RFC 3501 9 ``sequence-set``."""
    text = cursor.match(SET_CHARS)
    if text is None:
        raise ParseError("expected a sequence set")
    return parse_sequence_set(text)


def _text(cursor: Cursor) -> str:
    return cursor.astring().decode("utf-8", "replace")


def search_date(cursor: Cursor) -> date:
    """RFC 3501 9 ``date`` = date-text / DQUOTE date-text DQUOTE."""
    quoted = cursor.accept(b'"')
    found = cursor.match(_DATE)
    if found is None:
        raise ParseError("expected a date like 1-Feb-2024")
    day, month, year = _DATE.fullmatch(found).groups()  # type: ignore[union-attr]
    if quoted:
        cursor.expect(b'"')
    try:
        return date(int(year), MONTHS.index(month.decode("ascii").upper()) + 1, int(day))
    except ValueError:
        raise ParseError("no such date") from None


def search_key(cursor: Cursor, depth: int, counter: _Counter) -> c.SearchKey:
    """RFC 3501 9 ``search-key``."""
    if depth > MAX_DEPTH:
        raise ParseError("search keys nested too deeply")
    counter.add()
    if cursor.peek() == b"(":
        keys = cursor.parenthesized(lambda: search_key(cursor, depth + 1, counter))
        if not keys:
            raise ParseError("expected a search key")
        return keys[0] if len(keys) == 1 else c.AndKey(tuple(keys))
    if cursor.peek() and cursor.peek() in b"0123456789*":
        return c.SetKey(sequence_set(cursor))
    name = cursor.atom("a search key").decode("ascii").upper()
    return _keyed(cursor, name, depth, counter)


def _keyed(cursor: Cursor, name: str, depth: int, counter: _Counter) -> c.SearchKey:
    if name == "ALL":
        return c.AllKey()
    if name in _FLAG_KEYS:
        return c.FlagKey(*_FLAG_KEYS[name])
    if name in ("RECENT", "OLD"):
        return c.RecentKey(name == "RECENT")
    if name == "NEW":  # RFC 3501 6.4.4: RECENT UNSEEN
        return c.AndKey((c.RecentKey(True), c.FlagKey("\\Seen", False)))
    if name not in _WITH_ARGUMENT:
        raise ParseError("unknown search key")
    cursor.sp()
    if name in _HEADER_KEYS:
        return c.HeaderKey(_HEADER_KEYS[name], _text(cursor))
    if name in _DATE_KEYS:
        relation, sent = _DATE_KEYS[name]
        return c.DateKey(relation, search_date(cursor), sent)  # type: ignore[arg-type]
    if name in ("BODY", "TEXT"):
        return c.TextKey(_text(cursor), headers=name == "TEXT")
    if name in ("KEYWORD", "UNKEYWORD"):
        return c.FlagKey(cursor.atom("a keyword").decode("ascii"), name == "KEYWORD")
    if name == "HEADER":
        field = cursor.astring().decode("ascii", "replace").lower()
        cursor.sp()
        return c.HeaderKey(field, _text(cursor))
    if name in ("LARGER", "SMALLER"):
        return c.SizeKey(name == "LARGER", cursor.number())
    if name == "UID":
        return c.SetKey(sequence_set(cursor), uid=True)
    if name == "NOT":
        return c.NotKey(search_key(cursor, depth + 1, counter))
    if name == "OR":
        left = search_key(cursor, depth + 1, counter)
        cursor.sp()
        return c.OrKey(left, search_key(cursor, depth + 1, counter))
    raise ParseError("unknown search key")
