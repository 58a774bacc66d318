"""What every route module shares: the API's state, JSON answers, and request-argument parsing.

Bad input raises :class:`ApiError`; the app turns it (and every other error) into a JSON body
``{"Error": "..."}`` with its status, so no route ever answers with HTML or a 500 page.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from typing import Any

from flask import Response, current_app, request

from ..relay import Relay
from ..store import MessageStore, StoredMessage
from . import search
from .index import MessageIndex
from .serialize import error

#: Headers on every answer.
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@dataclass
class ApiState:
    """Everything the routes read, held by the app (no module globals)."""

    store: MessageStore
    index: MessageIndex
    assets: Traversable | None
    max_size: int
    version: str
    started: float = field(default_factory=time.monotonic)
    ready: bool = True
    #: () -> {"LiveClients": n, "Waiting": n}, filled in by the ASGI server.
    live_stats: Callable[[], dict[str, int]] = lambda: {"LiveClients": 0, "Waiting": 0}
    #: Release to an upstream SMTP server (None without --relay).
    relay: Relay | None = None


class ApiError(Exception):
    """A client error answered as ``{"Error": message}`` with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def state() -> ApiState:
    return current_app.extensions["mailtrap"]


def as_json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def as_text(text: str | bytes, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/plain")


def ok() -> Response:
    """Mailpit's plain ``ok`` answer to actions (PUT, DELETE)."""
    return as_text("ok")


def json_error(status: int, message: str) -> Response:
    return as_json(error(message), status)


def int_arg(name: str, default: int, minimum: int = 0) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be a whole number") from None
    if value < minimum:
        raise ApiError(400, f"{name} must be at least {minimum}")
    return value


def mailbox_arg() -> str | None:
    value = request.args.get("mailbox", "").strip()
    return value or None


def query_arg(required: bool) -> search.Query:
    text = request.args.get("query", "").strip()
    if required and not text:
        raise ApiError(400, "no search query")
    try:
        return search.parse(text, request.args.get("tz"))
    except search.QueryError as problem:
        raise ApiError(400, str(problem)) from None


def body_fields() -> dict[str, Any]:
    """The request body as a dict with lower-cased keys (Go's JSON decoding ignores case).

    JSON objects and HTML-form bodies are accepted (``mailpit-api-client`` sends forms);
    an empty body is an empty dict.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return {key.lower(): request.form.getlist(key) for key in request.form}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "request body must be a JSON object")
    return {str(key).lower(): value for key, value in data.items()}


def string_list(fields: dict[str, Any], name: str) -> list[str]:
    value = fields.get(name.lower())
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(400, f"{name} must be an array of strings")
    return [v for v in value if v]


def boolean(fields: dict[str, Any], name: str) -> bool:
    value = fields.get(name.lower(), False)
    if isinstance(value, list):  # from a form
        value = value[-1] if value else ""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "0", "no", "off", ""):
        return False
    raise ApiError(400, f"{name} must be true or false")


def newest_first(messages: list[StoredMessage]) -> list[StoredMessage]:
    return messages[::-1]


def find_message(message_id: str) -> StoredMessage:
    """The message with this ID, or the newest one (matching ``?query=``) for ``latest``."""
    api = state()
    if message_id == "latest":
        query = query_arg(required=False)
        mailbox = mailbox_arg()
        context = search.Context(api.index, mailbox)
        for candidate in newest_first(api.store.messages(mailbox)):
            if query.matches(candidate, context):
                return candidate
        raise ApiError(404, "message not found")
    found = api.store.get(message_id)
    if found is None:
        raise ApiError(404, "message not found")
    return found
