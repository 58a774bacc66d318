"""The one MIME walk: a message's parts as a tree with offsets, numbered as IMAP numbers them.

Every reader of parts uses this tree: IMAP's BODYSTRUCTURE and BODY[section]
(``protocols/imap/structure*``), the API's ``/part/{PartID}`` downloads and MailHog's parts
(``api/parts.py``, ``api/mailhog.py``), and the MIME view's attachments (``mime.py``, which asks
``email`` only to decode each part). So a part number means the same part everywhere
(:func:`leaves`, RFC 3501 6.4.5).

The tree is parsed from the message's wire bytes (:func:`wire_bytes`: CRLF line ends, as IMAP
sends them); :class:`RawOffsets` maps its offsets back into the raw bytes, for readers that serve
a part's bytes as received. The ``email`` package interprets each part's Content-* fields (RFC
2045 defaults, RFC 2231 parameter continuations); the tree and every offset come from our own
scan of the bytes, because ``email`` keeps no offsets. Broken input never raises: it degrades to
text/plain. The work is bounded: past :data:`MAX_DEPTH` levels or :data:`MAX_PARTS` parts,
parts are not split further (``MessageStructure.cut`` says where splitting stopped).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value

from .mimeheaders import header_end, header_values, text, uncomment

log = logging.getLogger("mailtrap.mimetree")

Params = tuple[tuple[str, str], ...]

_CONTENT_FIELDS = frozenset(
    {
        "content-type",
        "content-transfer-encoding",
        "content-id",
        "content-description",
        "content-md5",
        "content-disposition",
        "content-language",
        "content-location",
    }
)
_US_ASCII: Params = (("charset", "us-ascii"),)
#: The most levels of multipart and message/rfc822 nesting the walk follows.
MAX_DEPTH = 64
#: The most parts one walk makes (the MIME view pays about 100 us to decode each).
MAX_PARTS = 1024


@dataclass(frozen=True, slots=True)
class BodyPart:
    """One MIME part: offsets into the wire bytes and the fields BODYSTRUCTURE reports."""

    header_start: int
    header_end: int
    body_start: int
    body_end: int
    type: str = "text"
    subtype: str = "plain"
    params: Params = ()
    content_id: str | None = None
    description: str | None = None
    encoding: str = "7BIT"
    md5: str | None = None
    disposition: tuple[str, Params] | None = None
    language: tuple[str, ...] | None = None
    location: str | None = None
    lines: int = 0
    children: tuple[BodyPart, ...] = ()
    message: BodyPart | None = None


@dataclass(frozen=True, slots=True)
class MessageStructure:
    """A message as IMAP sends it (``wire``) and the tree of its parts (``root``).

    ``cut`` is the offset in ``wire`` from which nothing was split because of MAX_PARTS (the
    parts from there on belong to no part of the tree), or None.
    """

    wire: bytes
    root: BodyPart
    cut: int | None = None


def wire_bytes(raw: bytes) -> bytes:
    """The message as IMAP sends it: bare CR and bare LF become CRLF, NUL becomes 0x80.

    RFC 3501 9 (CHAR8) keeps NUL out of every string (Dovecot sends 0x80 instead); each size
    and offset this module reports is on these bytes. Returns ``raw`` itself when it is clean.
    """
    if b"\0" not in raw:
        crlf = raw.count(b"\r\n")
        if raw.count(b"\n") == crlf and raw.count(b"\r") == crlf:
            return raw
    data = raw.replace(b"\0", b"\x80")
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")


def message_structure(raw: bytes) -> MessageStructure:
    """Parse raw message bytes; never raises (broken parts degrade to text/plain)."""
    wire = wire_bytes(raw)
    parser = _Parser(wire)
    try:
        root = parser.message(0, len(wire), 0)
    except Exception:  # a bug must not cost the client its mail: fall back to one text part
        log.exception("unparseable message structure")
        root = BodyPart(0, 0, 0, len(wire), params=_US_ASCII, lines=count_lines(wire, 0, len(wire)))
        return MessageStructure(wire, root)
    return MessageStructure(wire, root, parser.cut)


def structure_cost(structure: MessageStructure) -> int:
    """About how many bytes a structure holds, for the store's cache (kind ``"mime-tree"``)."""
    return 2 * len(structure.wire) + 4096


def leaves(structure: MessageStructure) -> list[tuple[str, BodyPart]]:
    """Every leaf part with its IMAP part number, in order (RFC 3501 6.4.5).

    A multipart's children are numbered from 1 (the top level's too); a message that is not
    multipart is part "1"; a message/rfc822 part is a leaf, and so is a part not split
    because of MAX_DEPTH or MAX_PARTS.
    """
    root = structure.root
    if root.type != "multipart":
        return [("1", root)]
    found: list[tuple[str, BodyPart]] = []
    _number(root, "", found)
    return found


def _number(node: BodyPart, prefix: str, found: list[tuple[str, BodyPart]]) -> None:
    for index, child in enumerate(node.children, 1):
        if child.type == "multipart":  # at most MAX_DEPTH levels: the parser saw to that
            _number(child, f"{prefix}{index}.", found)
        else:
            found.append((f"{prefix}{index}", child))


class RawOffsets:
    """Maps offsets in a message's wire bytes to the same places in its raw bytes.

    :func:`wire_bytes` only adds bytes (a CR before a bare LF, an LF after a bare CR), so
    ``wire(r) = r + (bare line ends in raw[:r])`` grows strictly; an offset is found by a
    search that halves the distance each step, counting with ``bytes.count`` (no Python loop
    over lines). Offsets already found are kept, so a walk in order costs one pass.
    """

    def __init__(self, raw: bytes, wire: bytes) -> None:
        self.raw = raw
        self.same = raw is wire
        self.known = [(0, 0)]  # (wire offset, raw offset), sorted

    def __call__(self, offset: int) -> int:
        if self.same:
            return offset
        index = bisect.bisect_right(self.known, (offset, len(self.raw) + 1)) - 1
        w, r = self.known[index]
        while w < offset:
            gap = offset - w
            guess = min(r + gap, len(self.raw))  # the furthest it can be: no bare line end
            excess = w + (guess - r) + self._inserted(r, guess) - offset
            if excess <= 0:
                w, r = offset, guess
                break
            # wire grows 1 or 2 bytes a raw byte: the place is ``excess`` or more raw bytes
            # before the guess, and ``gap / 2`` or more after ``r``
            step = max(guess - r - excess, (gap + 1) // 2)
            w, r = w + step + self._inserted(r, r + step), r + step
        bisect.insort(self.known, (w, r))
        return r

    def _inserted(self, start: int, end: int) -> int:
        """Bytes wire_bytes adds for the raw bytes ``raw[start:end]``."""
        raw = self.raw
        if start >= end:
            return 0
        crlf = raw.count(b"\r\n", start, end)
        added = raw.count(b"\n", start, end) + raw.count(b"\r", start, end) - 2 * crlf
        if start > 0 and raw[start - 1] == 0x0D and raw[start] == 0x0A:
            added -= 1  # that LF ends a CRLF begun before ``start``
        if end < len(raw) and raw[end - 1] == 0x0D and raw[end] == 0x0A:
            added -= 1  # that CR begins a CRLF ended after ``end``
        return added


def count_lines(wire: bytes, start: int, end: int) -> int:
    """Text lines in ``wire[start:end]``, a final line without CRLF included."""
    if start >= end:
        return 0
    lines = wire.count(b"\n", start, end)
    return lines if wire.endswith(b"\n", start, end) else lines + 1


class _Parser:
    """One parse of one message; counts parts so a flood of them stays bounded."""

    def __init__(self, wire: bytes) -> None:
        self.wire = wire
        self.parts = 0
        self.cut: int | None = None

    def message(self, start: int, end: int, depth: int) -> BodyPart:
        """The root part of a message (top level or encapsulated) spanning ``[start, end)``."""
        return self.part(start, end, "text/plain", depth)

    def part(self, start: int, end: int, default_type: str, depth: int) -> BodyPart:
        wire = self.wire
        self.parts += 1
        body_start = header_end(wire, start, end)
        values = header_values(wire, start, body_start, _CONTENT_FIELDS)
        content = _Content(values, default_type)
        fields = {
            "content_id": _optional(values.get("content-id")),
            "description": _optional(values.get("content-description")),
            "encoding": _encoding(values.get("content-transfer-encoding")),
            "md5": _optional(values.get("content-md5")),
            "disposition": _disposition(values.get("content-disposition")),
            "language": _language(values.get("content-language")),
            "location": _optional(values.get("content-location")),
        }
        kind, params = content.type, content.params
        span = {"header_start": start, "header_end": body_start, "body_start": body_start}
        deep = depth >= MAX_DEPTH or self.parts >= MAX_PARTS
        if kind.startswith("multipart/") and not deep:
            child_type = "message/rfc822" if kind == "multipart/digest" else "text/plain"
            children = self.children(body_start, end, content.boundary(), child_type, depth)
            if children:  # RFC 2046 5.1.1
                sub = kind[len("multipart/") :]
                return BodyPart(
                    **span,
                    body_end=end,
                    type="multipart",
                    subtype=sub,
                    params=params,
                    children=children,
                    **fields,
                )
        if kind.startswith("multipart/"):  # no boundary or no delimiter: degrade to text/plain
            kind, params = "text/plain", _US_ASCII
        main, _, sub = kind.partition("/")
        embedded = None
        if kind == "message/rfc822" and not deep:  # RFC 2046 5.2.1
            embedded = self.message(body_start, end, depth + 1)
        elif kind == "message/rfc822":  # nested too deep to follow: an opaque leaf
            main, sub = "application", "octet-stream"
        lines = count_lines(wire, body_start, end) if main == "text" or embedded is not None else 0
        return BodyPart(
            **span,
            body_end=end,
            type=main,
            subtype=sub,
            params=params,
            lines=lines,
            message=embedded,
            **fields,
        )

    def children(
        self, start: int, end: int, boundary: bytes | None, child_type: str, depth: int
    ) -> tuple[BodyPart, ...]:
        if not boundary:
            return ()
        children = []
        spans = _delimited(self.wire, start, end, b"--" + boundary, MAX_PARTS - self.parts + 1)
        for child_start, child_end in spans:
            if self.parts >= MAX_PARTS:
                if self.cut is None:
                    self.cut = child_start
                break
            children.append(self.part(child_start, child_end, child_type, depth + 1))
        return tuple(children)


def _delimited(
    wire: bytes, start: int, end: int, delimiter: bytes, limit: int
) -> list[tuple[int, int]]:
    """The body parts between delimiter lines in ``wire[start:end]`` (RFC 2046 5.1.1), at most
    ``limit`` of them.

    A delimiter line is ``--boundary`` at the start of a line, optionally ``--`` (the close
    delimiter) and transport padding, then CRLF. The CRLF before it belongs to the delimiter, so a
    part ends there; the preamble before the first delimiter and the epilogue after the close
    delimiter belong to no part. A missing close delimiter ends the last part at ``end``.
    """
    spans: list[tuple[int, int]] = []
    part_start = -1
    pos = start
    while pos < end:
        if pos == start and wire.startswith(delimiter, start, end):
            line_start, after = start, start + len(delimiter)
        else:
            found = wire.find(b"\r\n" + delimiter, pos, end)
            if found < 0:
                break
            line_start, after = found, found + 2 + len(delimiter)
        close = wire.startswith(b"--", after, end)
        tail = after + 2 if close else after
        while tail < end and wire[tail] in (0x20, 0x09):  # transport padding
            tail += 1
        if tail < end and not wire.startswith(b"\r\n", tail, end):
            pos = line_start + 2  # "--boundary" followed by other text is not a delimiter
            continue
        if part_start >= 0:
            spans.append((part_start, max(part_start, line_start)))
        if close or tail >= end or len(spans) >= limit:
            return spans
        part_start, pos = tail + 2, tail  # this line's CRLF may open the next delimiter
    if part_start >= 0:
        spans.append((part_start, end))
    return spans


class _Content:
    """A part's Content-Type: type and subtype (RFC 2045 5.1, 5.2 defaults); parameters by way
    of the ``email`` package."""

    def __init__(self, values: dict[str, bytes], default_type: str) -> None:
        raw = values.get("content-type")
        self.type = default_type
        self.params: Params = _US_ASCII if default_type.startswith("text/") else ()
        if raw is None:  # RFC 2045 5.2: no Content-Type means the default type
            return
        value = uncomment(raw)
        header = Message()
        header["content-type"] = value.decode("latin-1")  # bijective; 8-bit restored below
        main, slash, sub = value.partition(b";")[0].decode("latin-1").partition("/")
        main, sub = main.strip().lower(), sub.strip().lower()
        if slash and main and sub and "/" not in sub:
            self.type, self.params = f"{main}/{sub}", _params(header, "content-type")
        else:  # RFC 2045 5.2: a syntactically invalid type means text/plain; us-ascii
            self.type, self.params = "text/plain", _US_ASCII

    def boundary(self) -> bytes | None:
        for name, value in self.params:
            if name == "boundary":
                return value.rstrip().encode("utf-8", errors="replace") or None
        return None


def _params(header: Message, name: str) -> Params:
    """A field's parameters: RFC 2231 continuations joined, charsets decoded, names lower-case."""
    try:
        found = header.get_params(header=name) or []
    except Exception:  # e.g. both "p*" and "p*0" given: email cannot order them
        return ()
    params = []
    for key, value in found[1:]:
        if isinstance(value, tuple):  # RFC 2231 4: charset'language'value, already decoded text
            params.append((key.lower(), collapse_rfc2231_value(value)))
        else:
            params.append((key.lower(), _restore(value)))
    return tuple(params)


def _restore(value: str) -> str:
    """Undo the latin-1 decoding used to hand a field to ``email``: back to UTF-8 text."""
    try:
        return text(value.encode("latin-1"))
    except UnicodeEncodeError:
        return value


def _encoding(value: bytes | None) -> str:
    """Content-Transfer-Encoding: one token (RFC 2045 6.1), upper-case; 7BIT by default."""
    tokens = uncomment(value).split() if value else []
    return text(tokens[0]).upper() if tokens else "7BIT"


def _optional(value: bytes | None) -> str | None:
    return None if value is None else text(value)


def _disposition(value: bytes | None) -> tuple[str, Params] | None:
    """Content-Disposition (RFC 2183): the disposition type and its parameters."""
    if value is None:
        return None
    header = Message()
    value = uncomment(value)
    header["content-disposition"] = value.decode("latin-1")
    kind = text(value.partition(b";")[0].strip()).lower()
    if not kind:
        return None
    return kind, _params(header, "content-disposition")


def _language(value: bytes | None) -> tuple[str, ...] | None:
    """Content-Language (RFC 3282): a comma-separated list of language tags."""
    if value is None:
        return None
    tags = tuple(tag for tag in (t.strip() for t in text(uncomment(value)).split(",")) if tag)
    return tags or None
