"""Find one MIME part's bytes in a raw message and decode them in chunks, without parsing bodies.

``GET /api/v1/message/{ID}/part/{PartID}`` must serve a 15 MB attachment without holding a
decoded copy (or the ``email`` package's string copies) in memory. This module walks the
multipart structure by boundary search over the raw bytes, numbering leaves exactly as
:func:`mailtrap.mime.parse` does (IMAP part numbers, RFC 3501 6.4.5; message/rfc822 is a
leaf), and decodes a leaf's transfer encoding chunk by chunk. Only header blocks are parsed.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

CHUNK = 64 * 1024
_HEADERS = BytesHeaderParser(policy=compat32)
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NOT_B64 = bytes(b for b in range(256) if b not in _B64_ALPHABET)
MAX_DEPTH = 50


@dataclass(frozen=True, slots=True)
class Leaf:
    """A leaf part: its number, its parsed header block, and where its body lies in ``raw``."""

    part_id: str
    headers: Message
    start: int
    end: int

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type()

    @property
    def filename(self) -> str:
        try:
            name = self.headers.get_filename() or self.headers.get_param("name")
        except Exception:
            return ""
        if isinstance(name, tuple):  # an undecoded RFC 2231 triple
            name = name[2]
        return str(name or "")

    @property
    def content_id(self) -> str:
        return str(self.headers.get("content-id", "")).strip().strip("<>")

    @property
    def encoding(self) -> str:
        return str(self.headers.get("content-transfer-encoding", "")).strip().lower()


def find_leaf(raw: bytes, part_id: str) -> Leaf | None:
    """The leaf numbered ``part_id``, or None."""
    for leaf in leaves(raw):
        if leaf.part_id == part_id:
            return leaf
    return None


def leaves(raw: bytes) -> list[Leaf]:
    """Every leaf part of ``raw`` with its number, in order."""
    found: list[Leaf] = []
    _walk(raw, 0, len(raw), "", found, 0)
    return found


def split(raw: bytes, start: int, end: int) -> tuple[Message, int, list[tuple[int, int]]]:
    """The part at ``raw[start:end]``: its header block, where its body starts, and the
    (start, end) of each child when it is multipart (else none)."""
    headers, body = _split_headers(raw, start, end)
    boundary = (
        headers.get_param("boundary") if headers.get_content_maintype() == "multipart" else None
    )
    return headers, body, _children(raw, body, end, str(boundary)) if boundary else []


def _split_headers(raw: bytes, start: int, end: int) -> tuple[Message, int]:
    """Parse the header block at ``start``; returns it and where the body begins."""
    if raw.startswith((b"\r\n", b"\n"), start, end):
        body = start + (2 if raw.startswith(b"\r\n", start, end) else 1)
        return _HEADERS.parsebytes(b""), body
    match = _BLANK_LINE.search(raw, start, end)
    body = match.end() if match else end
    return _HEADERS.parsebytes(raw[start:body]), body


def _walk(raw: bytes, start: int, end: int, prefix: str, found: list[Leaf], depth: int) -> None:
    headers, body, children = split(raw, start, end)
    if depth >= MAX_DEPTH:
        children = []
    if not children:
        found.append(Leaf(prefix or "1", headers, body, end))
        return
    for index, (child_start, child_end) in enumerate(children, 1):
        number = f"{prefix}.{index}" if prefix else str(index)
        child_headers, child_body = _split_headers(raw, child_start, child_end)
        if child_headers.get_content_maintype() == "multipart":
            _walk(raw, child_start, child_end, number, found, depth + 1)
        else:
            found.append(Leaf(number, child_headers, child_body, child_end))


def _children(raw: bytes, body: int, end: int, boundary: str) -> list[tuple[int, int]]:
    """(start, end) of each body part between ``--boundary`` delimiter lines (RFC 2046 5.1.1)."""
    try:
        delimiter = b"--" + boundary.encode("ascii")
    except UnicodeEncodeError:
        return []
    # Delimiter lines: (where the line break before it starts, where the next part starts, is close)
    marks: list[tuple[int, int, bool]] = []
    pos = body
    while pos < end:
        if pos == body and raw.startswith(delimiter, pos, end):
            line_start, at = pos, pos
        else:
            at = raw.find(b"\n" + delimiter, pos, end)
            if at < 0:
                break
            line_start = at - 1 if at > body and raw[at - 1] == 0x0D else at
            at += 1
        after = at + len(delimiter)
        is_close = raw.startswith(b"--", after, end)
        line_end = raw.find(b"\n", after, end)
        rest = raw[after + (2 if is_close else 0) : line_end if line_end >= 0 else end]
        if rest.strip(b" \t\r"):  # a longer boundary that merely starts with ours
            pos = after
            continue
        marks.append((line_start, line_end + 1 if line_end >= 0 else end, is_close))
        if is_close:
            break
        pos = line_end if line_end >= 0 else end
    if not marks:
        return []
    parts = []
    for (_, part_start, is_close), following in zip(marks, [*marks[1:], None], strict=True):
        if is_close:
            break
        parts.append((part_start, following[0] if following else end))
    return parts


def decoded_chunks(raw: bytes, leaf: Leaf, size: int = CHUNK) -> Iterator[bytes]:
    """The leaf's body with its transfer encoding undone, ``size`` bytes of input at a time."""
    if leaf.encoding == "base64":
        yield from _base64_chunks(raw, leaf.start, leaf.end, size)
    elif leaf.encoding == "quoted-printable":
        yield from _qp_chunks(raw, leaf.start, leaf.end, size)
    else:
        for pos in range(leaf.start, leaf.end, size):
            yield raw[pos : min(pos + size, leaf.end)]


def _base64_chunks(raw: bytes, start: int, end: int, size: int) -> Iterator[bytes]:
    carry = b""
    for pos in range(start, end, size):
        data = carry + raw[pos : min(pos + size, end)].translate(None, _NOT_B64)
        usable = len(data) // 4 * 4
        carry = data[usable:]
        if usable:
            yield _a2b(data[:usable])
    if carry.strip(b"="):
        yield _a2b(carry + b"=" * (-len(carry) % 4))


def _a2b(data: bytes) -> bytes:
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        return b""


def _qp_chunks(raw: bytes, start: int, end: int, size: int) -> Iterator[bytes]:
    pos = start
    while pos < end:
        stop = min(pos + size, end)
        if stop < end:
            newline = raw.rfind(b"\n", pos, stop)
            if newline >= pos:
                stop = newline + 1
            else:  # a long line: never cut inside an "=XX" escape
                escape = raw.rfind(b"=", max(pos, stop - 2), stop)
                stop = escape if escape > pos else stop
        yield binascii.a2b_qp(raw[pos:stop])
        pos = stop
