"""Application views: send over HTTP, info, health probes, viewer files.

Their paths and methods are in the route table, :mod:`.routes`.

The viewer's files come from ``mailtrap_web`` (or any folder given to the app); only known
static file types are served, each under a strict CSP and ``nosniff``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
import re
import time

from flask import Response

from .respond import (
    ApiError,
    as_json,
    as_text,
    confined_to,
    json_body,
    mailbox_arg,
    state,
    tag_counts,
)
from .send import build

_STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
}
_STATIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
#: The viewer: its own scripts and styles only; it talks to this origin (HTTP and websocket).
VIEWER_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def send_message() -> Response:
    api = state()
    outgoing = build(json_body())
    if len(outgoing.raw) > api.max_size:
        raise ApiError(413, f"message of {len(outgoing.raw)} bytes exceeds {api.max_size}")
    stored = api.store.deliver(
        outgoing.mail_from,
        outgoing.rcpt_tos,
        outgoing.raw,
        inboxes=api.inboxes(outgoing.rcpt_tos),  # a users file's aliases, as SMTP routes them
    )
    return as_json({"ID": stored.id})


def _memory() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def info() -> Response:
    api = state()
    counters = api.store.stats()
    messages, unread = api.store.count(), api.store.unread_count()
    if confined_to() is not None:  # an account sees its own INBOX's counts, nothing else's
        folder = api.store.folder(mailbox_arg())  # type: ignore[arg-type]
        messages, unread = (folder.total, folder.unseen) if folder is not None else (0, 0)
        counters = dict.fromkeys(counters, 0)
    return as_json(
        {
            "Version": api.version,
            "LatestVersion": "",
            "Database": "",
            "DatabaseSize": 0,
            "Messages": messages,
            "Unread": unread,
            "Tags": tag_counts(),
            "RuntimeStats": {
                "Uptime": int(time.monotonic() - api.started),
                "Memory": _memory(),
                "MessagesDeleted": counters["removed"],
                "SMTPAccepted": counters["accepted"],
                "SMTPAcceptedSize": counters["accepted_size"],
                "SMTPRejected": 0,
                "SMTPIgnored": 0,
                **{k: v if confined_to() is None else 0 for k, v in api.live_stats().items()},
            },
        }
    )


def livez() -> Response:
    return as_text("ok")


def readyz() -> Response:
    if not state().ready:
        raise ApiError(503, "shutting down")
    return as_text("ok")


def _static(name: str) -> Response:
    assets = state().assets
    suffix = os.path.splitext(name)[1].lower()
    if assets is None or suffix not in _STATIC_TYPES or not _STATIC_NAME.match(name):
        raise ApiError(404, "not found")
    resource = assets / name
    if not resource.is_file():
        raise ApiError(404, "not found")
    response = Response(resource.read_bytes())
    response.headers["Content-Type"] = _STATIC_TYPES[suffix]
    response.headers["Content-Security-Policy"] = VIEWER_CSP
    response.headers["Cache-Control"] = "no-cache"
    return response


def index_page() -> Response:
    return _static("index.html")


def static_file(name: str) -> Response:
    return _static(name)
