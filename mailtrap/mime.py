"""The full parsed view of a raw message: bodies, attachments, headers and links.

The parts, and the number each attachment carries, are the core's one MIME walk
(:mod:`mailtrap.mimetree`), the same parts IMAP and the API's downloads number; the standard
library's ``email`` package (``policy.default``) reads each part's header block and decodes its
content, and picks the text and HTML bodies (``get_body``) from the tree the walk built. Parsed
on demand; the store keeps parsed views in its bounded cache (``store.parsed(id)``), so neither
ingest nor memory pays for it. Broken or undecodable parts never raise: the view degrades (a
body decoded with replacement characters, a part kept as raw bytes), and the raw message is
always still there.

The work is bounded whatever the message holds (Dovecot bounds its parser the same way, at
10,000 parts and 100 levels): the walk splits at most ``mimetree.MAX_PARTS`` parts and follows
``mimetree.MAX_DEPTH`` levels of nesting (a part deeper than that is one leaf); the parts past
the cap are shown as one opaque ``application/octet-stream`` attachment (see :data:`REST`). A
Content-* field is parsed up to :data:`FIELD_LIMIT` characters, and the header list is decoded
as :func:`mailtrap.message.header_text` bounds it (the standard library's structured header
parser is quadratic).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import binascii
import logging
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from .message import HEADER_LIMIT, header_block, header_text, read_head

if TYPE_CHECKING:
    from .mimetree import BodyPart, RawOffsets

log = logging.getLogger("mailtrap.mime")

#: How much of a Content-* field the parser reads (the structured parser is quadratic).
FIELD_LIMIT = 8192
#: The part number given to the unsplit rest of a message cut at MAX_PARTS (no IMAP number).
REST = "rest"


class _BoundedPolicy(EmailPolicy):
    """``policy.default`` that parses at most FIELD_LIMIT characters of a header field."""

    def header_fetch_parse(self, name: str, value: str) -> object:  # type: ignore[override]
        if isinstance(value, str) and len(value) > FIELD_LIMIT:
            value = value[:FIELD_LIMIT]
        return super().header_fetch_parse(name, value)


_POLICY = _BoundedPolicy()
_HEADERS = BytesParser(policy=_POLICY)
_URL = re.compile(r"""\bhttps?://[^\s<>"'`]+""", re.IGNORECASE)
_TRAILING = ".,;:!?'\")]}"


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attached (or inline) part, decoded."""

    part_id: str
    filename: str
    content_type: str
    content_id: str
    disposition: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """Everything a reader wants from one message, parsed once."""

    text: str
    html: str
    attachments: tuple[Attachment, ...]
    inline: tuple[Attachment, ...]
    headers: tuple[tuple[str, str], ...]
    links: tuple[str, ...]

    def part(self, part_id: str) -> Attachment | None:
        """The attachment or inline part with this MIME part number."""
        for item in (*self.attachments, *self.inline):
            if item.part_id == part_id:
                return item
        return None


def parse(raw: bytes) -> ParsedMessage:
    """Parse raw bytes into a :class:`ParsedMessage`; never raises; bounded work (see above).

    A message that is a single text part (most mail from tests and scripts) is read straight
    from its bytes; tests/core/test_facts.py checks it gives what :func:`parse_full` gives.
    """
    single = single_text_part(raw)
    if single is None:
        return parse_full(raw)
    head, subtype, content = single
    text, html = (content, "") if subtype == "plain" else ("", content)
    return ParsedMessage(
        text=text,
        html=html,
        attachments=(),
        inline=(),
        headers=tuple((name, header_text(str(value))) for name, value in head.raw_items()),
        links=tuple(dict.fromkeys([*find_urls(text), *_html_links(html)])),
    )


_PLAIN_ENCODINGS = frozenset({"", "7bit", "8bit", "binary"})


def single_text_part(raw: bytes) -> tuple[Message, str, str] | None:
    """(header, subtype, text) of a message that is one text/plain or text/html part, decoded
    as ``email`` decodes it; None for anything else (the full parse decides those)."""
    block = header_block(raw)
    if len(block) > HEADER_LIMIT:
        return None
    try:
        head = read_head(raw)
        if head.defects or head.get_payload():  # not a clean header block
            return None
        if head.get_content_maintype() != "text" or head.get_content_subtype() not in (
            "plain",
            "html",
        ):
            return None
        disposition = head.get_content_disposition()
        if disposition == "attachment" or (disposition is None and head.get_filename()):
            return None
        if head.get("content-id") is not None and disposition == "inline":
            return None
        payload: bytes | memoryview = memoryview(raw)[len(block) :]  # no copy of the body
        encoding = str(head.get("content-transfer-encoding", "")).strip().lower()
        if encoding == "quoted-printable":
            payload = binascii.a2b_qp(payload)
        elif encoding not in _PLAIN_ENCODINGS:  # base64 too: email's lenient decoding rules
            return None
        charset = head.get_param("charset", "ascii")
        if not isinstance(charset, str):  # RFC 2231 parameters
            return None
    except Exception:  # a header the fast path does not understand
        return None
    try:
        content = str(payload, charset, "replace")
    except LookupError:
        content = str(payload, "utf-8", "replace")
    return head, head.get_content_subtype(), content


def parse_full(raw: bytes) -> ParsedMessage:
    """:func:`parse` through the MIME walk and ``email``, whatever the message's shape."""
    try:
        message, numbered, rest = _walk(raw)
    except Exception:  # the walk and the parser are lenient; this is the last line of defence
        log.exception("unparseable message")
        message, numbered, rest = EmailMessage(), [], b""
    text_part, html_part = _body_part(message, "plain"), _body_part(message, "html")
    text = _content(text_part) if text_part is not None else ""
    html = _content(html_part) if html_part is not None else ""
    attachments: list[Attachment] = []
    inline: list[Attachment] = []
    for part_id, part in numbered:
        if part is text_part or part is html_part:
            continue
        item = _attachment(part_id, part)
        is_inline = item.disposition == "inline" or (
            not item.disposition and item.content_id and not item.filename
        )
        (inline if is_inline else attachments).append(item)
    if rest:
        attachments.append(Attachment(REST, "", "application/octet-stream", "", "attachment", rest))
    return ParsedMessage(
        text=text,
        html=html,
        attachments=tuple(attachments),
        inline=tuple(inline),
        headers=tuple((name, header_text(str(value))) for name, value in message.raw_items()),
        links=tuple(dict.fromkeys([*find_urls(text), *_html_links(html)])),
    )


def _walk(raw: bytes) -> tuple[Message, list[tuple[str, Message]], bytes]:
    """The message as ``email`` objects shaped like the walk's tree, its numbered leaves, and
    the bytes left unsplit once the walk hit MAX_PARTS."""
    # Here, not at import: mail of one text part (the common case) never needs the walk.
    from .mimetree import RawOffsets, leaves, message_structure

    structure = message_structure(raw)
    to_raw = RawOffsets(raw, structure.wire)
    made: dict[int, Message] = {}  # by id() of the tree's node
    root = _assemble(raw, structure.root, to_raw, made, digest=False)
    numbered = [(number, made[id(node)]) for number, node in leaves(structure)]
    rest = raw[to_raw(structure.cut) :] if structure.cut is not None else b""
    return root, numbered, rest


def _assemble(
    raw: bytes, node: BodyPart, to_raw: RawOffsets, made: dict[int, Message], digest: bool
) -> Message:
    """One part of the tree as an ``EmailMessage``: its header block parsed, its payload the
    body as ``email``'s own parser keeps it (bytes as surrogate-escaped text), or its parts."""
    start, body = to_raw(node.header_start), to_raw(node.body_start)
    part = _HEADERS.parsebytes(raw[start:body], headersonly=True)
    if digest:  # RFC 2046 5.1.5: a digest's parts are messages unless they say otherwise
        part.set_default_type("message/rfc822")
    if node.children:
        is_digest = node.subtype == "digest"
        part.set_payload([_assemble(raw, c, to_raw, made, is_digest) for c in node.children])
    else:
        part.set_payload(raw[body : to_raw(node.body_end)].decode("ascii", "surrogateescape"))
    made[id(node)] = part
    return part


def parsed_cost(view: ParsedMessage) -> int:
    """About how many bytes a parsed view holds: its decoded bodies, attachments and headers
    (it keeps no parsed message object)."""
    decoded = sum(a.size for a in (*view.attachments, *view.inline))
    headers = sum(len(name) + len(value) for name, value in view.headers)
    return len(view.text) + len(view.html) + decoded + headers


def find_urls(text: str) -> list[str]:
    """HTTP(S) URLs in plain text, in order, without trailing punctuation."""
    return [m.group().rstrip(_TRAILING) for m in _URL.finditer(text)]


def _body_part(message: Message, subtype: str) -> Message | None:
    try:
        return message.get_body(preferencelist=(subtype,))  # type: ignore[attr-defined]
    except Exception:
        return None


def _content(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except Exception:  # unknown charset, bad transfer encoding, ...
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


def _attachment(part_id: str, part: Message) -> Attachment:
    try:
        return _decoded(part_id, part)
    except Exception:  # a header email cannot read, ...
        return Attachment(part_id, "", "application/octet-stream", "", "attachment", b"")


def _decoded(part_id: str, part: Message) -> Attachment:
    payload = part.get_payload(decode=True)  # a message/rfc822 part: its bytes as received
    data = payload if isinstance(payload, bytes) else b""
    try:
        filename = part.get_filename() or ""
    except Exception:
        filename = ""
    disposition = (part.get_content_disposition() or "").lower()
    content_id = str(part.get("content-id", "")).strip().strip("<>")
    return Attachment(part_id, filename, part.get_content_type(), content_id, disposition, data)


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("a", "area"):
            for name, value in attrs:
                if name == "href" and value and _URL.match(value.strip()):
                    self.links.append(value.strip())

    def handle_data(self, data: str) -> None:
        self.links.extend(find_urls(data))


def _html_links(html: str) -> list[str]:
    if not html:
        return []
    parser = _LinkParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return find_urls(html)
    return parser.links
