"""Recursive-descent parser: one command record -> (tag, typed command) (RFC 3501 6, 9).

One small function per command's argument grammar; FETCH items and SEARCH keys have their own
modules. Syntax errors raise :class:`CommandError`, carrying the tag when one was readable.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable

from . import commands as c
from . import parse_mailbox as mb
from .lexer import Record, tag_of
from .parse_fetch import fetch_items
from .parse_mailbox import mailbox
from .parse_search import search_program, sequence_set
from .sequence import SequenceError
from .tokens import Cursor, ParseError, flag


class CommandError(ValueError):
    """A command that does not parse; ``tag`` is None when even the tag was unreadable."""

    def __init__(self, tag: bytes | None, message: str) -> None:
        super().__init__(message)
        self.tag = tag
        self.message = message


def parse_command(record: Record) -> tuple[bytes, c.Command]:
    """Parse one command record (RFC 3501 9 ``command``)."""
    tag = tag_of(record.segments[0])
    if tag is None:
        raise CommandError(None, "missing or invalid tag")
    cursor = Cursor(record)
    cursor.pos = len(tag)
    try:
        cursor.sp()
        name = cursor.atom("a command name").decode("ascii").upper()
        command = _command(cursor, name)
        cursor.end()
    except (ParseError, SequenceError) as error:
        raise CommandError(tag, str(error)) from None
    return tag, command


def known_command(line: bytes) -> bool:
    """True when the first line of a command names a command this parser knows."""
    words = line.upper().split(b" ", 3)
    if len(words) < 2:
        return False
    if words[1] == b"UID":
        return len(words) > 2 and words[2].decode("ascii", "replace") in _UID_COMMANDS
    name = words[1].decode("ascii", "replace")
    return name in _COMMANDS or name in _UID_COMMANDS


def _command(cursor: Cursor, name: str) -> c.Command:
    if name == "UID":
        cursor.sp()
        sub = cursor.atom("a UID command").decode("ascii").upper()
        uid_reader = _UID_COMMANDS.get(sub)
        if uid_reader is None:
            raise ParseError("unknown UID command")
        return uid_reader(cursor, True)
    if name in _UID_COMMANDS:
        return _UID_COMMANDS[name](cursor, False)
    reader = _COMMANDS.get(name)
    if reader is None:
        raise ParseError("unknown command")
    return reader(cursor)


def _authenticate(cursor: Cursor) -> c.Authenticate:
    cursor.sp()
    mechanism = cursor.atom("a SASL mechanism").decode("ascii").upper()
    initial = None
    # mutt (through Cyrus SASL) sends "AUTHENTICATE CRAM-MD5 " with nothing after the space.
    if cursor.accept(b" ") and not cursor.at_end():
        initial = cursor.atom("a base64 initial response")  # RFC 4959: base64 / "="
    return c.Authenticate(mechanism, initial)


def _login(cursor: Cursor) -> c.Login:
    cursor.sp()
    user = cursor.astring()
    cursor.sp()
    return c.Login(user, cursor.astring())


def _one_mailbox(make: Callable[..., c.Command], *args: object) -> Callable[[Cursor], c.Command]:
    """The reader of a command whose one argument is a mailbox name."""

    def read(cursor: Cursor) -> c.Command:
        cursor.sp()
        return make(mailbox(cursor), *args)

    return read


def _id(cursor: Cursor) -> c.Id:
    cursor.sp()
    if cursor.accept_word(b"NIL"):
        return c.Id()
    params: list[tuple[bytes, bytes | None]] = []

    def pair() -> None:
        field = cursor.string()
        cursor.sp()
        params.append((field, cursor.nstring()))

    cursor.parenthesized(pair)
    if len(params) > 30:  # RFC 2971 3.3: at most 30 field-value pairs
        raise ParseError("too many ID fields")
    return c.Id(tuple(params))


def _enable(cursor: Cursor) -> c.Enable:
    names = []
    while cursor.accept(b" "):
        names.append(cursor.atom("a capability").decode("ascii").upper())
    if not names:
        raise ParseError("expected a capability")
    return c.Enable(tuple(names))


def _fetch(cursor: Cursor, uid: bool) -> c.Fetch:
    cursor.sp()
    sequence = sequence_set(cursor)
    cursor.sp()
    return c.Fetch(sequence, fetch_items(cursor), uid)


def _store(cursor: Cursor, uid: bool) -> c.Store:
    cursor.sp()
    sequence = sequence_set(cursor)
    cursor.sp()
    mode = "add" if cursor.accept(b"+") else "remove" if cursor.accept(b"-") else "replace"
    cursor.expect(b"FLAGS")
    silent = cursor.accept(b".SILENT")
    cursor.sp()
    if cursor.peek() == b"(":
        flags = cursor.parenthesized(lambda: flag(cursor))
    else:
        flags = [flag(cursor)]
        while cursor.accept(b" "):
            flags.append(flag(cursor))
    return c.Store(sequence, mode, silent, tuple(dict.fromkeys(flags)), uid)  # type: ignore[arg-type]


def _copy(move: bool) -> Callable[[Cursor, bool], c.Copy]:
    def read(cursor: Cursor, uid: bool) -> c.Copy:
        # RFC 3501 6.4.7 COPY, RFC 6851 3 MOVE: sequence-set SP mailbox
        cursor.sp()
        sequence = sequence_set(cursor)
        cursor.sp()
        return c.Copy(sequence, mailbox(cursor), uid, move)

    return read


def _expunge(cursor: Cursor, uid: bool) -> c.Command:
    if not uid:
        return c.Expunge()
    cursor.sp()  # RFC 4315 2.1: UID EXPUNGE sequence-set
    return c.UidExpunge(sequence_set(cursor))


def _search(cursor: Cursor, uid: bool) -> c.Search:
    charset, key = search_program(cursor)
    return c.Search(key, charset, uid)


def _bare(command: c.Command) -> Callable[[Cursor], c.Command]:
    return lambda cursor: command


_COMMANDS: dict[str, Callable[[Cursor], c.Command]] = {
    "CAPABILITY": _bare(c.Capability()),
    "NOOP": _bare(c.Noop()),
    "LOGOUT": _bare(c.Logout()),
    "STARTTLS": _bare(c.StartTls()),
    "AUTHENTICATE": _authenticate,
    "LOGIN": _login,
    "SELECT": _one_mailbox(c.Select, False),
    "EXAMINE": _one_mailbox(c.Select, True),
    "CREATE": mb.create,
    "DELETE": _one_mailbox(c.Delete),
    "RENAME": mb.rename,
    "SUBSCRIBE": _one_mailbox(c.Subscribe, True),
    "UNSUBSCRIBE": _one_mailbox(c.Subscribe, False),
    "LIST": mb.list_command(False),
    "LSUB": mb.list_command(True),
    "STATUS": mb.status,
    "APPEND": mb.append,
    "CHECK": _bare(c.Check()),
    "CLOSE": _bare(c.Close()),
    "UNSELECT": _bare(c.Unselect()),
    "IDLE": _bare(c.Idle()),
    "NAMESPACE": _bare(c.Namespace()),
    "ID": _id,
    "ENABLE": _enable,
}

#: Commands that also come with a UID prefix (RFC 3501 6.4.8).
_UID_COMMANDS: dict[str, Callable[[Cursor, bool], c.Command]] = {
    "FETCH": _fetch,
    "STORE": _store,
    "SEARCH": _search,
    "COPY": _copy(move=False),
    "MOVE": _copy(move=True),
    "EXPUNGE": _expunge,
}
