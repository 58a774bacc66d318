"""MailHog's API, for its clients (npm ``mailhog``, ``cypress-mailhog`` and the like).

Its routes are at the end (``ROUTES``), joined into the route table, :mod:`.routes`:
``GET /api/v2/messages`` (``start``, ``limit``), ``GET /api/v2/search`` (``kind`` = from, to
or containing; ``query``), ``GET``/``DELETE /api/v1/messages/{id}``,
``GET /api/v1/messages/{id}/download``, ``POST /api/v1/messages/{id}/release`` and Jim at
``/api/v2/jim`` (mapped onto the fault-injection rules, :mod:`mailtrap.faults.jim`). Lists are
newest first. Where MailHog's routes collide with Mailpit's (``GET /api/v1/messages``), Mailpit's
answer wins; ``DELETE /api/v1/messages`` is both (see :func:`routes_list.delete_messages`).

A search runs on the store's query engine: ``to`` matches the To header or an envelope
recipient, ``from`` the From header or the envelope sender, ``containing`` the subject, the
addresses and the decoded body (MailHog searched raw header values and the undecoded body).
Unlike MailHog, an unknown ID is a JSON 404, not ``null``, and a page of big messages ends
early (:data:`MAX_PAGE_BYTES`). A release goes only through the ``--relay`` server, never to a
host the request names: a ``Host``/``Port`` in the body must be that server's, or the answer is
a 400 (MailHog would connect wherever it was told).

With accounts, these routes act as Mailpit's do without ``mailbox=``: a login confined to its
account (``own``/``users`` mode) lists, searches, reads, deletes and releases in its own INBOX
only (another account's message is a 404, totals count its own), and Jim, who changes the SMTP
server for everyone, is for those who see everything (the route table marks him ``admin``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from flask import Response, request

from ..faults import RuleError
from ..faults.jim import jim_json, set_jim, stop_jim
from ..relay import RelayError, ReleaseError
from ..store import MessageRecord
from ..store.query import AnyOf, Contains, Field, Filter
from . import mailhog
from .openapi import ERROR, binary, body, json_content, operation, path_param, query, ref
from .respond import (
    ApiError,
    as_json,
    body_fields,
    find_message,
    in_mailbox,
    json_body,
    mailbox_arg,
    state,
)
from .route import Route
from .routes_message import DOWNLOAD_CSP, content_disposition, raw_of

#: MailHog's page size, and its largest.
DEFAULT_LIMIT, MAX_LIMIT = 50, 250
#: A page ends early once its messages hold this many bytes (each is in it about three times:
#: raw, as the body, as parts); ``count`` says how many came, so a client pages on.
MAX_PAGE_BYTES = 32 * 1024 * 1024
_KINDS = {
    "from": (Field.FROM, Field.MAIL_FROM),
    "to": (Field.TO, Field.RCPT_TO),
    "containing": (Field.TEXT,),
}


def _number(name: str, default: int) -> int:
    """MailHog's lenient paging: anything but a positive whole number is the default."""
    text = request.args.get(name, "")
    return int(text) if text.isdigit() and int(text) > 0 else default


def _page(query: Filter) -> Response:
    api = state()
    start = _number("start", 0)
    limit = min(_number("limit", DEFAULT_LIMIT), MAX_LIMIT)
    found = api.store.query(query, start, limit)
    items, size = [], 0
    for record in found.messages:
        raw = api.store.raw(record.id)
        if raw is None:  # deleted meanwhile
            continue
        if items and size + len(raw) > MAX_PAGE_BYTES:
            break
        size += len(raw)
        items.append(mailhog.message(record, raw))
    return as_json(mailhog.page(items, total=found.total, start=start))


def messages() -> Response:
    return _page(Filter(mailbox=mailbox_arg(), newest_first=True))


def search() -> Response:
    kind = request.args.get("kind", "")
    query = request.args.get("query", "")
    if kind not in _KINDS:
        raise ApiError(400, "kind must be from, to or containing")
    if not query:
        raise ApiError(400, "no search query")
    term = AnyOf(tuple(Contains(field, query) for field in _KINDS[kind]))
    return _page(Filter((term,), mailbox_arg(), newest_first=True))


def _found(message_id: str) -> MessageRecord:
    return in_mailbox(find_message(message_id, latest=False))


def message(ID: str) -> Response:
    record = _found(ID)
    return as_json(mailhog.message(record, raw_of(record)))


def delete_message(ID: str) -> Response:
    state().store.delete([_found(ID).id], mailbox_arg())
    return Response(b"", 200)


def download(ID: str) -> Response:
    record = _found(ID)
    response = Response(raw_of(record), mimetype="message/rfc822")
    response.headers["Content-Disposition"] = content_disposition(f"{record.id}.eml")
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return response


def release(ID: str) -> Response:
    """MailHog's release: ``{"Email", "Host", "Port", ...}`` (any letter case, as Go reads it)."""
    relay = state().relay
    if relay is None:
        raise ApiError(404, "release is off: start mailtrap with --relay HOST:PORT")
    record = _found(ID)
    given = body_fields()
    email = given.get("email")
    if not isinstance(email, str) or not email:
        raise ApiError(400, "Email: the address to release to is missing")
    settings = relay.settings
    host, port = given.get("host"), given.get("port")
    if host not in (None, "", settings.host) or str(port or settings.port) != str(settings.port):
        raise ApiError(400, f"release goes only through the --relay server, {settings}")
    try:
        relay.release(record, [email])
    except ReleaseError as problem:
        raise ApiError(400, str(problem)) from None
    except RelayError as problem:
        raise ApiError(400, f"SMTP error: {problem}") from None
    except LookupError:
        raise ApiError(404, "message not found") from None
    return Response(b"", 200)


# -- Jim --------------------------------------------------------------------------------------


def get_jim() -> Response:
    settings = jim_json(state().faults)
    if settings is None:
        raise ApiError(404, "Jim is off (POST /api/v2/jim turns him on)")
    return as_json(settings)


def start_jim() -> Response:
    faults = state().faults
    if jim_json(faults) is not None:
        raise ApiError(400, "Jim is already on (PUT /api/v2/jim changes him)")
    return _configure(201)


def change_jim() -> Response:
    if jim_json(state().faults) is None:
        raise ApiError(404, "Jim is off (POST /api/v2/jim turns him on)")
    return _configure(200)


def _configure(status: int) -> Response:
    try:
        return as_json(set_jim(state().faults, json_body(empty={})), status)
    except RuleError as error:
        raise ApiError(400, str(error)) from None


def end_jim() -> Response:
    if not stop_jim(state().faults):
        raise ApiError(404, "Jim is off")
    return Response(b"", 200)


MH_ID = path_param("ID", "Message ID")
MH_START = query("start", "Offset (default 0)", "integer")
MH_LIMIT = query("limit", "Page size (default 50, at most 250)", "integer")
EMPTY = {"description": "Done (an empty body)"}

#: These routes, as the route table (:mod:`.routes`) lists them.
ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/v2/messages",
        operation(
            "MailHog: list messages, newest first",
            {"200": json_content(ref("MailHogMessages"))},
            [MH_START, MH_LIMIT],
        ),
        messages,
    ),
    Route(
        "GET",
        "/api/v2/search",
        operation(
            "MailHog: search messages, newest first",
            {"200": json_content(ref("MailHogMessages")), "400": ERROR},
            [
                {**query("kind", "from, to or containing"), "required": True},
                {**query("query", "What to look for (case-insensitive)"), "required": True},
                MH_START,
                MH_LIMIT,
            ],
        ),
        search,
    ),
    Route(
        "GET",
        "/api/v1/messages/{ID}",
        operation(
            "MailHog: one message",
            {"200": json_content(ref("MailHogMessage")), "404": ERROR},
            [MH_ID],
        ),
        message,
    ),
    Route(
        "DELETE",
        "/api/v1/messages/{ID}",
        operation("MailHog: delete one message", {"200": EMPTY, "404": ERROR}, [MH_ID]),
        delete_message,
    ),
    Route(
        "GET",
        "/api/v1/messages/{ID}/download",
        operation(
            "MailHog: the message as an .eml download",
            {"200": binary("message/rfc822", "The raw message"), "404": ERROR},
            [MH_ID],
        ),
        download,
    ),
    Route(
        "POST",
        "/api/v1/messages/{ID}/release",
        operation(
            "MailHog: send the message on through the --relay server (404 without one)",
            {"200": EMPTY, "400": ERROR, "404": ERROR},
            [MH_ID],
            requestBody=body(ref("MailHogRelease")),
        ),
        release,
    ),
    Route(
        "GET",
        "/api/v2/jim",
        operation(
            "MailHog's Jim (chaos monkey, mapped onto rules): his settings; 404 while off",
            {"200": json_content(ref("Jim")), "404": ERROR},
        ),
        get_jim,
        admin=True,
    ),
    Route(
        "POST",
        "/api/v2/jim",
        operation(
            "Turn Jim on (MailHog's defaults, or the settings given)",
            {"201": json_content(ref("Jim")), "400": ERROR},
            requestBody=body(ref("Jim")),
        ),
        start_jim,
        admin=True,
    ),
    Route(
        "PUT",
        "/api/v2/jim",
        operation(
            "Change Jim's settings",
            {"200": json_content(ref("Jim")), "400": ERROR, "404": ERROR},
            requestBody=body(ref("Jim")),
        ),
        change_jim,
        admin=True,
    ),
    Route(
        "DELETE",
        "/api/v2/jim",
        operation("Turn Jim off (remove his rules)", {"200": EMPTY, "404": ERROR}),
        end_jim,
        admin=True,
    ),
)
