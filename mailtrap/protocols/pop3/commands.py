"""POP3 command lines parsed into typed, immutable commands.

Grammar: a case-insensitive keyword, then arguments separated by spaces (RFC 1939 section 3,
RFC 2449 section 3). Arguments are decoded as UTF-8 (bad bytes become U+FFFD, which matches no
mailbox). :func:`parse_command` raises :class:`CommandError` carrying the ``-ERR`` text for a
line it cannot accept; that text never contains anything the client sent.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass


class CommandError(Exception):
    """The client sent a line that is not a valid command; ``str(error)`` is the reply text."""


@dataclass(frozen=True, slots=True)
class User:
    name: str


@dataclass(frozen=True, slots=True)
class Pass:
    password: str


@dataclass(frozen=True, slots=True)
class Apop:
    name: str
    digest: str


@dataclass(frozen=True, slots=True)
class Auth:
    mechanism: str
    #: The initial response (RFC 5034 section 4), still base64; ``"="`` means empty.
    initial: str | None = None


@dataclass(frozen=True, slots=True)
class Stls:
    pass


@dataclass(frozen=True, slots=True)
class Capa:
    pass


@dataclass(frozen=True, slots=True)
class Stat:
    pass


@dataclass(frozen=True, slots=True)
class List:
    msg: int | None = None


@dataclass(frozen=True, slots=True)
class Uidl:
    msg: int | None = None


@dataclass(frozen=True, slots=True)
class Retr:
    msg: int


@dataclass(frozen=True, slots=True)
class Top:
    msg: int
    lines: int


@dataclass(frozen=True, slots=True)
class Dele:
    msg: int


@dataclass(frozen=True, slots=True)
class Noop:
    pass


@dataclass(frozen=True, slots=True)
class Rset:
    pass


@dataclass(frozen=True, slots=True)
class Quit:
    pass


Command = (
    User
    | Pass
    | Apop
    | Auth
    | Stls
    | Capa
    | Stat
    | List
    | Uidl
    | Retr
    | Top
    | Dele
    | Noop
    | Rset
    | Quit
)

_NO_ARGUMENTS = {
    "STLS": Stls(),
    "CAPA": Capa(),
    "STAT": Stat(),
    "NOOP": Noop(),
    "RSET": Rset(),
    "QUIT": Quit(),
}


def _number(text: str, what: str = "message number") -> int:
    """A decimal argument; ``0`` is allowed here and rejected where it is not a valid message."""
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        raise CommandError(f"invalid {what}")
    return int(text)


def _arguments(rest: str, low: int, high: int, syntax: str) -> list[str]:
    # RFC 1939 section 3: arguments are separated by spaces (only spaces: a tab is data).
    args = [arg for arg in rest.split(" ") if arg]
    if not low <= len(args) <= high:
        raise CommandError(f"syntax: {syntax}")
    return args


def parse_command(line: bytes) -> Command:
    """Parse one command line (without its CRLF) into a :data:`Command`."""
    text = line.decode("utf-8", "replace")
    keyword, _, rest = text.lstrip(" ").partition(" ")
    keyword = keyword.upper()
    if not keyword:
        raise CommandError("empty command")
    if keyword in _NO_ARGUMENTS:
        _arguments(rest, 0, 0, keyword)
        return _NO_ARGUMENTS[keyword]
    if keyword == "USER":
        # RFC 1939 section 7: USER name
        (name,) = _arguments(rest, 1, 1, "USER name")
        return User(name)
    if keyword == "PASS":
        # RFC 1939 section 7: the argument is the rest of the line, spaces included.
        if not rest:
            raise CommandError("syntax: PASS password")
        return Pass(rest)
    if keyword == "APOP":
        name, digest = _arguments(rest, 2, 2, "APOP name digest")
        return Apop(name, digest)
    if keyword == "AUTH":
        # RFC 5034 section 4: AUTH mechanism [initial-response]
        args = _arguments(rest, 1, 2, "AUTH mechanism [initial-response]")
        return Auth(args[0].upper(), args[1] if len(args) == 2 else None)
    if keyword in ("LIST", "UIDL"):
        args = _arguments(rest, 0, 1, f"{keyword} [msg]")
        msg = _number(args[0]) if args else None
        return List(msg) if keyword == "LIST" else Uidl(msg)
    if keyword in ("RETR", "DELE"):
        (arg,) = _arguments(rest, 1, 1, f"{keyword} msg")
        return Retr(_number(arg)) if keyword == "RETR" else Dele(_number(arg))
    if keyword == "TOP":
        msg, lines = _arguments(rest, 2, 2, "TOP msg n")
        return Top(_number(msg), _number(lines, "line count"))
    raise CommandError("unknown command")
