"""Serve one MIME part's bytes from a raw message, decoded in chunks, without parsing bodies.

``GET /api/v1/message/{ID}/part/{PartID}`` must serve a 15 MB attachment without holding a
decoded copy (or the ``email`` package's string copies) in memory. The parts and their numbers
are the core's one MIME walk (:mod:`mailtrap.mimetree`: IMAP part numbers, RFC 3501 6.4.5;
message/rfc822 is a leaf), so a PartID names the part IMAP and :func:`mailtrap.mime.parse` name
by it; this module reads a leaf's header block and decodes its transfer encoding chunk by chunk,
from the raw bytes as received.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

from ..message import parse_head
from ..mimetree import BodyPart, MessageStructure, RawOffsets, message_structure
from ..mimetree import leaves as numbered_leaves

CHUNK = 64 * 1024
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_NOT_B64 = bytes(b for b in range(256) if b not in _B64_ALPHABET)


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


def find_leaf(raw: bytes, part_id: str, structure: MessageStructure | None = None) -> Leaf | None:
    """The leaf numbered ``part_id``, or None. ``structure`` is ``raw``'s, when already parsed."""
    structure = structure or message_structure(raw)
    for number, node in numbered_leaves(structure):
        if number == part_id:
            return _leaf(raw, RawOffsets(raw, structure.wire), number, node)
    return None


def leaves(raw: bytes, structure: MessageStructure | None = None) -> list[Leaf]:
    """Every leaf part of ``raw`` with its number, in order."""
    structure = structure or message_structure(raw)
    to_raw = RawOffsets(raw, structure.wire)
    return [_leaf(raw, to_raw, number, node) for number, node in numbered_leaves(structure)]


def header(raw: bytes, start: int, end: int) -> Message:
    """The header block ``raw[start:end]``, parsed (compat32: values as written)."""
    return parse_head(raw[start:end])


def _leaf(raw: bytes, to_raw: RawOffsets, number: str, node: BodyPart) -> Leaf:
    start, body = to_raw(node.header_start), to_raw(node.body_start)
    return Leaf(number, header(raw, start, body), body, to_raw(node.body_end))


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
