"""Arguments of the mailbox commands that have grown extensions: CREATE's special uses (RFC
6154 5.3), LIST's and LSUB's options (RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154),
STATUS's items and APPEND's messages (RFC 3501 6.3.11, RFC 3502 MULTIAPPEND).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from . import commands as c
from .tokens import Cursor, ParseError, flag

STATUS_ITEMS = frozenset({"MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN"})
#: RFC 6154 2: the special uses; \All and \Flagged are virtual (the server refuses those).
USE_ATTRIBUTES = {
    name.upper(): name
    for name in ("\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash")
}
#: RFC 5258 3.1 selection options (RFC 6154 adds SPECIAL-USE).
SELECT_OPTIONS = frozenset({"SUBSCRIBED", "REMOTE", "RECURSIVEMATCH", "SPECIAL-USE"})
#: RFC 5258 3.2 return options (RFC 6154 adds SPECIAL-USE; STATUS is RFC 5819's).
RETURN_OPTIONS = frozenset({"SUBSCRIBED", "CHILDREN", "SPECIAL-USE"})
_DATE_TIME = re.compile(
    rb'"([ \d]?\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"'
)
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def mailbox(cursor: Cursor) -> bytes:
    """RFC 3501 9 ``mailbox``: INBOX is case-insensitive."""
    name = cursor.astring()
    return b"INBOX" if name.upper() == b"INBOX" else name


def _atoms(cursor: Cursor, what: str) -> list[str]:
    return cursor.parenthesized(lambda: cursor.atom(what).decode("ascii").upper())


def create(cursor: Cursor) -> c.Create:
    """``CREATE mailbox [SP "(" "USE" SP "(" [use-attr *(SP use-attr)] ")" ")"]``."""
    cursor.sp()
    name = mailbox(cursor)
    uses: list[str] = []
    if cursor.accept(b" "):
        # RFC 4466 create-params; USE is the only one known (RFC 6154 5.3).
        def param() -> None:
            if not cursor.accept_word(b"USE"):
                raise ParseError("unknown CREATE parameter")
            cursor.sp()
            uses.extend(cursor.parenthesized(lambda: use_attribute(cursor)))

        cursor.parenthesized(param)
    return c.Create(name, tuple(dict.fromkeys(uses)))


def use_attribute(cursor: Cursor) -> str:
    """RFC 6154 6 ``use-attr``: a known special use in its canonical case, or ``\\atom``."""
    cursor.expect(b"\\", "a special-use attribute")
    name = "\\" + cursor.atom("a special-use attribute").decode("ascii")
    return USE_ATTRIBUTES.get(name.upper(), name)


def rename(cursor: Cursor) -> c.Rename:
    cursor.sp()
    old = mailbox(cursor)
    cursor.sp()
    return c.Rename(old, mailbox(cursor))


def status_items(cursor: Cursor) -> tuple[str, ...]:
    """``"(" status-att *(SP status-att) ")"``."""
    items = _atoms(cursor, "a status item")
    if not items or any(item not in STATUS_ITEMS for item in items):
        raise ParseError("unknown status item")
    return tuple(items)


def status(cursor: Cursor) -> c.Status:
    cursor.sp()
    name = mailbox(cursor)
    cursor.sp()
    return c.Status(name, status_items(cursor))


def list_command(lsub: bool) -> c.ListMailboxes:
    """The reader of LIST (RFC 3501 6.3.8, RFC 5258 3) or LSUB (RFC 3501 6.3.9)."""

    def read(cursor: Cursor) -> c.ListMailboxes:
        cursor.sp()
        select: list[str] = []
        extended = False
        if not lsub and cursor.peek() == b"(":
            select, extended = _atoms(cursor, "a selection option"), True
            if any(option not in SELECT_OPTIONS for option in select):
                raise ParseError("unknown LIST selection option")
            if "RECURSIVEMATCH" in select and not {"SUBSCRIBED", "SPECIAL-USE"} & set(select):
                raise ParseError("RECURSIVEMATCH needs another selection option")
            cursor.sp()
        reference = cursor.astring()
        cursor.sp()
        if not lsub and cursor.peek() == b"(":
            patterns, extended = cursor.parenthesized(cursor.list_mailbox), True
        else:
            patterns = [cursor.list_mailbox()]
        returns: list[str] = []
        items = None
        if not lsub and cursor.accept(b" "):
            cursor.expect(b"RETURN", "RETURN")
            cursor.sp()
            extended = True

            def option() -> None:
                nonlocal items
                name = cursor.atom("a return option").decode("ascii").upper()
                if name == "STATUS":  # RFC 5819 2
                    cursor.sp()
                    items = status_items(cursor)
                elif name in RETURN_OPTIONS:
                    returns.append(name)
                else:
                    raise ParseError("unknown LIST return option")

            cursor.parenthesized(option)
        return c.ListMailboxes(
            reference,
            tuple(patterns),
            lsub,
            frozenset(select),
            frozenset(returns),
            items,
            extended,
        )

    return read  # type: ignore[return-value]


def date_time(text: bytes) -> float:
    """RFC 3501 9 ``date-time`` (``"dd-Mon-yyyy hh:mm:ss +zzzz"``) as a POSIX timestamp."""
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise ParseError("bad date-time")
    day, month, year, hour, minute, second, sign, zh, zm = match.groups()
    try:
        zone = timedelta(hours=int(zh), minutes=int(zm)) * (-1 if sign == b"-" else 1)
        moment = datetime(
            int(year),
            _MONTHS.index(month.upper().decode()) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=timezone(zone),
        )
    except ValueError:  # no such month, day or time; a zone of 24 hours or more
        raise ParseError("bad date-time") from None
    return moment.timestamp()


def append(cursor: Cursor) -> c.Append:
    """``APPEND mailbox 1*(SP [flag-list SP] [date-time SP] literal)`` (RFC 3502 6)."""
    cursor.sp()
    name = mailbox(cursor)
    messages = []
    while not cursor.at_end():
        cursor.sp()
        while messages and cursor.accept(b" "):
            pass  # IMAPClient's multiappend() sends two spaces before a message without options
        flags: list[str] = []
        when = None
        if cursor.peek() == b"(":
            flags = cursor.parenthesized(lambda: flag(cursor))
            cursor.sp()
        if cursor.peek() == b'"':
            when = date_time(cursor.match(_DATE_TIME) or b"")
            cursor.sp()
        if cursor.peek() != b"{":
            raise ParseError("expected the message as a literal")
        messages.append(c.AppendMessage(cursor.literal(), tuple(dict.fromkeys(flags)), when))
    if not messages:
        raise ParseError("expected a message")
    return c.Append(name, tuple(messages))
