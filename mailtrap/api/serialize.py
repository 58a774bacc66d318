"""The single definition of the API's JSON shapes (Mailpit API v1 field names).

Message fields are PascalCase and list envelopes lower-case, as Mailpit writes them; address
lists are ``[]``, never null. Times are RFC 3339 (``Z`` for UTC, as Go writes them).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from ..message import Address, Summary, mailbox_key
from ..mime import Attachment, ParsedMessage
from ..store import FolderInfo, MailboxInfo, MessageRecord
from ..store.searchdoc import SearchDoc
from ..transcript import Transcript

Json = dict[str, Any]

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_FOLD = re.compile(r"[ \t]*\r?\n[ \t]*")


def rfc3339(moment: datetime, timespec: str = "seconds") -> str:
    """``2024-05-01T12:00:00.123Z`` (``timespec`` as ``isoformat``'s); naive times are UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.isoformat(timespec=timespec)
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def received(message: MessageRecord) -> str:
    return rfc3339(datetime.fromtimestamp(message.received, UTC), "milliseconds")


def address(value: Address | None) -> Json:
    if value is None:
        return {"Name": "", "Address": ""}
    return {"Name": value.name, "Address": value.address}


def addresses(values: tuple[Address, ...] | list[Address]) -> list[Json]:
    return [{"Name": a.name, "Address": a.address} for a in values]


def bcc(message: MessageRecord, summary: Summary) -> list[Json]:
    """The Bcc header's addresses, plus envelope recipients named in no To, Cc or Bcc header."""
    listed = {mailbox_key(a.address) for a in (*summary.to, *summary.cc, *summary.bcc)}
    hidden = []
    for rcpt in message.rcpt_tos:
        key = mailbox_key(rcpt)
        if key not in listed:
            listed.add(key)
            hidden.append(Address("", rcpt))
    return addresses([*summary.bcc, *hidden])


def message_id(summary: Summary) -> str:
    return summary.message_id.strip().strip("<>")


def summary(
    message: MessageRecord, s: Summary, read: bool, facts: SearchDoc, tags: tuple[str, ...] = ()
) -> Json:
    """A ``MessageSummary``: one row of a list or search, and the ``new`` websocket event."""
    return {
        "ID": message.id,
        "MessageID": message_id(s),
        "Read": read,
        "From": address(s.from_),
        "To": addresses(s.to),
        "Cc": addresses(s.cc),
        "Bcc": bcc(message, s),
        "ReplyTo": addresses(s.reply_to),
        "Subject": s.subject,
        "Created": received(message),
        "Username": "",
        "Tags": list(tags),
        "Size": message.size,
        "Attachments": facts.attachments,
        "Snippet": facts.snippet,
    }


def page(
    rows: list[Json],
    *,
    start: int,
    total: int,
    unread: int,
    matched: int,
    matched_unread: int,
    tags: list[str],
) -> Json:
    """The ``MessagesSummary`` envelope of list and search answers (``tags``: every tag in use)."""
    return {
        "total": total,
        "unread": unread,
        "count": len(rows),
        "messages_count": matched,
        "messages_unread": matched_unread,
        "start": start,
        "tags": tags,
        "messages": rows,
    }


def attachment(item: Attachment) -> Json:
    data = item.data
    return {
        "PartID": item.part_id,
        "FileName": item.filename or item.content_id,
        "ContentType": item.content_type,
        "ContentID": item.content_id,
        "Size": len(data),
        "Checksums": {
            "MD5": hashlib.md5(data, usedforsecurity=False).hexdigest(),
            "SHA1": hashlib.sha1(data, usedforsecurity=False).hexdigest(),
            "SHA256": hashlib.sha256(data).hexdigest(),
        },
    }


def _header(parsed: ParsedMessage, name: str) -> str:
    for key, value in parsed.headers:
        if key.lower() == name:
            return value
    return ""


def list_unsubscribe(parsed: ParsedMessage) -> Json:
    header = _header(parsed, "list-unsubscribe")
    links = re.findall(r"<([^>]*)>", header)
    errors = "" if links or not header else "no <link> found in List-Unsubscribe"
    return {
        "Header": header,
        "Links": links,
        "Errors": errors,
        "HeaderPost": _header(parsed, "list-unsubscribe-post"),
    }


def message(
    stored: MessageRecord,
    s: Summary,
    parsed: ParsedMessage,
    read: bool,
    tags: tuple[str, ...] = (),
) -> Json:
    """The full ``Message`` of ``GET /api/v1/message/{ID}``."""
    return_path = _header(parsed, "return-path").strip().strip("<>")
    if not return_path:
        return_path = stored.mail_from or (s.from_.address if s.from_ else "")
    return {
        "ID": stored.id,
        "MessageID": message_id(s),
        "Read": read,
        "From": address(s.from_),
        "To": addresses(s.to),
        "Cc": addresses(s.cc),
        "Bcc": bcc(stored, s),
        "ReplyTo": addresses(s.reply_to),
        "ReturnPath": return_path,
        "Subject": s.subject,
        "ListUnsubscribe": list_unsubscribe(parsed),
        "Date": rfc3339(s.date) if s.date else received(stored),
        "Tags": list(tags),
        "Username": "",
        "Text": parsed.text,
        "HTML": parsed.html,
        "Size": stored.size,
        "Inline": [attachment(a) for a in parsed.inline],
        "Attachments": [attachment(a) for a in parsed.attachments],
    }


def canonical_header_name(name: str) -> str:
    """Go's ``textproto.CanonicalMIMEHeaderKey``: ``message-id`` -> ``Message-Id``."""
    if not _TOKEN.match(name):
        return name
    return "-".join(word[:1].upper() + word[1:].lower() for word in name.split("-"))


def clean_header(value: str) -> str:
    """Unfold a raw header value and make 8-bit bytes readable (UTF-8, else replaced)."""
    text = value.encode("ascii", "surrogateescape").decode("utf-8", "replace")
    return _FOLD.sub(" ", text).strip()


def headers(items: list[tuple[str, str]]) -> Json:
    """``/headers``: canonical name -> list of raw (unfolded) values, names in sorted order."""
    grouped: dict[str, list[str]] = {}
    for name, value in items:
        grouped.setdefault(canonical_header_name(name), []).append(clean_header(str(value)))
    return dict(sorted(grouped.items()))


def folder(info: FolderInfo) -> Json:
    return {"Name": info.name, "Total": info.total, "Unread": info.unseen}


def transcript(dialogue: Transcript) -> Json:
    """``/transcript``: the SMTP dialogue that delivered a message (mailtrap addition)."""
    return {
        "Client": dialogue.client,
        "TLS": dialogue.tls,
        "Omitted": dialogue.omitted,
        "Lines": [
            {
                "Time": rfc3339(datetime.fromtimestamp(line.time, UTC), "microseconds"),
                "Direction": line.direction,
                "Text": line.text,
            }
            for line in dialogue.lines
        ],
    }


def mailbox(info: MailboxInfo) -> Json:
    """One account: its INBOX's counts, and every folder (INBOX first)."""
    return {
        "Address": info.address,
        "Total": info.total,
        "Unread": info.unseen,
        "Folders": [folder(f) for f in info.folders if not f.noselect],
    }


def error(text: str) -> Json:
    return {"Error": text}
