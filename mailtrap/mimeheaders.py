"""Header blocks in a message's wire bytes: where a header ends, where each field lies, its value.

Works on offsets into the wire bytes (every line ending is CRLF there), so callers can cut the
original field lines, folding and all, without the ``email`` package re-folding them. Used by
the MIME walk (:mod:`mailtrap.mimetree`) and IMAP's ENVELOPE and HEADER.FIELDS.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re

from .record import Record

# A header line, as the stdlib parser judges it (so our split agrees with ``email``): a field
# name and colon, a folded continuation (RFC 5322 2.2.3), or an mbox "From " line.
_HEADER_LINE = re.compile(rb"From |[\x21-\x39\x3b-\x7e]*:|[\t ]")
_CRLF = b"\r\n"


class Field(Record):
    """One header field: its lower-cased name and the offsets of its lines (final CRLF included)."""

    name: str
    start: int
    end: int


def header_end(wire: bytes, start: int, end: int) -> int:
    """The offset just past a header block that begins at ``start`` (its blank line included).

    The block stops at the first blank line (RFC 5322 2.1) or, for broken input, before the first
    line that is not a header line; with neither, it runs to ``end`` (the part is all header).
    """
    pos = start
    while pos < end:
        eol = wire.find(_CRLF, pos, end)
        if eol == pos:  # the blank line belongs to the header block
            return pos + 2
        if not _HEADER_LINE.match(wire, pos, end):
            return pos
        if eol < 0:
            return end
        pos = eol + 2
    return end


def header_fields(wire: bytes, start: int, end: int) -> list[Field]:
    """The fields of the header block ``wire[start:end]`` in order, continuation lines joined."""
    fields: list[Field] = []
    pos = start
    name = ""
    field_start = -1
    while pos < end:
        eol = wire.find(_CRLF, pos, end)
        line_end = end if eol < 0 else eol + 2
        if eol == pos:  # the terminating blank line
            break
        first = wire[pos]
        if first not in (0x20, 0x09):  # not a continuation: a new field (or a stray line)
            if field_start >= 0:
                fields.append(Field(name, field_start, pos))
            colon = wire.find(b":", pos, line_end)
            if colon < 0 or wire.startswith(b"From ", pos):
                field_start = -1  # mbox "From " line or junk: not a field
            else:
                name = wire[pos:colon].strip().decode("latin-1").lower()
                field_start = pos
        pos = line_end
    if field_start >= 0:
        fields.append(Field(name, field_start, pos))
    return fields


def field_value(wire: bytes, field: Field) -> bytes:
    """A field's value: after the colon, unfolded (RFC 5322 2.2.3), outer whitespace removed."""
    colon = wire.find(b":", field.start, field.end)
    return wire[colon + 1 : field.end].replace(_CRLF, b"").strip(b" \t")


def header_values(wire: bytes, start: int, end: int, names: frozenset[str]) -> dict[str, bytes]:
    """The first value of each named field (lower-case names) in a header block."""
    values: dict[str, bytes] = {}
    for field in header_fields(wire, start, end):
        if field.name in names and field.name not in values:
            values[field.name] = field_value(wire, field)
    return values


def uncomment(value: bytes) -> bytes:
    """``value`` with its RFC 5322 3.2.2 comments turned into spaces; quoted strings kept whole.

    RFC 2045 5.1, 6.1 and RFC 3282 2 allow comments in Content-Type, Content-Transfer-Encoding
    and Content-Language; they carry no meaning.
    """
    if b"(" not in value:
        return value
    out = bytearray()
    depth, quoted, i, n = 0, False, 0, len(value)
    while i < n:
        char = value[i]
        i += 1
        if char == 0x5C and (depth or quoted) and i < n:  # a quoted-pair
            if quoted:
                out += value[i - 1 : i + 1]
            i += 1
        elif depth:
            depth += {0x28: 1, 0x29: -1}.get(char, 0)
            if not depth:
                out.append(0x20)
        elif quoted:
            out.append(char)
            quoted = char != 0x22
        elif char == 0x28:
            depth = 1
        else:
            out.append(char)
            quoted = char == 0x22
    return bytes(out).strip(b" \t")


def text(data: bytes) -> str:
    """Header bytes as ``str`` for typed fields: UTF-8, with undecodable octets replaced."""
    return data.decode("utf-8", errors="replace")
