"""FETCH data items: ``fetch-att``, ``section`` and ``<partial>`` (RFC 3501 6.4.5, 9).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re

from .commands import BodySection, FetchAttr, FetchItem
from .tokens import Cursor, ParseError

_NAME = re.compile(rb"[A-Za-z0-9.]+")
_PART = re.compile(rb"[1-9]\d{0,8}(?:\.[1-9]\d{0,8})*")
_ATTRS = frozenset(
    {
        "FLAGS",
        "UID",
        "INTERNALDATE",
        "RFC822.SIZE",
        "ENVELOPE",
        "BODY",
        "BODYSTRUCTURE",
        "RFC822",
        "RFC822.HEADER",
        "RFC822.TEXT",
    }
)
# RFC 3501 6.4.5: the macros.
_FAST = ("FLAGS", "INTERNALDATE", "RFC822.SIZE")
MACROS = {"ALL": (*_FAST, "ENVELOPE"), "FAST": _FAST, "FULL": (*_FAST, "ENVELOPE", "BODY")}
_TEXT_KINDS = ("HEADER.FIELDS.NOT", "HEADER.FIELDS", "HEADER", "TEXT")


def fetch_items(cursor: Cursor) -> tuple[FetchItem, ...]:
    """A macro, one ``fetch-att`` or a parenthesised list of them."""
    if cursor.peek() == b"(":
        items = cursor.parenthesized(lambda: fetch_att(cursor))
        if not items:
            raise ParseError("expected a fetch item")
        return tuple(items)
    word = cursor.peek_word().decode("ascii")
    if word in MACROS:
        cursor.pos += len(word)
        return tuple(FetchAttr(name) for name in MACROS[word])
    return (fetch_att(cursor),)


def fetch_att(cursor: Cursor) -> FetchItem:
    """RFC 3501 9 ``fetch-att``."""
    raw = cursor.match(_NAME)
    name = raw.decode("ascii").upper() if raw else ""
    if name in ("BODY", "BODY.PEEK") and cursor.peek() == b"[":
        return _body_section(cursor, peek=name == "BODY.PEEK")
    if name not in _ATTRS:
        raise ParseError("unknown fetch item")
    return FetchAttr(name)


def _body_section(cursor: Cursor, *, peek: bool) -> BodySection:
    cursor.expect(b"[")
    part: tuple[int, ...] = ()
    kind = ""
    fields: tuple[bytes, ...] = ()
    if not cursor.accept(b"]"):
        numbers = cursor.match(_PART)
        if numbers is not None:
            part = tuple(int(n) for n in numbers.split(b"."))
        if numbers is None or cursor.accept(b"."):
            kind = _section_text(cursor, allow_mime=numbers is not None)
            if kind.startswith("HEADER.FIELDS"):
                cursor.sp()
                fields = tuple(cursor.parenthesized(cursor.astring))
                if not fields:
                    raise ParseError("expected header field names")
        cursor.expect(b"]")
    return BodySection(part, kind, fields, _partial(cursor), peek)


def _section_text(cursor: Cursor, *, allow_mime: bool) -> str:
    """RFC 3501 9 ``section-msgtext`` / ``section-text`` (MIME only after a part number)."""
    if allow_mime and cursor.accept(b"MIME"):
        return "MIME"
    for kind in _TEXT_KINDS:
        if cursor.accept(kind.encode("ascii")):
            return kind
    raise ParseError("unknown section")


def _partial(cursor: Cursor) -> tuple[int, int] | None:
    """``"<" number "." nz-number ">"``."""
    if not cursor.accept(b"<"):
        return None
    start = cursor.number()
    cursor.expect(b".")
    length = cursor.number(nonzero=True)
    cursor.expect(b">")
    return start, length
