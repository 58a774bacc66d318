"""The OpenAPI 3 document at ``/api/v1/openapi.json``: every route, Flask's and the async ones.

A test compares its paths and methods with the routes actually registered, so a route added
without documentation (or documented without existing) fails the suite.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Json, description: str = "OK") -> Json:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _text(description: str = "Plain text") -> Json:
    return {"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}}


def _binary(media: str, description: str) -> Json:
    return {"description": description, "content": {media: {"schema": {"type": "string"}}}}


ERROR = _json(_ref("Error"), "Error")


def _query(name: str, description: str, kind: str = "string", required: bool = False) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": kind},
    }


def _path(name: str, description: str) -> Json:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


ID = _path("ID", 'Message ID, or "latest" (the newest message, or newest matching ?query=)')
PART = _path("PartID", "MIME part number, as listed in the message's Attachments and Inline")
MAILBOX = _query("mailbox", "Only this recipient's mailbox (mailtrap addition)")
START = _query("start", "Pagination offset", "integer")
LIMIT = _query("limit", "Page size (default 50; 0 = all)", "integer")
QUERY = _query("query", "Search in Mailpit's syntax (from:, to:, subject:, is:read, ...)", True)
SEARCH = {**QUERY, "required": True}
TZ = _query("tz", "Time zone for after:/before: (e.g. Europe/Berlin)")
LIST = {"200": _json(_ref("MessagesSummary")), "400": ERROR}
OK = {"200": _text('"ok"'), "400": ERROR}


def _op(summary: str, responses: Json, params: list[Json] | None = None, **extra: Any) -> Json:
    operation: Json = {"summary": summary, "responses": responses}
    if params:
        operation["parameters"] = params
    operation.update(extra)
    return operation


def _body(schema: Json, required: bool = False) -> Json:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


IDS_BODY = {"type": "object", "properties": {"IDs": {"type": "array", "items": {"type": "string"}}}}
READ_BODY = {
    "type": "object",
    "properties": {
        "IDs": {"type": "array", "items": {"type": "string"}},
        "Read": {"type": "boolean"},
        "Search": {"type": "string"},
    },
}

PATHS: Json = {
    "/api/v1/messages": {
        "get": _op("List messages, newest first", LIST, [START, LIMIT, MAILBOX]),
        "put": _op(
            "Mark messages read or unread (by IDs, by Search, or all)",
            OK,
            [MAILBOX, TZ],
            requestBody=_body(READ_BODY),
        ),
        "delete": _op("Delete messages by IDs, or all", OK, [MAILBOX], requestBody=_body(IDS_BODY)),
    },
    "/api/v1/search": {
        "get": _op("Search messages, newest first", LIST, [SEARCH, START, LIMIT, TZ, MAILBOX]),
        "delete": _op("Delete messages matching a search", OK, [SEARCH, TZ, MAILBOX]),
    },
    "/api/v1/message/{ID}": {
        "get": _op(
            "Get a message (marks it read)",
            {"200": _json(_ref("Message")), "404": ERROR},
            [ID, MAILBOX],
        ),
    },
    "/api/v1/message/{ID}/headers": {
        "get": _op(
            "Get a message's headers (Go canonical names, sorted)",
            {
                "200": _json(
                    {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    }
                ),
                "404": ERROR,
            },
            [ID, MAILBOX],
        ),
    },
    "/api/v1/message/{ID}/raw": {
        "get": _op(
            "Get a message's source, byte for byte",
            {"200": _text("The raw message"), "404": ERROR},
            [ID, MAILBOX, _query("dl", "1 = download as ID.eml")],
        ),
    },
    "/api/v1/message/{ID}/part/{PartID}": {
        "get": _op(
            "Download an attachment or inline part (streamed)",
            {"200": _binary("application/octet-stream", "The decoded part"), "404": ERROR},
            [ID, PART, MAILBOX],
        ),
    },
    "/api/v1/message/{ID}/transcript": {
        "get": _op(
            "The SMTP dialogue that delivered the message: commands and replies with their "
            "times, AUTH secrets masked, never the message itself (mailtrap addition); 404 for "
            "mail that did not arrive over SMTP",
            {"200": _json(_ref("Transcript")), "404": ERROR},
            [ID, MAILBOX],
        ),
    },
    "/api/v1/message/{ID}/release": {
        "post": _op(
            "Send the message on to To through the --relay server (Bcc removed, Date and "
            "Message-ID renewed); 404 when no relay is configured",
            {"200": _text('"ok"'), "400": ERROR, "404": ERROR},
            [ID, MAILBOX],
            requestBody=_body(
                {
                    "type": "object",
                    "properties": {"To": {"type": "array", "items": {"type": "string"}}},
                    "required": ["To"],
                },
                True,
            ),
        ),
    },
    "/view/{ID}.html": {
        "get": _op(
            "The message's HTML part, under a CSP that allows no script",
            {"200": _binary("text/html", "HTML"), "404": ERROR},
            [ID, MAILBOX, _query("remote", "1 = allow remote images (blocked by default)")],
        ),
    },
    "/view/{ID}.txt": {
        "get": _op("The message's text part", {"200": _text(), "404": ERROR}, [ID, MAILBOX]),
    },
    "/api/v1/send": {
        "post": _op(
            "Send a message over HTTP (stored as if received by SMTP)",
            {"200": _json(_ref("SendConfirmation")), "400": ERROR, "413": ERROR},
            requestBody=_body(_ref("SendRequest"), True),
        ),
    },
    "/api/v1/mailboxes": {
        "get": _op(
            "List recipient mailboxes (mailtrap addition)", {"200": _json(_ref("Mailboxes"))}
        ),
    },
    "/api/v1/wait": {
        "get": _op(
            "Long-poll: the first matching message received after `since` (mailtrap addition)",
            {
                "200": _json(_ref("Message")),
                "400": ERROR,
                "404": ERROR,
                "408": _json(_ref("Error"), "Nothing matched within the timeout"),
            },
            [
                QUERY,
                MAILBOX,
                TZ,
                _query("timeout", "Seconds to wait (default 30, at most 300)", "number"),
                _query(
                    "since",
                    "RFC 3339 time or message ID; without it an existing match answers at once",
                ),
            ],
        ),
    },
    "/api/events": {
        "get": _op(
            "Websocket: {Type, Data} frames (stats first, then new/update/delete/truncate/stats)",
            {"101": {"description": "Switching to websocket"}, "426": ERROR},
        ),
    },
    "/api/v1/info": {"get": _op("Application information", {"200": _json(_ref("Info"))})},
    "/api/v1/openapi.json": {"get": _op("This document", {"200": _json({"type": "object"})})},
    "/livez": {"get": _op("Liveness probe", {"200": _text('"ok"')})},
    "/readyz": {"get": _op("Readiness probe", {"200": _text('"ok"'), "503": ERROR})},
    "/": {"get": _op("The web viewer", {"200": _binary("text/html", "index.html"), "404": ERROR})},
    "/{name}": {
        "get": _op(
            "A web viewer file",
            {"200": _binary("*/*", "The file"), "404": ERROR},
            [_path("name", "File name")],
        ),
    },
}


def _object(**properties: Json) -> Json:
    return {"type": "object", "properties": properties}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
ADDRESSES = {"type": "array", "items": _ref("Address")}
#: The fields a message summary and a full message both start with.
MESSAGE_HEAD = {
    "ID": STRING,
    "MessageID": STRING,
    "Read": BOOLEAN,
    "From": _ref("Address"),
    "To": ADDRESSES,
    "Cc": ADDRESSES,
    "Bcc": ADDRESSES,
    "ReplyTo": ADDRESSES,
}
STRINGS = {"type": "array", "items": STRING}
PERSON = _object(Email=STRING, Name=STRING)

SCHEMAS: Json = {
    "Error": _object(Error=STRING),
    "Address": _object(Name=STRING, Address=STRING),
    "Attachment": _object(
        PartID=STRING,
        FileName=STRING,
        ContentType=STRING,
        ContentID=STRING,
        Size=INTEGER,
        Checksums=_object(MD5=STRING, SHA1=STRING, SHA256=STRING),
    ),
    "MessageSummary": _object(
        **MESSAGE_HEAD,
        Subject=STRING,
        Created=TIME,
        Username=STRING,
        Tags=STRINGS,
        Size=INTEGER,
        Attachments=INTEGER,
        Snippet=STRING,
    ),
    "MessagesSummary": _object(
        total=INTEGER,
        unread=INTEGER,
        count=INTEGER,
        messages_count=INTEGER,
        messages_unread=INTEGER,
        start=INTEGER,
        tags=STRINGS,
        messages={"type": "array", "items": _ref("MessageSummary")},
    ),
    "Message": _object(
        **MESSAGE_HEAD,
        ReturnPath=STRING,
        Subject=STRING,
        ListUnsubscribe=_object(Header=STRING, Links=STRINGS, Errors=STRING, HeaderPost=STRING),
        Date=TIME,
        Tags=STRINGS,
        Username=STRING,
        Text=STRING,
        HTML=STRING,
        Size=INTEGER,
        Inline={"type": "array", "items": _ref("Attachment")},
        Attachments={"type": "array", "items": _ref("Attachment")},
    ),
    "SendRequest": {
        **_object(
            From=PERSON,
            To={"type": "array", "items": PERSON},
            Cc={"type": "array", "items": PERSON},
            Bcc=STRINGS,
            ReplyTo={"type": "array", "items": PERSON},
            Subject=STRING,
            Text=STRING,
            HTML=STRING,
            Tags=STRINGS,
            Headers={"type": "object", "additionalProperties": STRING},
            Attachments={
                "type": "array",
                "items": _object(
                    Content=STRING, Filename=STRING, ContentType=STRING, ContentID=STRING
                ),
            },
        ),
        "required": ["From"],
    },
    "SendConfirmation": _object(ID=STRING),
    "Transcript": _object(
        Client=STRING,
        TLS={"type": ["string", "null"]},
        Omitted=INTEGER,
        Lines={
            "type": "array",
            "items": _object(Time=TIME, Direction={"enum": ["in", "out"]}, Text=STRING),
        },
    ),
    "Mailboxes": _object(
        mailboxes={"type": "array", "items": _object(Address=STRING, Total=INTEGER, Unread=INTEGER)}
    ),
    "Info": _object(
        Version=STRING, Messages=INTEGER, Unread=INTEGER, RuntimeStats={"type": "object"}
    ),
}


def document(version: str) -> Json:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mailtrap HTTP API",
            "version": version,
            "description": "Mailpit API v1 compatible routes plus mailtrap's additions "
            "(mailboxes, mailbox= filters, the wait long-poll).",
        },
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }
