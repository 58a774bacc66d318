"""The route table: every HTTP route, with who answers it and its OpenAPI operation.

A route is answered either by a Flask view (run in a worker thread through the WSGI bridge) or
by one of the HTTP server's async handlers on the loop (``handler``: the long-poll and the
websocket, whose waiting must cost no thread). The Flask app registers the first kind from this
table, the ASGI router dispatches the second, and the OpenAPI document is this table rendered,
so the three cannot disagree. Paths are OpenAPI templates (``{ID}``); async routes are exact
paths. To add a route: write its view, then add one line here with its operation. The two API
surfaces that are not Mailpit's, fault injection and MailHog's, list their routes beside their
views (``routes_faults.ROUTES``, ``routes_mailhog.ROUTES``), joined in here in order.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from flask import Response

from . import (
    routes_app,
    routes_checks,
    routes_faults,
    routes_list,
    routes_mailhog,
    routes_message,
    routes_tags,
)
from .openapi import (
    ERROR,
    FOLDER,
    ID,
    IDS_BODY,
    LIMIT,
    LIST,
    MAILBOX,
    OK,
    PART,
    QUERY,
    READ_BODY,
    SEARCH,
    START,
    STRINGS,
    TAG,
    TZ,
    binary,
    body,
    document,
    json_content,
    operation,
    path_param,
    query,
    ref,
    text,
)
from .respond import as_json, state
from .route import Route


def openapi_document() -> Response:
    return as_json(document(state().version, ROUTES))


_HEADERS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

ROUTES: tuple[Route, ...] = (
    # -- many messages (routes_list) -------------------------------------------------------------
    Route(
        "GET",
        "/api/v1/messages",
        operation("List messages, newest first", LIST, [START, LIMIT, MAILBOX, FOLDER]),
        routes_list.list_messages,
    ),
    Route(
        "PUT",
        "/api/v1/messages",
        operation(
            "Mark messages read or unread (by IDs, by Search, or all)",
            OK,
            [MAILBOX, FOLDER, TZ],
            requestBody=body(READ_BODY),
        ),
        routes_list.set_read_status,
    ),
    Route(
        "DELETE",
        "/api/v1/messages",
        operation(
            "Delete messages by IDs, or all", OK, [MAILBOX, FOLDER], requestBody=body(IDS_BODY)
        ),
        routes_list.delete_messages,
    ),
    Route(
        "GET",
        "/api/v1/search",
        operation(
            "Search messages, newest first", LIST, [SEARCH, START, LIMIT, TZ, MAILBOX, FOLDER]
        ),
        routes_list.search_messages,
    ),
    Route(
        "DELETE",
        "/api/v1/search",
        operation("Delete messages matching a search", OK, [SEARCH, TZ, MAILBOX, FOLDER]),
        routes_list.delete_search,
    ),
    Route(
        "GET",
        "/api/v1/mailboxes",
        operation(
            "List recipient mailboxes (mailtrap addition)", {"200": json_content(ref("Mailboxes"))}
        ),
        routes_list.list_mailboxes,
    ),
    # -- one message (routes_message) ------------------------------------------------------------
    Route(
        "GET",
        "/api/v1/message/{ID}",
        operation(
            "Get a message (marks it read)",
            {"200": json_content(ref("Message")), "404": ERROR},
            [ID, MAILBOX, FOLDER],
        ),
        routes_message.get_message,
    ),
    Route(
        "GET",
        "/api/v1/message/{ID}/headers",
        operation(
            "Get a message's headers (Go canonical names, sorted)",
            {"200": json_content(_HEADERS), "404": ERROR},
            [ID, MAILBOX, FOLDER],
        ),
        routes_message.get_headers,
    ),
    Route(
        "GET",
        "/api/v1/message/{ID}/raw",
        operation(
            "Get a message's source, byte for byte",
            {"200": text("The raw message"), "404": ERROR},
            [ID, MAILBOX, FOLDER, query("dl", "1 = download as ID.eml")],
        ),
        routes_message.get_raw,
    ),
    Route(
        "GET",
        "/api/v1/message/{ID}/part/{PartID}",
        operation(
            "Download an attachment or inline part (streamed)",
            {"200": binary("application/octet-stream", "The decoded part"), "404": ERROR},
            [ID, PART, MAILBOX, FOLDER],
        ),
        routes_message.get_part,
    ),
    Route(
        "GET",
        "/api/v1/message/{ID}/transcript",
        operation(
            "The SMTP dialogue that delivered the message: commands and replies with their "
            "times, AUTH secrets masked, never the message itself (mailtrap addition); 404 for "
            "mail that did not arrive over SMTP",
            {"200": json_content(ref("Transcript")), "404": ERROR},
            [ID, MAILBOX, FOLDER],
        ),
        routes_message.get_transcript,
    ),
    Route(
        "POST",
        "/api/v1/message/{ID}/release",
        operation(
            "Send the message on to To through the --relay server (Bcc removed, Date and "
            "Message-ID renewed); 404 when no relay is configured",
            {"200": text('"ok"'), "400": ERROR, "404": ERROR},
            [ID, MAILBOX, FOLDER],
            requestBody=body(
                {
                    "type": "object",
                    "properties": {"To": {"type": "array", "items": {"type": "string"}}},
                    "required": ["To"],
                },
                True,
            ),
        ),
        routes_message.release,
    ),
    Route(
        "GET",
        "/view/{ID}.html",
        operation(
            "The message's HTML part, under a CSP that allows no script",
            {"200": binary("text/html", "HTML"), "404": ERROR},
            [ID, MAILBOX, FOLDER, query("remote", "1 = allow remote images (blocked by default)")],
        ),
        routes_message.view_html,
    ),
    Route(
        "GET",
        "/view/{ID}.txt",
        operation("The message's text part", {"200": text(), "404": ERROR}, [ID, MAILBOX, FOLDER]),
        routes_message.view_text,
    ),
    # -- checks of one message (routes_checks) ----------------------------------------------------
    Route(
        "GET",
        "/api/v1/message/{ID}/link-check",
        operation(
            "HEAD every link and image URL of the message (internal addresses refused unless "
            "--allow-internal-http-requests)",
            {"200": json_content(ref("LinkCheck")), "404": ERROR},
            [ID, query("follow", "true = follow redirects (each one vetted again)", "boolean")],
        ),
        routes_checks.link_check,
    ),
    Route(
        "GET",
        "/api/v1/message/{ID}/sa-check",
        operation(
            "Score the message with the spamd named by --spamassassin",
            {"200": json_content(ref("SpamAssassin")), "404": ERROR},
            [ID],
        ),
        routes_checks.sa_check,
    ),
    Route(
        "GET",
        "/api/v1/message/{ID}/part/{PartID}/thumb",
        operation(
            "A 180x120 JPEG thumbnail of an image part (blank for other parts)",
            {
                "200": binary("image/jpeg", "The thumbnail"),
                "404": ERROR,
                "422": json_content(ref("Error"), "The image has too many pixels to decode"),
            },
            [ID, PART],
        ),
        routes_checks.thumbnail,
    ),
    # -- tags (routes_tags) -----------------------------------------------------------------------
    Route(
        "GET",
        "/api/v1/tags",
        operation("Every tag in use, sorted", {"200": json_content(STRINGS)}),
        routes_tags.list_tags,
    ),
    Route(
        "PUT",
        "/api/v1/tags",
        operation(
            "Set the tags of messages (replacing theirs; no Tags removes them all)",
            {"200": text('"ok"'), "400": ERROR, "404": ERROR},
            requestBody=body(ref("SetTags"), True),
        ),
        routes_tags.set_tags,
    ),
    Route(
        "PUT",
        "/api/v1/tags/{tag}",
        operation(
            "Rename a tag on every message (merging into an existing tag of that name)",
            {"200": text('"ok"'), "400": ERROR, "404": ERROR},
            [TAG],
            requestBody=body(ref("RenameTag"), True),
        ),
        routes_tags.rename_tag,
        admin=True,
    ),
    Route(
        "DELETE",
        "/api/v1/tags/{tag}",
        operation("Remove a tag from every message (the messages stay)", OK, [TAG]),
        routes_tags.delete_tag,
        admin=True,
    ),
    *routes_faults.ROUTES,
    *routes_mailhog.ROUTES,
    # -- the application (routes_app) ------------------------------------------------------------
    Route(
        "POST",
        "/api/v1/send",
        operation(
            "Send a message over HTTP (stored as if received by SMTP)",
            {"200": json_content(ref("SendConfirmation")), "400": ERROR, "413": ERROR},
            requestBody=body(ref("SendRequest"), True),
        ),
        routes_app.send_message,
    ),
    Route(
        "GET",
        "/api/v1/info",
        operation("Application information", {"200": json_content(ref("Info"))}),
        routes_app.info,
    ),
    Route(
        "GET",
        "/api/v1/webui",
        operation(
            "Web UI configuration (relay, SpamAssassin, chaos)",
            {"200": json_content(ref("WebUIConfiguration"))},
        ),
        routes_checks.webui,
    ),
    Route(
        "GET",
        "/api/v1/openapi.json",
        operation("This document", {"200": json_content({"type": "object"})}),
        openapi_document,
    ),
    Route("GET", "/livez", operation("Liveness probe", {"200": text('"ok"')}), routes_app.livez),
    Route(
        "GET",
        "/readyz",
        operation("Readiness probe", {"200": text('"ok"'), "503": ERROR}),
        routes_app.readyz,
    ),
    Route(
        "GET",
        "/",
        operation("The web viewer", {"200": binary("text/html", "index.html"), "404": ERROR}),
        routes_app.index_page,
    ),
    Route(
        "GET",
        "/{name}",
        operation(
            "A web viewer file",
            {"200": binary("*/*", "The file"), "404": ERROR},
            [path_param("name", "File name")],
        ),
        routes_app.static_file,
    ),
    # -- async handlers on the loop (wait.py, live.py) -------------------------------------------
    Route(
        "GET",
        "/api/v1/wait",
        operation(
            "Long-poll: the first matching message received after `since` (mailtrap addition)",
            {
                "200": json_content(ref("Message")),
                "400": ERROR,
                "404": ERROR,
                "408": json_content(ref("Error"), "Nothing matched within the timeout"),
            },
            [
                QUERY,
                MAILBOX,
                FOLDER,
                TZ,
                query("timeout", "Seconds to wait (default 30, at most 300)", "number"),
                query(
                    "since",
                    "RFC 3339 time or message ID; without it an existing match answers at once",
                ),
            ],
        ),
        handler="wait",
    ),
    Route(
        "GET",
        "/api/events",
        operation(
            "Websocket: {Type, Data} frames (stats first, then new/update/delete/truncate/stats)",
            {"101": {"description": "Switching to websocket"}, "426": ERROR},
        ),
        handler="live",
        websocket=True,
    ),
)
