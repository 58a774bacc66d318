"""The full parsed view of a raw message: bodies, attachments, headers and links.

Parsed with the standard library's ``email`` package (``policy.default``) on demand; the store
keeps parsed views in its bounded cache (``store.parsed(id)``), so neither ingest nor memory
pays for it. Broken or undecodable parts never raise: the view degrades (a body decoded with
replacement characters, a part kept as raw bytes), and the raw message is always still there.

The work is bounded whatever the message holds (Dovecot bounds its parser the same way, at
10,000 parts and 100 levels): the parser is fed a few KiB at a time and stops after
:data:`MAX_PARTS` parts or :data:`MAX_DEPTH` levels of nesting; the rest of the message is
then shown as one opaque ``application/octet-stream`` attachment (see :data:`REST`). A
Content-* field is parsed up to :data:`FIELD_LIMIT` characters, and the header list is decoded
as :func:`mailtrap.message.header_text` bounds it (the standard library's structured header
parser is quadratic). Feeding in pieces also keeps the parser from splitting the whole
message into lines at once: parsing costs about the message's size in memory, not six times it.
"""

from __future__ import annotations

import binascii
import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesFeedParser
from email.policy import EmailPolicy
from html.parser import HTMLParser

from .message import HEADER_LIMIT, header_block, header_text, read_head

log = logging.getLogger("mailtrap.mime")

#: The most MIME parts one parse makes (each costs the parser about 100 us).
MAX_PARTS = 1000
#: The most levels of multipart and message/rfc822 nesting one parse follows.
MAX_DEPTH = 64
#: How much of a Content-* field the parser reads (the structured parser is quadratic).
FIELD_LIMIT = 8192
#: The part number given to the unparsed rest of a message cut at MAX_PARTS or MAX_DEPTH.
REST = "rest"
_FEED = 4096


class _BoundedPolicy(EmailPolicy):
    """``policy.default`` that parses at most FIELD_LIMIT characters of a header field."""

    def header_fetch_parse(self, name: str, value: str) -> object:  # type: ignore[override]
        if isinstance(value, str) and len(value) > FIELD_LIMIT:
            value = value[:FIELD_LIMIT]
        return super().header_fetch_parse(name, value)


_POLICY = _BoundedPolicy()
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
    """:func:`parse` through ``email``'s parser, whatever the message's shape."""
    try:
        message, rest = _email(raw)
    except Exception:  # the parser is lenient; this is the last line of defence
        log.exception("unparseable message")
        message, rest = EmailMessage(), b""
    text_part, html_part = _body_part(message, "plain"), _body_part(message, "html")
    text = _content(text_part) if text_part is not None else ""
    html = _content(html_part) if html_part is not None else ""
    attachments: list[Attachment] = []
    inline: list[Attachment] = []
    for part_id, part in _leaves(message, ""):
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


def _email(raw: bytes) -> tuple[Message, bytes]:
    """The parsed message, and the bytes left unparsed once MAX_PARTS or MAX_DEPTH was hit."""
    made: list[Message] = []

    def factory(policy: EmailPolicy = _POLICY) -> Message:
        part = EmailMessage(policy)
        made.append(part)
        return part

    parser = BytesFeedParser(_factory=factory, policy=_POLICY)
    made.clear()  # the parser made one to try the factory
    for start in range(0, len(raw), _FEED):
        parser.feed(raw[start : start + _FEED])
        if len(made) > MAX_PARTS or (made and _depth(made[0]) > MAX_DEPTH):
            return parser.close(), raw[start + _FEED :]
    return parser.close(), b""


def _depth(root: Message) -> int:
    """How deep the part being parsed is: the length of the chain of last children."""
    depth, part = 0, root
    while part.is_multipart():
        children = part.get_payload()
        if not isinstance(children, list) or not children:
            break
        part = children[-1]
        depth += 1
    return depth


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


def _leaves(message: Message, prefix: str, depth: int = 0) -> list[tuple[str, Message]]:
    """Leaf parts with their IMAP part numbers (RFC 3501 6.4.5); message/rfc822 is a leaf,
    and so is a multipart deeper than MAX_DEPTH."""
    leaf = message.get_content_type() == "message/rfc822" or depth > MAX_DEPTH
    if not message.is_multipart() or leaf:
        return [(prefix or "1", message)]
    children = message.get_payload()
    if not isinstance(children, list):
        return []
    found = []
    for index, child in enumerate(children, 1):
        number = f"{prefix}.{index}" if prefix else str(index)
        if child.is_multipart() and child.get_content_type() != "message/rfc822":
            found.extend(_leaves(child, number, depth + 1))
        else:
            found.append((number, child))
    return found


def _attachment(part_id: str, part: Message) -> Attachment:
    try:
        return _decoded(part_id, part)
    except Exception:  # RecursionError re-serialising a deep message/rfc822, ...
        return Attachment(part_id, "", "application/octet-stream", "", "attachment", b"")


def _decoded(part_id: str, part: Message) -> Attachment:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        data = (
            inner[0].as_bytes(policy=policy.SMTP)
            if isinstance(inner, list) and inner and isinstance(inner[0], Message)
            else b""
        )
    else:
        payload = part.get_payload(decode=True)
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
