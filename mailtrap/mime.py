"""The full parsed view of a raw message: bodies, attachments, headers and links.

Parsed with the standard library's ``email`` package (``policy.default``) on demand; the store
keeps parsed views in its bounded cache (``store.parsed(id)``), so neither ingest nor memory
pays for it. Broken or undecodable parts never raise: the view degrades (a body decoded with
replacement characters, a part kept as raw bytes), and the raw message is always still there.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from html.parser import HTMLParser

log = logging.getLogger("mailtrap.mime")

_PARSER = BytesParser(policy=policy.default)
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

    email: Message = field(repr=False)
    text: str
    html: str
    attachments: tuple[Attachment, ...]
    inline: tuple[Attachment, ...]
    headers: tuple[tuple[str, str], ...]
    links: tuple[str, ...]
    #: The size of the raw message parsed.
    source_size: int = 0

    def part(self, part_id: str) -> Attachment | None:
        """The attachment or inline part with this MIME part number."""
        for item in (*self.attachments, *self.inline):
            if item.part_id == part_id:
                return item
        return None


def parse(raw: bytes) -> ParsedMessage:
    """Parse raw bytes into a :class:`ParsedMessage`; never raises."""
    try:
        message = _PARSER.parsebytes(raw)
    except Exception:  # the parser is lenient; this is the last line of defence
        log.exception("unparseable message")
        message = EmailMessage()
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
    return ParsedMessage(
        email=message,
        text=text,
        html=html,
        attachments=tuple(attachments),
        inline=tuple(inline),
        headers=tuple((name, _header_str(message, name, v)) for name, v in message.raw_items()),
        links=tuple(dict.fromkeys([*find_urls(text), *_html_links(html)])),
        source_size=len(raw),
    )


def parsed_cost(view: ParsedMessage) -> int:
    """About how many bytes a parsed view holds: the message object keeps every part's text
    (about twice the raw size), plus the decoded bodies and attachments."""
    decoded = sum(a.size for a in (*view.attachments, *view.inline))
    return 2 * view.source_size + len(view.text) + len(view.html) + decoded


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


def _leaves(message: Message, prefix: str) -> list[tuple[str, Message]]:
    """Leaf parts with their IMAP part numbers (RFC 3501 6.4.5); message/rfc822 is a leaf."""
    if not message.is_multipart() or message.get_content_type() == "message/rfc822":
        return [(prefix or "1", message)]
    children = message.get_payload()
    if not isinstance(children, list):
        return []
    found = []
    for index, child in enumerate(children, 1):
        number = f"{prefix}.{index}" if prefix else str(index)
        if child.is_multipart() and child.get_content_type() != "message/rfc822":
            found.extend(_leaves(child, number))
        else:
            found.append((number, child))
    return found


def _attachment(part_id: str, part: Message) -> Attachment:
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


def _header_str(message: Message, name: str, value: object) -> str:
    try:
        return str(message.policy.header_fetch_parse(name, value))  # type: ignore[arg-type]
    except Exception:
        return str(value)


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
