"""Views over many messages: list, search, mark read/unread, delete, and the mailbox list.

Their paths and methods are in the route table, :mod:`.routes`.

Without ``mailbox=`` an ID names the stored message everywhere: Read means \\Seen in every
mailbox holding it, and PUT/DELETE act in all of them. With ``mailbox=`` they act in that
mailbox only (DESIGN.md, "Store semantics seen from outside").

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from flask import Response, request

from ..message import mailbox_key
from ..store import MailboxId
from ..store.query import Filter, Page
from . import search, serialize
from .respond import (
    ApiError,
    ApiState,
    as_json,
    body_fields,
    boolean,
    confined_to,
    int_arg,
    mailbox_arg,
    ok,
    query_arg,
    row,
    state,
    string_list,
    tag_counts,
)
from .search import Query

DEFAULT_LIMIT = 50


def _counts(api: ApiState, mailbox: MailboxId | None) -> tuple[int, int]:
    """(total, unread) of the whole store or of one mailbox."""
    if mailbox is None:
        return api.store.count(), api.store.unread_count()
    folder = api.store.folder(mailbox)
    return (folder.total, folder.unseen) if folder is not None else (0, 0)


def _answer(api: ApiState, query: Query | None, mailbox: MailboxId | None) -> Response:
    """One page of a list or search (newest first) in the ``MessagesSummary`` envelope."""
    start = int_arg("start", 0)
    limit = int_arg("limit", DEFAULT_LIMIT)
    terms = query.terms if query is not None else ()
    found: Page = api.store.query(Filter(terms, mailbox, newest_first=True), start, limit or None)
    total, unread = _counts(api, mailbox)
    return as_json(
        serialize.page(
            [row(api, m, mailbox) for m in found.messages],
            start=start,
            total=total,
            unread=unread,
            matched=found.total,
            matched_unread=found.unread,
            tags=list(tag_counts()),
        )
    )


def _matching_ids(api: ApiState, query: Query, mailbox: MailboxId | None) -> list[str]:
    return [m.id for m in api.store.query(Filter(query.terms, mailbox)).messages]


def list_messages() -> Response:
    return _answer(state(), None, mailbox_arg())


def search_messages() -> Response:
    api, mailbox = state(), mailbox_arg()
    return _answer(api, query_arg(required=True), mailbox)


def delete_search() -> Response:
    api, mailbox = state(), mailbox_arg()
    query = query_arg(required=True)
    api.store.delete(_matching_ids(api, query, mailbox), mailbox)
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
        ids = _matching_ids(api, query, mailbox)
    elif not ids:
        ids = [m.id for m in api.store.messages(mailbox)]
    api.store.set_seen(ids, read, mailbox)
    return ok()


def delete_messages() -> Response:
    """Mailpit's delete by IDs answers ``ok``; deleting everything (no IDs), which is MailHog's
    delete-all too, answers an empty 200 as MailHog did: its clients parse any body as JSON,
    Mailpit's do not read it."""
    api, mailbox = state(), mailbox_arg()
    ids = string_list(body_fields(), "IDs")
    if ids:
        api.store.delete(ids, mailbox)
        return ok()
    if mailbox is None:
        api.store.clear()
    else:
        api.store.delete([m.id for m in api.store.messages(mailbox)], mailbox)
    return Response(b"", 200)


def list_mailboxes() -> Response:
    boxes = state().store.mailboxes()
    account = confined_to()
    if account is not None:
        boxes = [box for box in boxes if mailbox_key(box.address) == mailbox_key(account)]
    return as_json({"mailboxes": [serialize.mailbox(info) for info in boxes]})
