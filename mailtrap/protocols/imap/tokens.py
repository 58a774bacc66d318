"""Grammar primitives over one command record: atoms, numbers, quoted strings and literals.

:class:`Cursor` walks the text segments of a :class:`~.lexer.Record`; reading a string at a
``{n}`` marker at the end of a segment yields the literal that followed it and moves on to the
next segment (RFC 3501 4.3). Every rule raises :class:`ParseError` on a mismatch; the parser
turns that into a tagged BAD.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re

from .lexer import Record

# RFC 3501 9: ATOM-CHAR = any CHAR except atom-specials.
_ATOM = re.compile(rb"[^(){ \x00-\x1f\x7f%*\"\\\]\x80-\xff]+")
_ASTRING_ATOM = re.compile(rb"[^(){ \x00-\x1f\x7f%*\"\\\x80-\xff]+")
#: list-mailbox = 1*list-char; list-char = ATOM-CHAR / list-wildcards / resp-specials.
_LIST_ATOM = re.compile(rb"[^(){ \x00-\x1f\x7f\"\\\x80-\xff]+")
_NUMBER = re.compile(rb"\d+")
#: quoted = DQUOTE *QUOTED-CHAR DQUOTE; only \\ and \" may be escaped, NUL never appears.
_QUOTED = re.compile(rb'"((?:[^"\\\x00]|\\["\\])*)"')
_ESCAPED = re.compile(rb"\\(.)")
_LITERAL = re.compile(rb"\{(\d+)\+?\}\Z")
NUMBER_MAX = 4294967295  # RFC 3501 9: number is a 32-bit unsigned integer
#: System flags a client may name (RFC 3501 2.3.2), by upper-cased name.
SYSTEM_FLAGS = {f.upper(): f for f in ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")}


class ParseError(ValueError):
    """The command does not match the grammar; the message is safe to show (no client bytes)."""


class Cursor:
    """A read position in a command record."""

    def __init__(self, record: Record) -> None:
        self._segments = record.segments
        self._literals = record.literals
        self._index = 0
        self._text = record.segments[0]
        self.pos = 0

    # -- looking --------------------------------------------------------------------------------

    def peek(self) -> bytes:
        """The next octet in the current segment, or b"" at its end."""
        return self._text[self.pos : self.pos + 1]

    def at_end(self) -> bool:
        return self.pos >= len(self._text) and self._index >= len(self._literals)

    def peek_word(self) -> bytes:
        """The upper-cased run of atom characters ahead, without consuming it."""
        match = _ATOM.match(self._text, self.pos)
        return match.group().upper() if match else b""

    # -- consuming ------------------------------------------------------------------------------

    def expect(self, token: bytes, what: str = "") -> None:
        """Consume ``token`` (case-insensitively) or fail."""
        if self._text[self.pos : self.pos + len(token)].upper() != token.upper():
            raise ParseError(f"expected {what or token.decode()}")
        self.pos += len(token)

    def accept(self, token: bytes) -> bool:
        """Consume ``token`` (case-insensitively) if it is next; report whether it was."""
        if self._text[self.pos : self.pos + len(token)].upper() == token.upper():
            self.pos += len(token)
            return True
        return False

    def accept_word(self, word: bytes) -> bool:
        """Consume the atom ``word`` if it is next as a whole atom."""
        if self.peek_word() == word.upper():
            self.pos += len(word)
            return True
        return False

    def sp(self) -> None:
        """Exactly one space (RFC 3501 9 SP)."""
        self.expect(b" ", "a space")

    def end(self) -> None:
        """Nothing may follow."""
        if not self.at_end():
            raise ParseError("unexpected characters after the command")

    def match(self, pattern: re.Pattern[bytes]) -> bytes | None:
        """Consume and return what ``pattern`` matches here, or None."""
        found = pattern.match(self._text, self.pos)
        if found is None:
            return None
        self.pos = found.end()
        return found.group()

    def skip_rest(self) -> None:
        """Move past everything left, literals included."""
        self._index = len(self._literals)
        self._text = self._segments[self._index]
        self.pos = len(self._text)

    def atom(self, what: str = "an atom") -> bytes:
        """RFC 3501 9 ``atom``."""
        match = _ATOM.match(self._text, self.pos)
        if match is None:
            raise ParseError(f"expected {what}")
        self.pos = match.end()
        return match.group()

    def number(self, *, nonzero: bool = False) -> int:
        """RFC 3501 9 ``number`` / ``nz-number``."""
        match = _NUMBER.match(self._text, self.pos)
        if match is None:
            raise ParseError("expected a number")
        value = int(match.group())
        if value > NUMBER_MAX or (nonzero and value == 0):
            raise ParseError("number out of range")
        self.pos = match.end()
        return value

    def quoted(self) -> bytes:
        """RFC 3501 9 ``quoted``: only \\\\ and \\" may be escaped."""
        match = _QUOTED.match(self._text, self.pos)
        if match is not None:  # one regular-expression match, not a loop over the octets
            self.pos = match.end()
            return _ESCAPED.sub(rb"\1", match.group(1))
        return self._quoted_error()

    def _quoted_error(self) -> bytes:
        """Walks a quoted string that did not match, to say what is wrong with it."""
        self.expect(b'"', "a quoted string")
        out = bytearray()
        text = self._text
        while True:
            if self.pos >= len(text):
                raise ParseError("unterminated quoted string")
            char = text[self.pos]
            self.pos += 1
            if char == 0x22:  # "
                return bytes(out)
            if char == 0x5C:  # backslash
                escaped = text[self.pos : self.pos + 1]
                if escaped not in (b"\\", b'"'):
                    raise ParseError("bad escape in quoted string")
                out += escaped
                self.pos += 1
            elif char == 0:
                raise ParseError("NUL in quoted string")
            else:
                out.append(char)

    def literal(self) -> bytes:
        """RFC 3501 9 ``literal``: the ``{n}`` marker ends its segment; the octets follow."""
        match = _LITERAL.match(self._text, self.pos)
        if match is None or self._index >= len(self._literals):
            raise ParseError("expected a literal")
        data = self._literals[self._index]
        if b"\x00" in data:
            raise ParseError("NUL in literal")  # RFC 3501 4.3: literal8 is not accepted here
        self._index += 1
        self._text = self._segments[self._index]
        self.pos = 0
        return data

    def string(self) -> bytes:
        """RFC 3501 9 ``string`` = quoted / literal."""
        return self.literal() if self.peek() == b"{" else self.quoted()

    def astring(self) -> bytes:
        """RFC 3501 9 ``astring`` = 1*ASTRING-CHAR / string."""
        if self.peek() in (b'"', b"{"):
            return self.string()
        match = _ASTRING_ATOM.match(self._text, self.pos)
        if match is None:
            raise ParseError("expected a string")
        self.pos = match.end()
        return match.group()

    def nstring(self) -> bytes | None:
        """RFC 3501 9 ``nstring`` = string / NIL."""
        if self.peek_word() == b"NIL":
            self.pos += 3
            return None
        return self.string()

    def list_mailbox(self) -> bytes:
        """RFC 3501 9 ``list-mailbox``: wildcards allowed in the atom form."""
        if self.peek() in (b'"', b"{"):
            return self.string()
        match = _LIST_ATOM.match(self._text, self.pos)
        if match is None:
            raise ParseError("expected a mailbox pattern")
        self.pos = match.end()
        return match.group()

    def parenthesized(self, item: object) -> list:
        """``"(" item *(SP item) ")"`` where ``item`` is a callable reading one element."""
        self.expect(b"(")
        items = []
        if not self.accept(b")"):
            while True:
                items.append(item())  # type: ignore[operator]
                if self.accept(b")"):
                    break
                self.sp()
        return items


def flag(cursor: Cursor) -> str:
    """RFC 3501 9 ``flag``: a system flag (canonical case) or a keyword atom."""
    if cursor.accept(b"\\"):
        name = "\\" + cursor.atom("a flag").decode("ascii")
        canonical = SYSTEM_FLAGS.get(name.upper())
        if canonical is None:
            raise ParseError("unknown system flag")  # \Recent and extensions cannot be stored
        return canonical
    return cursor.atom("a flag").decode("ascii")
