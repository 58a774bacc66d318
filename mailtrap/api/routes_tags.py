"""Mailpit's tag routes: list tags, set them on messages, rename and delete a tag.

Their paths and methods are in the route table, :mod:`.routes`. Tags belong to the stored
message (the store keeps them, :mod:`mailtrap.tags` cleans their names); ``PUT /api/v1/tags``
replaces the tags of the messages named, as Mailpit's does. Unlike Mailpit, an unknown message
ID or a body that is not what the route takes is a 4xx, not a silent no-op.

A login confined to its account (``own``/``users`` mode) lists only the tags on its own
messages; setting tags on a message it may not see is a 404 like an unknown ID (nothing is
changed); renaming or deleting a tag, which acts on every message, is for those who see
everything (the route table marks those routes ``admin``: 403 to the others).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from flask import Response, request

from ..tags import MAX_TAGS
from .access import login_of, may_see
from .respond import ApiError, as_json, body_fields, ok, state, string_list, tag_counts


def list_tags() -> Response:
    return as_json(list(tag_counts()))


def set_tags() -> Response:
    store = state().store
    fields = body_fields()
    ids = string_list(fields, "IDs")
    tags = string_list(fields, "Tags")
    if len(tags) > MAX_TAGS:
        raise ApiError(400, f"at most {MAX_TAGS} tags per message")
    login = login_of(request.environ)
    unknown = [
        i for i in dict.fromkeys(ids) if store.get(i) is None or not may_see(store, login, i)
    ]
    if unknown:  # another account's message is as unknown as one never stored
        raise ApiError(404, f"message not found: {unknown[0]}")
    store.set_tags(ids, tags)
    return ok()


def rename_tag(tag: str) -> Response:
    name = body_fields().get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "Name must be the tag's new name")
    try:
        renamed = state().store.rename_tag(tag, name)
    except ValueError as problem:
        raise ApiError(400, str(problem)) from None
    if not renamed:
        raise ApiError(404, "tag not found")
    return ok()


def delete_tag(tag: str) -> Response:
    state().store.delete_tag(tag)
    return ok()
