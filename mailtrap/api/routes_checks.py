"""Mailpit's checks of one message and its web UI configuration: link check, SpamAssassin
check, attachment thumbnails, ``/api/v1/webui``.

Their paths and methods are in the route table, :mod:`.routes`. The checks run in the worker
thread of the request (never on the event loop), each bounded in time; the link check refuses
internal addresses unless ``--allow-internal-http-requests`` (see :mod:`.linkcheck`). Mailpit's
HTML check is not offered: its route answers a JSON 404.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import Any

from flask import Response, request

from . import linkcheck, spamassassin, thumbs
from .respond import ApiError, ApiState, as_json, find_message, state
from .routes_message import content_disposition, part_content, raw_of

THUMB_CSP = "default-src 'none'; sandbox"


def link_check(ID: str) -> Response:
    api = state()
    message = find_message(ID)
    view = api.store.parsed(message.id)
    if view is None:
        raise ApiError(404, "message not found")
    follow = request.args.get("follow", "").lower() in ("1", "true", "yes")
    checker = linkcheck.LinkChecker(api.config.allow_internal_http_requests)
    links = checker.check(linkcheck.urls_of(view.links, view.html), follow)
    errors = sum(1 for link in links if link.status_code == 0 or link.status_code >= 400)
    return as_json({"Errors": errors, "Links": [link.json() for link in links]})


def sa_check(ID: str) -> Response:
    api = state()
    address = api.config.spamassassin
    if not address:
        raise ApiError(404, "SpamAssassin is not configured (start with --spamassassin HOST:PORT)")
    raw = raw_of(find_message(ID))
    return as_json(spamassassin.check(address, raw).json())


def thumbnail(ID: str, PartID: str) -> Response:
    content_type, name, data = part_content(find_message(ID), PartID)
    try:
        image = thumbs.thumbnail(data, content_type)
    except thumbs.TooLarge as problem:
        raise ApiError(422, f"no thumbnail: {problem}") from None
    response = Response(image, mimetype="image/jpeg")
    response.headers["Content-Disposition"] = content_disposition(f"{name}.jpg")
    response.headers["Content-Security-Policy"] = THUMB_CSP
    return response


def _relay(api: ApiState) -> dict[str, Any]:
    """Mailpit's MessageRelay block from the ``--relay`` settings. A release may go to any
    recipient, and the released copy gets a new Message-ID (:func:`.relay.released_copy`)."""
    settings = api.relay.settings if api.relay is not None else None
    return {
        "Enabled": settings is not None,
        "SMTPServer": str(settings) if settings is not None else "",
        "ReturnPath": "",
        "AllowedRecipients": "",
        "BlockedRecipients": "",
        "OverrideFrom": "",
        "PreserveMessageIDs": False,
        "RecipientAllowlist": "",
    }


def webui() -> Response:
    api = state()
    return as_json(
        {
            "Label": "",
            "MessageRelay": _relay(api),
            "SpamAssassin": bool(api.config.spamassassin),
            "ChaosEnabled": True,
            "DuplicatesIgnored": False,
            "HideDeleteAllButton": False,
        }
    )
