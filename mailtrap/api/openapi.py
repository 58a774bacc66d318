"""The OpenAPI 3 document at ``/api/v1/openapi.json``, generated from the route table.

This module holds the pieces an operation is described with (parameters, bodies, responses)
and the component schemas; each route's own operation sits beside it in :mod:`.routes`, so a
route cannot exist undocumented, nor be documented without existing.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

Json = dict[str, Any]


def ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: Json, description: str = "OK") -> Json:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def text(description: str = "Plain text") -> Json:
    return {"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}}


def binary(media: str, description: str) -> Json:
    return {"description": description, "content": {media: {"schema": {"type": "string"}}}}


ERROR = json_content(ref("Error"), "Error")


def query(name: str, description: str, kind: str = "string", required: bool = False) -> Json:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": kind},
    }


def path_param(name: str, description: str) -> Json:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


ID = path_param("ID", 'Message ID, or "latest" (the newest message, or newest matching ?query=)')
PART = path_param("PartID", "MIME part number, as listed in the message's Attachments and Inline")
MAILBOX = query("mailbox", "Only this account's mailbox: its INBOX, or folder= (mailtrap addition)")
FOLDER = query("folder", "With mailbox=: this folder of the account (default INBOX)")
START = query("start", "Pagination offset", "integer")
LIMIT = query("limit", "Page size (default 50; 0 = all)", "integer")
QUERY = query("query", "Search in Mailpit's syntax (from:, to:, subject:, is:read, ...)")
SEARCH = {**QUERY, "required": True}
TAG = path_param("tag", "A tag name (URL-encoded)")
TZ = query("tz", "Time zone for after:/before: (e.g. Europe/Berlin)")
LIST = {"200": json_content(ref("MessagesSummary")), "400": ERROR}
OK = {"200": text('"ok"'), "400": ERROR}


def operation(
    summary: str, responses: Json, params: list[Json] | None = None, **extra: Any
) -> Json:
    described: Json = {"summary": summary, "responses": responses}
    if params:
        described["parameters"] = params
    described.update(extra)
    return described


def body(schema: Json, required: bool = False) -> Json:
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


def _object(**properties: Json) -> Json:
    return {"type": "object", "properties": properties}


STRING, INTEGER, BOOLEAN = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
ADDRESSES = {"type": "array", "items": ref("Address")}
#: The fields a message summary and a full message both start with.
MESSAGE_HEAD = {
    "ID": STRING,
    "MessageID": STRING,
    "Read": BOOLEAN,
    "From": ref("Address"),
    "To": ADDRESSES,
    "Cc": ADDRESSES,
    "Bcc": ADDRESSES,
    "ReplyTo": ADDRESSES,
}
STRINGS = {"type": "array", "items": STRING}
PERSON = _object(Email=STRING, Name=STRING)
NUMBER = {"type": "number"}
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}
RULE_FIELDS = {
    "Stage": {"type": "string", "enum": ["connect", "ehlo", "auth", "mail", "rcpt", "data", "end"]},
    "Code": NULLABLE_INTEGER,
    "Text": NULLABLE_STRING,
    "Sender": {**NULLABLE_STRING, "description": "Envelope sender pattern; * matches anything"},
    "To": {**NULLABLE_STRING, "description": "Envelope recipient pattern; * matches anything"},
    "Subject": {**NULLABLE_STRING, "description": "Subject substring; checked at the end of DATA"},
    "Times": NULLABLE_INTEGER,
    "Probability": {**NULLABLE_NUMBER, "description": "0 to 1"},
    "Seed": NULLABLE_INTEGER,
    "Delay": {**NULLABLE_NUMBER, "description": "Seconds"},
    "Drop": BOOLEAN,
    "Rate": {"oneOf": [{"type": "null"}, _object(Count=INTEGER, Seconds=NUMBER)]},
}
TRIGGER = _object(ErrorCode=INTEGER, Probability={**INTEGER, "description": "Percent, 0 to 100"})

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
        messages={"type": "array", "items": ref("MessageSummary")},
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
        Inline={"type": "array", "items": ref("Attachment")},
        Attachments={"type": "array", "items": ref("Attachment")},
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
    "LinkCheck": _object(
        Errors=INTEGER,
        Links={"type": "array", "items": _object(URL=STRING, StatusCode=INTEGER, Status=STRING)},
    ),
    "SpamAssassin": _object(
        Error=STRING,
        IsSpam=BOOLEAN,
        Score=NUMBER,
        Rules={
            "type": ["array", "null"],
            "items": _object(Name=STRING, Score=NUMBER, Description=STRING),
        },
    ),
    "WebUIConfiguration": _object(
        Label=STRING,
        MessageRelay=_object(
            Enabled=BOOLEAN,
            SMTPServer=STRING,
            ReturnPath=STRING,
            AllowedRecipients=STRING,
            BlockedRecipients=STRING,
            OverrideFrom=STRING,
            PreserveMessageIDs=BOOLEAN,
            RecipientAllowlist=STRING,
        ),
        SpamAssassin=BOOLEAN,
        ChaosEnabled=BOOLEAN,
        DuplicatesIgnored=BOOLEAN,
        HideDeleteAllButton=BOOLEAN,
    ),
    "MailHogMessages": _object(
        total=INTEGER,
        count=INTEGER,
        start=INTEGER,
        items={"type": "array", "items": ref("MailHogMessage")},
    ),
    "MailHogMessage": _object(
        ID=STRING,
        From=ref("MailHogPath"),
        To={"type": "array", "items": ref("MailHogPath")},
        Content=ref("MailHogContent"),
        Created=TIME,
        MIME={"oneOf": [{"type": "null"}, ref("MailHogMIME")]},
        Raw=_object(From=STRING, To=STRINGS, Data=STRING, Helo=STRING),
    ),
    "MailHogPath": _object(
        Relays={"type": ["array", "null"], "items": STRING},
        Mailbox=STRING,
        Domain=STRING,
        Params=STRING,
    ),
    "MailHogContent": _object(
        Headers={"type": "object", "additionalProperties": STRINGS},
        Body=STRING,
        Size=INTEGER,
        MIME={"oneOf": [{"type": "null"}, ref("MailHogMIME")]},
    ),
    "MailHogMIME": _object(Parts={"type": "array", "items": ref("MailHogContent")}),
    "MailHogRelease": _object(
        Email=STRING,
        Host=STRING,
        Port=STRING,
        Username=STRING,
        Password=STRING,
        Mechanism=STRING,
    ),
    "Jim": _object(
        DisconnectChance=NUMBER,
        AcceptChance=NUMBER,
        LinkSpeedAffect=NUMBER,
        LinkSpeedMin=NUMBER,
        LinkSpeedMax=NUMBER,
        RejectSenderChance=NUMBER,
        RejectRecipientChance=NUMBER,
        RejectAuthChance=NUMBER,
    ),
    "SetTags": {**_object(IDs=STRINGS, Tags=STRINGS), "required": ["IDs"]},
    "RenameTag": {**_object(Name=STRING), "required": ["Name"]},
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
        mailboxes={
            "type": "array",
            "items": _object(
                Address=STRING,
                Total=INTEGER,
                Unread=INTEGER,
                Folders={
                    "type": "array",
                    "items": _object(Name=STRING, Total=INTEGER, Unread=INTEGER),
                },
            ),
        }
    ),
    "RuleRequest": {
        **_object(**RULE_FIELDS),
        "required": ["Stage"],
    },
    "Rule": _object(
        ID=STRING, **RULE_FIELDS, Reply=NULLABLE_STRING, Fired=INTEGER, Remaining=NULLABLE_INTEGER
    ),
    "Refused": _object(
        total=INTEGER,
        refused={
            "type": "array",
            "items": _object(
                ID=INTEGER,
                Created=TIME,
                Stage=STRING,
                Reply=NULLABLE_STRING,
                Dropped=BOOLEAN,
                Peer=STRING,
                Helo=STRING,
                Sender=NULLABLE_STRING,
                Recipients=STRINGS,
                Subject=NULLABLE_STRING,
                RuleID=STRING,
                Rule=_object(**RULE_FIELDS, Reply=NULLABLE_STRING),
            ),
        },
    ),
    "Chaos": _object(Sender=TRIGGER, Recipient=TRIGGER, Authentication=TRIGGER),
    "Info": _object(
        Version=STRING,
        Messages=INTEGER,
        Unread=INTEGER,
        Tags={"type": "object", "additionalProperties": INTEGER},
        RuntimeStats={"type": "object"},
    ),
}


class Described(Protocol):
    """What the document needs of a route (see :class:`.routes.Route`)."""

    method: str
    path: str
    operation: Json


def document(version: str, routes: Iterable[Described]) -> Json:
    """The whole OpenAPI 3.1 document for ``routes``."""
    paths: Json = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = route.operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mailtrap HTTP API",
            "version": version,
            "description": "Mailpit API v1 compatible routes plus mailtrap's additions "
            "(mailboxes, mailbox= filters, the wait long-poll), and MailHog's API for its "
            "clients (/api/v2/messages, /api/v2/search, /api/v1/messages/{ID}, Jim).",
        },
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }
