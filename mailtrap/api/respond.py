"""What every Flask view shares: the API's state, JSON answers, and request-argument parsing.

Bad input raises :class:`~.errors.ApiError`; the app turns it (and every other error) into a
JSON body ``{"Error": "..."}`` with its status, so no route ever answers with HTML or a 500 page.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from flask import Response, current_app, request

from ..config import Config
from ..faults import Faults
from ..message import EMPTY_SUMMARY, Summary
from ..store import MailboxId, MessageRecord, MessageStore
from ..store.query import Filter
from ..store.searchdoc import NO_DOC
from . import search, serialize
from .access import chosen_mailbox, confined_account, login_of, may_see, visible_tags
from .errors import Answer, ApiError, json_answer
from .serialize import Json

if TYPE_CHECKING:
    from ..relay import Relay


@dataclass
class ApiState:
    """Everything the routes read, held by the app (no module globals)."""

    store: MessageStore
    assets: Traversable | None
    max_size: int
    version: str
    #: the SMTP server's fault-injection rules and refused-mail log
    faults: Faults = field(default_factory=Faults)
    #: the runtime's configuration (the checks' settings, the relay's)
    config: Config = field(default_factory=Config)
    started: float = field(default_factory=time.monotonic)
    ready: bool = True
    #: recipients -> the accounts whose INBOX gets their mail when not theirs (the
    #: authenticator's aliases), filled in by the ASGI server.
    inboxes: Callable[[Sequence[str]], list[str] | None] = lambda _rcpt_tos: None
    #: () -> {"LiveClients": n, "Waiting": n}, filled in by the ASGI server.
    live_stats: Callable[[], dict[str, int]] = lambda: {"LiveClients": 0, "Waiting": 0}
    #: Release to an upstream SMTP server (None without --relay).
    relay: Relay | None = None


def state() -> ApiState:
    return current_app.extensions["mailtrap"]


def flask_response(answer: Answer) -> Response:
    return Response(answer.body, status=answer.status, headers=list(answer.headers))


def as_json(data: Any, status: int = 200) -> Response:
    return flask_response(json_answer(status, data))


def as_text(text: str | bytes, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/plain")


def ok() -> Response:
    """Mailpit's plain ``ok`` answer to actions (PUT, DELETE)."""
    return as_text("ok")


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


def confined_to() -> str | None:
    """The account a logged-in account holder is confined to (``own``/``users`` mode): they
    see that account alone. None when the request may see everything."""
    return confined_account(login_of(request.environ))


def tag_counts() -> dict[str, int]:
    """The tags the request may see and how many of its messages carry each (see
    :func:`~.access.visible_tags`)."""
    return visible_tags(state().store, login_of(request.environ))


def mailbox_arg() -> MailboxId | None:
    """``mailbox=`` and ``folder=`` as one mailbox (see :func:`~.access.chosen_mailbox`)."""
    address = request.args.get("mailbox", "").strip()
    folder = request.args.get("folder", "").strip()
    return chosen_mailbox(state().store, address, folder, login_of(request.environ))


def query_arg(required: bool) -> search.Query:
    text = request.args.get("query", "").strip()
    if required and not text:
        raise ApiError(400, "no search query")
    try:
        return search.parse(text, request.args.get("tz"))
    except search.QueryError as problem:
        raise ApiError(400, str(problem)) from None


def json_body(empty: Any = None) -> Any:
    """The request body parsed as JSON (any type): the one place the API parses a JSON body.

    ``empty`` is the answer for an empty body, if given. Anything that is not JSON is a 400,
    nesting too deep for the parser included (a RecursionError would otherwise be a 500).
    """
    raw = request.get_data(cache=True)
    if empty is not None and not raw.strip():
        return empty
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "request body is not valid JSON") from None


def body_fields() -> dict[str, Any]:
    """The request body as a dict with lower-cased keys (Go's JSON decoding ignores case).

    JSON objects and HTML-form bodies are accepted (``mailpit-api-client`` sends forms);
    an empty body is an empty dict.
    """
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return {key.lower(): request.form.getlist(key) for key in request.form}
    data = json_body(empty={})
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


def summary_of(message: MessageRecord) -> Summary:
    """The message's decoded header summary (empty when it left the store meanwhile)."""
    return state().store.summary(message.id) or EMPTY_SUMMARY


def row(api: ApiState, message: MessageRecord, mailbox: MailboxId | None = None) -> Json:
    """A ``MessageSummary`` row (read state within ``mailbox`` when given)."""
    doc = api.store.doc(message.id) or NO_DOC
    read = api.store.is_read(message.id, mailbox)
    return serialize.summary(message, summary_of(message), read, doc, api.store.tags_of(message.id))


def find_message(message_id: str, latest: bool = True) -> MessageRecord:
    """The message with this ID, or the newest one (matching ``?query=``) for ``latest`` (when
    the route takes it); 404 when not stored or not the request's to see."""
    api = state()
    if latest and message_id == "latest":
        query = query_arg(required=False)
        found = api.store.query(Filter(query.terms, mailbox_arg(), newest_first=True), 0, 1)
        if not found.messages:
            raise ApiError(404, "message not found")
        return found.messages[0]
    found = api.store.get(message_id)
    if found is None or not may_see(api.store, login_of(request.environ), message_id):
        raise ApiError(404, "message not found")
    return found


def in_mailbox(message: MessageRecord) -> MessageRecord:
    """The message, if it is in the mailbox ``mailbox=`` and ``folder=`` name (a confined
    login's INBOX by default; anywhere without them); 404 otherwise."""
    mailbox = mailbox_arg()
    if mailbox is not None and mailbox not in state().store.links(message.id):
        raise ApiError(404, "message not found in this mailbox")
    return message


def admin_only(view: Callable[..., Response]) -> Callable[..., Response]:
    """A view for those who see everything: a confined login gets 403 (the route table marks
    these routes ``admin``)."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Response:
        if confined_to() is not None:
            raise ApiError(403, "only the viewer's own users (--ui-auth) may use this")
        return view(*args, **kwargs)

    return checked
