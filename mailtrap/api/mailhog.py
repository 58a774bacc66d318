"""MailHog's JSON shapes, for its clients: a message as ``data.Message`` (``ID``, ``From`` and
``To`` as paths, ``Content`` with its ``Headers`` map and raw ``Body``, ``Created``, ``MIME``
with raw ``Parts``, ``Raw`` with the envelope and the data) and the v2 list envelope.

Headers keep the names as written and their raw values, unfolded (MailHog's clients decode
encoded words and transfer encodings themselves); a header that occurs more than once lists
every value (MailHog kept the last). Bodies are the raw text after the header block. Parts are
found by the same boundary walk as downloads (:mod:`.parts`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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


def _content(raw: bytes, start: int, end: int, depth: int) -> tuple[Json, Json | None]:
    """A part as MailHog's ``Content``, and its ``MIME`` (its parts) when it is multipart."""
    head, body, children = parts.split(raw, start, end)
    headers: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for name, value in head.raw_items():
        key = names.setdefault(name.lower(), name)
        headers.setdefault(key, []).append(clean_header(str(value)))
    content = {"Headers": headers, "Body": _text(raw[body:end]), "Size": end - start, "MIME": None}
    if not children or depth >= parts.MAX_DEPTH:
        return content, None
    inner = []
    for child_start, child_end in children:
        child, child_mime = _content(raw, child_start, child_end, depth + 1)
        child["MIME"] = child_mime
        inner.append(child)
    return content, {"Parts": inner}


def message(record: MessageRecord, raw: bytes) -> Json:
    """One message as MailHog's API shows it."""
    content, mime = _content(raw, 0, len(raw), 0)
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
