"""MailHog's JSON shapes, for its clients: a message as ``data.Message`` (``ID``, ``From`` and
``To`` as paths, ``Content`` with its ``Headers`` map and raw ``Body``, ``Created``, ``MIME``
with raw ``Parts``, ``Raw`` with the envelope and the data) and the v2 list envelope.

Headers keep the names as written and their raw values, unfolded (MailHog's clients decode
encoded words and transfer encodings themselves); a header that occurs more than once lists
every value (MailHog kept the last). Bodies are the raw text after the header block. Parts are
the core's one MIME walk (:mod:`mailtrap.mimetree`), as downloads and IMAP see them.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..mimetree import BodyPart, RawOffsets, message_structure
from ..store import MessageRecord
from . import parts
from .serialize import clean_header

Json = dict[str, Any]


def path(address: str) -> Json:
    """An SMTP path as MailHog splits it: ``@relay,@relay:mailbox@domain``."""
    relays = None
    if ":" in address:
        route, _, address = address.partition(":")
        relays = route.split(",")
    mailbox, _, domain = address.partition("@")
    return {"Relays": relays, "Mailbox": mailbox, "Domain": domain, "Params": ""}


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _content(raw: bytes, node: BodyPart, to_raw: RawOffsets) -> tuple[Json, Json | None]:
    """A part as MailHog's ``Content``, and its ``MIME`` (its parts) when it is multipart."""
    start, body, end = to_raw(node.header_start), to_raw(node.body_start), to_raw(node.body_end)
    headers: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for name, value in parts.header(raw, start, body).raw_items():
        key = names.setdefault(name.lower(), name)
        headers.setdefault(key, []).append(clean_header(str(value)))
    content = {"Headers": headers, "Body": _text(raw[body:end]), "Size": end - start, "MIME": None}
    if not node.children:
        return content, None
    inner = []
    for child in node.children:
        child_content, child_mime = _content(raw, child, to_raw)
        child_content["MIME"] = child_mime
        inner.append(child_content)
    return content, {"Parts": inner}


def message(record: MessageRecord, raw: bytes) -> Json:
    """One message as MailHog's API shows it."""
    structure = message_structure(raw)
    content, mime = _content(raw, structure.root, RawOffsets(raw, structure.wire))
    created = datetime.fromtimestamp(record.received).astimezone()
    return {
        "ID": record.id,
        "From": path(record.mail_from),
        "To": [path(r) for r in record.rcpt_tos],
        "Content": content,
        "Created": created.isoformat(timespec="microseconds"),
        "MIME": mime,
        "Raw": {
            "From": record.mail_from,
            "To": list(record.rcpt_tos),
            "Data": _text(raw),
            "Helo": "",
        },
    }


def page(items: list[Json], *, total: int, start: int) -> Json:
    """The v2 list and search envelope."""
    return {"total": total, "count": len(items), "start": start, "items": items}
