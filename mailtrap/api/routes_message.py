"""Views of one message: detail (marks it read), headers, raw source, parts, the views, the
SMTP transcript, and release (sending it on through the ``--relay`` server, as Mailpit does).

Their paths and methods are in the route table, :mod:`.routes`.

``{ID}`` may be ``latest`` (the newest message, or the newest matching ``?query=``). Parts are
found by the core's MIME walk (kept in the store's cache as kind ``"mime-tree"``, shared with
IMAP), streamed in chunks straight from the raw bytes (see :mod:`.parts`) and always served as
downloads; ``/view/{ID}.html`` runs under a CSP that allows no script at all.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

from flask import Response, request

from ..message import header_block, parse_head
from ..mime import ParsedMessage
from ..mimetree import message_structure, structure_cost
from ..relay import RelayError, ReleaseError
from ..store import MessageRecord
from ..transcript import decode
from . import parts, serialize
from .respond import (
    ApiError,
    as_json,
    body_fields,
    find_message,
    in_mailbox,
    mailbox_arg,
    ok,
    state,
    string_list,
    summary_of,
)

_MIME_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_CHARSET = re.compile(r"^[A-Za-z0-9_.:-]{1,40}$")
_CID = re.compile(r"""cid:([^\s"'<>()]+)""", re.IGNORECASE)
_UNSAFE_NAME = re.compile(r'[^\x20-\x7e]|["\\]')

#: Downloads never render as pages of this origin.
DOWNLOAD_CSP = "default-src 'none'; sandbox"
#: The HTML view: inline styles and images from the message itself, never a script.
VIEW_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
)
#: The same with remote images allowed (``?remote=1``), still without any script.
VIEW_CSP_REMOTE_IMAGES = VIEW_CSP.replace(
    "img-src 'self' data:", "img-src 'self' data: http: https:"
)


def raw_of(message: MessageRecord) -> bytes:
    """The message's bytes; 404 when it left the store meanwhile."""
    raw = state().store.raw(message.id)
    if raw is None:
        raise ApiError(404, "message not found")
    return raw


def _parsed(message: MessageRecord) -> ParsedMessage:
    view = state().store.parsed(message.id)
    if view is None:
        raise ApiError(404, "message not found")
    return view


def get_message(ID: str) -> Response:
    api, mailbox = state(), mailbox_arg()
    message = in_mailbox(find_message(ID))
    view = _parsed(message)
    api.store.set_seen([message.id], True, mailbox)
    read = api.store.is_read(message.id, mailbox)
    tags = api.store.tags_of(message.id)
    return as_json(serialize.message(message, summary_of(message), view, read, tags))


def get_headers(ID: str) -> Response:
    message = in_mailbox(find_message(ID))
    block = parse_head(header_block(raw_of(message)))
    return as_json(serialize.headers(block.raw_items()))


def get_raw(ID: str) -> Response:
    message = in_mailbox(find_message(ID))
    response = Response(raw_of(message), mimetype="text/plain")
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    if request.args.get("dl") == "1":
        response.headers["Content-Disposition"] = f'attachment; filename="{message.id}.eml"'
    return response


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` and, when needed, an RFC 5987 ``filename*``."""
    fallback = _UNSAFE_NAME.sub("_", filename) or "download"
    value = f'attachment; filename="{fallback}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def _content_type(leaf: parts.Leaf) -> str:
    mime_type = leaf.content_type
    if not _MIME_TYPE.match(mime_type):
        return "application/octet-stream"
    charset = leaf.headers.get_content_charset()
    if mime_type.startswith("text/") and charset and _CHARSET.match(charset):
        return f"{mime_type}; charset={charset}"
    return mime_type


def _download(body: bytes | Iterator[bytes], content_type: str, filename: str) -> Response:
    response = Response(body, direct_passthrough=True)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return response


def _part(message: MessageRecord, part_id: str) -> tuple[str, str, bytes | Iterator[bytes]]:
    """(content type, file name, decoded body) of one part; 404 when there is no such part.

    The body of a leaf found in the raw bytes is streamed in chunks."""
    raw = raw_of(message)
    structure = state().store.derived("mime-tree", message.id, message_structure, structure_cost)
    leaf = parts.find_leaf(raw, part_id, structure)
    if leaf is not None:
        name = leaf.filename or leaf.content_id or f"part-{part_id}"
        return _content_type(leaf), name, parts.decoded_chunks(raw, leaf)
    item = _parsed(message).part(part_id)
    if item is None:
        raise ApiError(404, "part not found")
    content_type = item.content_type if _MIME_TYPE.match(item.content_type) else ""
    name = item.filename or item.content_id or f"part-{part_id}"
    return content_type or "application/octet-stream", name, item.data


def part_content(message: MessageRecord, part_id: str) -> tuple[str, str, bytes]:
    """(content type, file name, decoded bytes) of one part, all read."""
    content_type, name, body = _part(message, part_id)
    return content_type, name, body if isinstance(body, bytes) else b"".join(body)


def get_part(ID: str, PartID: str) -> Response:
    content_type, name, body = _part(in_mailbox(find_message(ID)), PartID)
    return _download(body, content_type, name)


def get_transcript(ID: str) -> Response:
    """The SMTP dialogue that delivered the message: commands, replies, times (our addition)."""
    message = in_mailbox(find_message(ID))
    blob = state().store.transcript(message.id)
    if blob is None:
        raise ApiError(404, "no SMTP transcript: this message did not arrive over SMTP")
    return as_json(serialize.transcript(decode(blob, message.id)))


def release(ID: str) -> Response:
    """Mailpit's release: send the message on to ``To`` through the ``--relay`` server."""
    relay = state().relay
    if relay is None:
        raise ApiError(404, "release is off: start mailtrap with --relay HOST:PORT")
    message = in_mailbox(find_message(ID))
    to = string_list(body_fields(), "To")
    try:
        relay.release(message, to)
    except ReleaseError as problem:
        raise ApiError(400, str(problem)) from None
    except RelayError as problem:
        raise ApiError(400, f"SMTP error: {problem}") from None
    return ok()


def view_html(ID: str) -> Response:
    message = in_mailbox(find_message(ID))
    view = _parsed(message)
    if not view.html:
        raise ApiError(404, "message has no HTML part")
    by_cid = {a.content_id: a.part_id for a in (*view.inline, *view.attachments) if a.content_id}

    def link(match: re.Match[str]) -> str:
        part_id = by_cid.get(match.group(1))
        if part_id is None:
            return match.group(0)
        return f"/api/v1/message/{message.id}/part/{part_id}"

    response = Response(_CID.sub(link, view.html), mimetype="text/html")
    remote = request.args.get("remote") == "1"
    response.headers["Content-Security-Policy"] = VIEW_CSP_REMOTE_IMAGES if remote else VIEW_CSP
    return response


def view_text(ID: str) -> Response:
    message = in_mailbox(find_message(ID))
    response = Response(_parsed(message).text, mimetype="text/plain")
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return response
