"""The only IMAP serializer: every value that reaches the wire is formatted here.

Strings become an atom, a quoted string or a literal by their content, so a client-supplied
string can never end a response line early (RFC 3501 4.3, 9 "quoted"/"literal"). CR, LF, NUL
and 8-bit octets never go out inside a quoted string; free-form response text is sanitised.

The value convention (shared with the structure module): ``str``/``bytes`` are IMAP strings,
``None`` is NIL, ``int`` a number, a ``list``/``tuple`` a parenthesised list. :class:`Atom`
marks text the server itself composed (keywords, flags, item names) and is checked, not trusted.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# RFC 3501 9: atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials /
# resp-specials.
_ATOM_BYTES = re.compile(rb"[^(){ \x00-\x1f\x7f%*\"\\\]\x80-\xff]+")
#: ASTRING-CHAR adds "]" to ATOM-CHAR (RFC 3501 9).
_ASTRING_BYTES = re.compile(rb"[^(){ \x00-\x1f\x7f%*\"\\\x80-\xff]+")
_QUOTABLE = re.compile(rb"[^\r\n\x00\x80-\xff]*")
#: Server-composed tokens: atoms plus the brackets, dots and angle brackets of item names.
_TOKEN = re.compile(rb"[^ \x00-\x1f\x7f\x80-\xff\"{}()]+")
_TEXT_UNSAFE = re.compile(r"[^\x20-\x7e]")
QUOTED_MAX = 1024


class Atom(str):
    """A token the server composed (``FLAGS``, ``\\Seen``, ``BODY[1.2]``); never a client string."""


class Joined(tuple):
    """Values written next to each other without spaces, where RFC 3501 9 has no SP between
    them: the parts of a multipart body (``1*body``), the addresses of an ENVELOPE field
    (``"(" 1*address ")"``)."""


Value = str | bytes | int | None | Atom | Joined | list | tuple


class UnsafeToken(ValueError):
    """An :class:`Atom` contained bytes a token may not contain (a bug, never client input)."""


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def string(value: str | bytes) -> bytes:
    """An IMAP ``string``: quoted when safe and short, else a literal (RFC 3501 4.3)."""
    data = _as_bytes(value)
    if len(data) <= QUOTED_MAX and _QUOTABLE.fullmatch(data):
        return b'"' + data.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return b"{%d}\r\n" % len(data) + data


def literal(data: bytes) -> bytes:
    """Always a literal: message octets (BODY[...], RFC822) go this way, as clients such as
    curl only read those as literals."""
    return b"{%d}\r\n" % len(data) + data


def astring(value: str | bytes) -> bytes:
    """An IMAP ``astring``: a bare atom when every octet allows it, else :func:`string`."""
    data = _as_bytes(value)
    if _ASTRING_BYTES.fullmatch(data) and data.upper() != b"NIL":
        return data
    return string(data)


def nstring(value: str | bytes | None) -> bytes:
    """``nstring``: NIL or a string."""
    return b"NIL" if value is None else string(value)


def atom(value: str) -> bytes:
    """A server-composed token, checked: :class:`UnsafeToken` on anything a token can't hold."""
    data = value.encode("utf-8")
    if not _TOKEN.fullmatch(data):
        raise UnsafeToken(value)
    return data


def is_atom(value: str | bytes) -> bool:
    """True when ``value`` is a valid IMAP atom (RFC 3501 9 ``atom``)."""
    return bool(_ATOM_BYTES.fullmatch(_as_bytes(value)))


def value(item: Value) -> bytes:
    """Serialize one value of the value convention (see the module docstring)."""
    if item is None:
        return b"NIL"
    if isinstance(item, Atom):
        return atom(item)
    if isinstance(item, bool):
        raise TypeError("booleans have no IMAP form")
    if isinstance(item, int):
        if item < 0:
            raise ValueError("IMAP numbers are unsigned")
        return b"%d" % item
    if isinstance(item, str | bytes):
        return string(item)
    if isinstance(item, Joined):
        return b"".join(value(part) for part in item)
    if isinstance(item, list | tuple):
        return b"(" + b" ".join(value(part) for part in item) + b")"
    raise TypeError(f"no IMAP form for {type(item).__name__}")


def values(items: Iterable[Value]) -> bytes:
    """Values separated by single spaces."""
    return b" ".join(value(item) for item in items)


def text(message: str) -> bytes:
    """Human-readable response text: printable ASCII only, never a line break (RFC 3501 9 text)."""
    cleaned = _TEXT_UNSAFE.sub("?", message).strip()
    if cleaned.startswith("["):  # would read as a response code
        cleaned = "(" + cleaned[1:]
    return cleaned.encode("ascii") or b"."


def untagged(*items: Value) -> bytes:
    """``* item item ...`` and CRLF."""
    return b"* " + values(items) + b"\r\n"


def status(tag: bytes, state: str, message: str, code: Value | None = None) -> bytes:
    """A tagged or untagged (``tag=b"*"``) status response: ``tag OK [CODE] text``."""
    parts = [tag, state.encode("ascii")]
    if code is not None:
        parts.append(b"[" + (value(code) if not isinstance(code, list) else values(code)) + b"]")
    parts.append(text(message))
    return b" ".join(parts) + b"\r\n"


def continuation(message: str = "") -> bytes:
    """A command continuation request (RFC 3501 7.5)."""
    return b"+ " + text(message) + b"\r\n" if message else b"+ \r\n"
