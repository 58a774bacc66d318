"""Views over many messages: list, search, mark read/unread, delete, and the mailbox list.

Their paths and methods are in the route table, :mod:`.routes`.

Without ``mailbox=`` an ID names the stored message everywhere: Read means \\Seen in every
mailbox holding it, and PUT/DELETE act in all of them. With ``mailbox=`` they act in that
mailbox only (DESIGN.md, "Store semantics seen from outside").
"""

from __future__ import annotations

from flask import Response, request

from ..store import MailboxId, MessageRecord
from . import search, serialize
from .respond import (
    ApiError,
    ApiState,
    as_json,
    body_fields,
    boolean,
    int_arg,
    mailbox_arg,
    newest_first,
    ok,
    query_arg,
    state,
    string_list,
    summary_of,
)
from .search import Context, Query
from .serialize import Json

DEFAULT_LIMIT = 50


def _counts(api: ApiState, mailbox: MailboxId | None) -> tuple[int, int]:
    """(total, unread) of the whole store or of one mailbox."""
    if mailbox is None:
        return api.store.count(), api.index.unread
    snapshot = api.store.snapshot(mailbox)
    return (len(snapshot.entries), snapshot.unseen) if snapshot else (0, 0)


def summaries(
    api: ApiState, messages: list[MessageRecord], mailbox: MailboxId | None = None
) -> list[Json]:
    """``MessageSummary`` rows for messages (read state within ``mailbox`` when given)."""
    index = api.index
    return [
        serialize.summary(m, summary_of(m), index.is_read(m.id, mailbox), index.facts(m))
        for m in messages
    ]


def _page(
    api: ApiState, matched: list[MessageRecord], mailbox: MailboxId | None, unread_matched: int
) -> Response:
    """One page of ``matched`` (newest first) in the ``MessagesSummary`` envelope."""
    start = int_arg("start", 0)
    limit = int_arg("limit", DEFAULT_LIMIT)
    ordered = newest_first(matched)
    rows = ordered[start : start + limit] if limit else ordered[start:]
    total, unread = _counts(api, mailbox)
    return as_json(
        serialize.page(
            summaries(api, rows, mailbox),
            start=start,
            total=total,
            unread=unread,
            matched=len(matched),
            matched_unread=unread_matched,
        )
    )


def list_messages() -> Response:
    api, mailbox = state(), mailbox_arg()
    _, unread = _counts(api, mailbox)
    return _page(api, api.store.messages(mailbox), mailbox, unread)


def _search(api: ApiState, query: Query, mailbox: MailboxId | None) -> list[MessageRecord]:
    return query.filter(api.store.messages(mailbox), Context(api.index, mailbox))


def search_messages() -> Response:
    api, mailbox = state(), mailbox_arg()
    query = query_arg(required=True)
    matched = _search(api, query, mailbox)
    unread = sum(1 for m in matched if not api.index.is_read(m.id, mailbox))
    return _page(api, matched, mailbox, unread)


def delete_search() -> Response:
    api, mailbox = state(), mailbox_arg()
    query = query_arg(required=True)
    api.store.delete([m.id for m in _search(api, query, mailbox)], mailbox)
    return ok()


def set_read_status() -> Response:
    api, mailbox = state(), mailbox_arg()
    fields = body_fields()
    ids = string_list(fields, "IDs")
    read = boolean(fields, "Read")
    search_text = fields.get("search") or ""
    if not isinstance(search_text, str | list):
        raise ApiError(400, "Search must be a string")
    if isinstance(search_text, list):  # from a form
        search_text = search_text[-1] if search_text else ""
    if ids and search_text.strip():
        raise ApiError(400, "You may specify either IDs or a search query, not both")
    if search_text.strip():
        try:
            query = search.parse(search_text, request.args.get("tz"))
        except search.QueryError as problem:
            raise ApiError(400, str(problem)) from None
        ids = [m.id for m in _search(api, query, mailbox)]
    elif not ids:
        ids = [m.id for m in api.store.messages(mailbox)]
    api.store.set_seen(ids, read, mailbox)
    return ok()


def delete_messages() -> Response:
    api, mailbox = state(), mailbox_arg()
    ids = string_list(body_fields(), "IDs")
    if ids:
        api.store.delete(ids, mailbox)
    elif mailbox is None:
        api.store.clear()
    else:
        api.store.delete([m.id for m in api.store.messages(mailbox)], mailbox)
    return ok()


def list_mailboxes() -> Response:
    boxes = state().store.mailboxes()
    return as_json({"mailboxes": [serialize.mailbox(info) for info in boxes]})
