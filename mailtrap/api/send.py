"""``POST /api/v1/send``: turn Mailpit's ``SendRequest`` JSON into a MIME message and envelope.

Bcc recipients go to the envelope only (as a real MTA delivers them), so they show up as Bcc
in summaries through the envelope rule and never appear in the stored headers. Every problem
is an :class:`~.errors.ApiError` (400) naming the field.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import Any

from .errors import ApiError

#: Headers the request's ``Headers`` object may not set (they come from the other fields).
RESTRICTED = frozenset(
    {"to", "from", "cc", "bcc", "reply-to", "date", "subject", "content-type", "mime-version"}
)


@dataclass(frozen=True)
class Outgoing:
    """A message built from a send request, ready for ``store.deliver``."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes


def _field(body: dict[str, Any], name: str, kind: type, default: Any) -> Any:
    for key, value in body.items():
        if key.lower() == name.lower():
            if value is None:
                return default
            if not isinstance(value, kind):
                raise ApiError(400, f"{name} has the wrong type")
            return value
    return default


def _address(item: Any, what: str) -> Address:
    if isinstance(item, str):  # Bcc is a list of plain addresses
        email, name = item, ""
    elif isinstance(item, dict):
        email, name = _field(item, "Email", str, ""), _field(item, "Name", str, "")
    else:
        raise ApiError(400, f"invalid {what} address")
    email = email.strip()
    if "@" not in email or any(c in email for c in "\r\n<>,; "):
        raise ApiError(400, f"invalid {what} address: {email!r}")
    try:
        return Address(display_name=name, addr_spec=email)
    except (ValueError, HeaderParseError, IndexError):
        raise ApiError(400, f"invalid {what} address: {email!r}") from None


def _addresses(body: dict[str, Any], name: str) -> list[Address]:
    return [_address(item, name) for item in _field(body, name, list, [])]


def _attachment(item: Any) -> tuple[bytes, str, str, str]:
    """(data, content type, file name, content ID) of one ``Attachments`` entry."""
    if not isinstance(item, dict):
        raise ApiError(400, "each attachment must be an object")
    filename = _field(item, "Filename", str, "")
    content = _field(item, "Content", str, "")
    if not filename:
        raise ApiError(400, "attachment Filename is required")
    try:
        data = base64.b64decode(content.rsplit(",", 1)[-1], validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, f"attachment {filename!r}: Content is not valid base64") from None
    content_type = _field(item, "ContentType", str, "") or (
        mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    if content_type.count("/") != 1:
        raise ApiError(400, f"attachment {filename!r}: bad ContentType")
    return data, content_type, filename, _field(item, "ContentID", str, "")


def build(body: Any, hostname: str = "mailtrap") -> Outgoing:
    """Validate a ``SendRequest`` and build the message; raises :class:`ApiError`."""
    if not isinstance(body, dict):
        raise ApiError(400, "request body must be a JSON object")
    sender = _address(_field(body, "From", dict, None) or {}, "From")
    to, cc = _addresses(body, "To"), _addresses(body, "Cc")
    bcc, reply_to = _addresses(body, "Bcc"), _addresses(body, "ReplyTo")
    if not (to or cc or bcc):
        raise ApiError(400, "no recipients: give To, Cc or Bcc")
    message = EmailMessage(policy=SMTP)
    try:
        message["From"] = sender
        if to:
            message["To"] = to
        if cc:
            message["Cc"] = cc
        if reply_to:
            message["Reply-To"] = reply_to
        message["Subject"] = _field(body, "Subject", str, "")
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain=hostname)
        tags = _field(body, "Tags", list, [])
        if tags:
            message["X-Tags"] = ", ".join(str(t) for t in tags)
        for name, value in _field(body, "Headers", dict, {}).items():
            if name.lower() in RESTRICTED or (tags and name.lower() == "x-tags"):
                raise ApiError(400, f"cannot overwrite header {name!r}")
            message[str(name)] = str(value)
        _fill_body(message, body)
        raw = message.as_bytes()
    except (ValueError, TypeError, HeaderParseError) as problem:
        raise ApiError(400, f"cannot build the message: {problem}") from None
    recipients = [a.addr_spec for a in (*to, *cc, *bcc)]
    return Outgoing(sender.addr_spec, recipients, raw)


def _fill_body(message: EmailMessage, body: dict[str, Any]) -> None:
    text, html = _field(body, "Text", str, ""), _field(body, "HTML", str, "")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    html_part = message.get_payload()[1] if html else None
    for item in _field(body, "Attachments", list, []):
        data, content_type, filename, content_id = _attachment(item)
        maintype, subtype = content_type.split("/")
        if content_id and html_part is not None:
            html_part.add_related(
                data,
                maintype,
                subtype,
                cid=f"<{content_id}>",
                filename=filename,
                disposition="inline",
            )
        elif content_id:
            message.add_attachment(
                data,
                maintype,
                subtype,
                cid=f"<{content_id}>",
                filename=filename,
                disposition="inline",
            )
        else:
            message.add_attachment(data, maintype, subtype, filename=filename)
