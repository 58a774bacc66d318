"""MailHog's API over real HTTP: its JSON shapes, paging and search, one message, delete and
download, Jim mapped onto rules (over real SMTP), bad input; and the requests cypress-mailhog
2.5 sends (read from its published source) replayed, with its own filters applied to the
answers."""

from __future__ import annotations

import smtplib
from email import policy
from email.message import EmailMessage
from urllib.parse import quote

import pytest


def welcome() -> bytes:
    message = EmailMessage()
    message["From"] = "App <app@example.com>"
    message["To"] = "Alice <alice@example.com>"
    message["Subject"] = "Welcome"
    message.set_content("Hello Alice\n")
    message.add_attachment(b"%PDF-1.4 fake", "application", "pdf", filename="sample.pdf")
    message.set_boundary("boundary-1")
    raw = message.as_bytes(policy=policy.SMTP)
    return raw.replace(b"Subject: Welcome\r\n", b"Subject: Welcome\r\nX-Folded: one\r\n two\r\n")


@pytest.fixture
def sent(smtp, build):
    """Three messages over SMTP, the newest last; Bcc only in the envelope of the second."""
    smtp("app@example.com", ["alice@example.com"], welcome())
    smtp(
        "billing@example.com",
        ["bob@example.com", "audit@example.com"],
        build(subject="Invoice", to="bob@example.com", sender="billing@example.com"),
    )
    smtp(
        "app@example.com",
        ["carol@example.com"],
        build(subject="Reset", to="carol@example.com", text="reset code 123456"),
    )


def test_the_v2_list_shape(api, sent):
    page = api.ok_json("/api/v2/messages")
    assert (page["total"], page["count"], page["start"]) == (3, 3, 0)
    reset, invoice, first = page["items"]
    assert set(first) == {"ID", "From", "To", "Content", "Created", "MIME", "Raw"}
    assert first["From"] == {
        "Relays": None,
        "Mailbox": "app",
        "Domain": "example.com",
        "Params": "",
    }
    assert [(p["Mailbox"], p["Domain"]) for p in invoice["To"]] == [
        ("bob", "example.com"),
        ("audit", "example.com"),
    ]
    headers = first["Content"]["Headers"]
    assert headers["Subject"] == ["Welcome"] and headers["To"] == ["Alice <alice@example.com>"]
    assert headers["X-Folded"] == ["one two"]
    assert first["Content"]["Body"].startswith("--")  # the raw body, boundaries and all
    assert first["Content"]["Size"] == len(welcome()) and first["Content"]["MIME"] is None
    text, pdf = first["MIME"]["Parts"]
    assert text["Headers"]["Content-Type"] == ['text/plain; charset="utf-8"']
    assert text["Body"].strip() == "Hello Alice"
    assert pdf["Headers"]["Content-Disposition"] == ['attachment; filename="sample.pdf"']
    assert pdf["Headers"]["Content-Transfer-Encoding"] == ["base64"] and pdf["MIME"] is None
    assert first["Raw"] == {
        "From": "app@example.com",
        "To": ["alice@example.com"],
        "Data": welcome().decode(),
        "Helo": "",
    }
    assert first["Created"][:4].isdigit() and "T" in first["Created"]
    assert reset["MIME"] is None or reset["Content"]["Headers"]["Subject"] == ["Reset"]


def test_paging(api, sent):
    assert [
        m["Content"]["Headers"]["Subject"][0]
        for m in api.ok_json("/api/v2/messages", start=1, limit=1)["items"]
    ] == ["Invoice"]
    page = api.ok_json("/api/v2/messages", start=5)
    assert (page["total"], page["count"], page["items"]) == (3, 0, [])
    # MailHog's leniency: odd values mean the defaults
    assert api.ok_json("/api/v2/messages", start="x", limit="-3")["count"] == 3


def test_limit_is_capped_like_mailhogs(api, deliver, build):
    for i in range(260):
        deliver(build(subject=f"n{i}"))
    page = api.ok_json("/api/v2/messages", limit=1000)
    assert (page["total"], page["count"]) == (260, 250)


def test_a_page_of_big_messages_ends_early(api, deliver, build, monkeypatch):
    from mailtrap.api import routes_mailhog

    monkeypatch.setattr(routes_mailhog, "MAX_PAGE_BYTES", 250_000)
    for i in range(5):
        deliver(build(subject=f"big{i}", text="x" * 100_000))
    page = api.ok_json("/api/v2/messages")
    assert (page["total"], page["count"]) == (5, 2)
    assert [m["Content"]["Headers"]["Subject"][0] for m in page["items"]] == ["big4", "big3"]
    rest = api.ok_json("/api/v2/messages", start=2)
    assert (rest["start"], rest["count"]) == (2, 2)


@pytest.mark.parametrize(
    ("kind", "query", "expected"),
    [
        ("to", "alice", ["Welcome"]),
        ("to", "AUDIT@example.com", ["Invoice"]),  # the envelope (Bcc) too
        ("from", "billing@", ["Invoice"]),
        ("from", "App", ["Reset", "Welcome"]),
        ("containing", "code 123456", ["Reset"]),
        ("containing", "welcome", ["Welcome"]),
        ("containing", "nothing like this", []),
    ],
)
def test_search(api, sent, kind, query, expected):
    page = api.ok_json("/api/v2/search", kind=kind, query=query)
    assert [m["Content"]["Headers"]["Subject"][0] for m in page["items"]] == expected
    assert page["total"] == page["count"] == len(expected)


@pytest.mark.parametrize(
    "params", [{"kind": "subject", "query": "x"}, {"kind": "to"}, {"query": "x"}, {}]
)
def test_bad_searches_are_400(api, params):
    reply = api.get("/api/v2/search", **params)
    assert reply.status == 400 and reply.json()["Error"]


def test_one_message_delete_and_download(api, sent):
    first = api.ok_json("/api/v2/messages")["items"][2]
    one = api.ok_json(f"/api/v1/messages/{first['ID']}")
    assert one == first
    download = api.get(f"/api/v1/messages/{first['ID']}/download")
    assert download.status == 200 and download.body == welcome()
    assert download.headers["Content-Type"] == "message/rfc822"
    assert download.headers["Content-Disposition"] == f'attachment; filename="{first["ID"]}.eml"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    deleted = api.request("DELETE", f"/api/v1/messages/{first['ID']}")
    assert (deleted.status, deleted.body) == (200, b"")
    assert api.ok_json("/api/v2/messages")["total"] == 2
    for method, path in [
        ("GET", f"/api/v1/messages/{first['ID']}"),
        ("DELETE", f"/api/v1/messages/{first['ID']}"),
        ("GET", f"/api/v1/messages/{first['ID']}/download"),
    ]:
        reply = api.request(method, path)
        assert reply.status == 404 and reply.json()["Error"], (method, path)


def test_mailpit_wins_where_the_routes_collide(api, sent):
    """GET /api/v1/messages is Mailpit's object, not MailHog's bare array. DELETE is both: by
    IDs it is Mailpit's (``ok``), deleting all it answers empty, as MailHog did."""
    page = api.ok_json("/api/v1/messages")
    assert isinstance(page["messages"], list)
    by_ids = api.request("DELETE", "/api/v1/messages", body={"IDs": [page["messages"][0]["ID"]]})
    assert (by_ids.status, by_ids.text) == (200, "ok")
    everything = api.request("DELETE", "/api/v1/messages", headers={"Accept": "*/*"})
    assert (everything.status, everything.body) == (200, b"")
    assert api.ok_json("/api/v1/messages")["total"] == 0


def test_release_goes_through_the_relay_server_only(mailtrap_factory, api_for):
    upstream = mailtrap_factory()
    trap = mailtrap_factory(relay=f"127.0.0.1:{upstream.smtp_port}")
    api = api_for(trap)
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=10) as client:
        client.sendmail("app@example.com", ["alice@example.com"], welcome())
    [message] = trap.wait_for(subject="Welcome")
    path = f"/api/v1/messages/{message.id}/release"
    # MailHog's field names in any letter case, as Go decodes them
    mailhog_body = {"Host": "127.0.0.1", "Port": str(upstream.smtp_port), "Email": "to@x.org"}
    for body in (mailhog_body, {"email": "lower@x.org"}):
        reply = api.request("POST", path, body=body)
        assert (reply.status, reply.body) == (200, b""), reply.body
    copies = upstream.wait_for(count=2)
    assert sorted(c.recipients[0] for c in copies) == ["lower@x.org", "to@x.org"]
    assert all(c.subject == "Welcome" and c.message_id != message.message_id for c in copies)
    for body, status, words in [
        ({"Host": "192.0.2.1", "Port": "25", "Email": "x@x.org"}, 400, "only through"),
        ({"Host": "127.0.0.1", "Port": "1", "Email": "x@x.org"}, 400, "only through"),
        ({"Email": "not an address"}, 400, "Invalid email address"),
        ({}, 400, "Email"),
        ([1], 400, "JSON object"),
    ]:
        reply = api.request("POST", path, body=body)
        assert reply.status == status and words in reply.json()["Error"], (body, reply.body)
    reply = api.request("POST", "/api/v1/messages/0123456789abcdef/release", body=mailhog_body)
    assert reply.status == 404
    assert len(upstream.messages()) == 2
    relay = api.ok_json("/api/v1/webui")["MessageRelay"]
    assert relay["Enabled"] is True and relay["SMTPServer"] == f"127.0.0.1:{upstream.smtp_port}"


def test_release_without_a_relay_is_404(api, sent):
    first = api.ok_json("/api/v2/messages")["items"][0]
    reply = api.request("POST", f"/api/v1/messages/{first['ID']}/release", body={"Email": "a@x"})
    assert reply.status == 404 and "--relay" in reply.json()["Error"]


def smtp_attempt(trap) -> str:
    """Send one message; '' when accepted, else the refusal."""
    try:
        with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=10) as client:
            client.sendmail("app@example.com", ["x@example.com"], b"Subject: jim\r\n\r\nhi\r\n")
    except smtplib.SMTPException as error:
        return str(error)
    return ""


def test_jim_maps_onto_rules(mailtrap, api):
    assert api.get("/api/v2/jim").status == 404
    assert api.request("DELETE", "/api/v2/jim").status == 404
    assert api.request("PUT", "/api/v2/jim", body={}).status == 404
    started = api.request("POST", "/api/v2/jim")
    assert started.status == 201
    settings = started.json()
    assert settings["AcceptChance"] == 0.99 and settings["RejectSenderChance"] == 0.05
    assert api.ok_json("/api/v2/jim") == settings
    assert api.request("POST", "/api/v2/jim").status == 400  # already on
    rule_ids = {rule["ID"] for rule in api.ok_json("/api/v1/rules")}
    assert {"jim-accept", "jim-sender", "jim-recipient", "jim-auth"} <= rule_ids

    certain = {k: 0 for k in settings if k.endswith("Chance")} | {
        "AcceptChance": 1,
        "RejectSenderChance": 1,
    }
    changed = api.request("PUT", "/api/v2/jim", body=certain)
    assert changed.status == 200 and changed.json()["RejectSenderChance"] == 1
    assert "Sender rejected by Jim" in smtp_attempt(mailtrap)
    assert mailtrap.refused()[0].rule_id == "jim-sender"

    assert api.request("PUT", "/api/v2/jim", body={"AcceptChance": 2}).status == 400
    assert api.request("PUT", "/api/v2/jim", body={"Nonsense": 1}).status == 400
    assert api.request("PUT", "/api/v2/jim", body={"AcceptChance": "all"}).status == 400
    stopped = api.request("DELETE", "/api/v2/jim")
    assert (stopped.status, stopped.body) == (200, b"")
    assert not [r for r in api.ok_json("/api/v1/rules") if r["ID"].startswith("jim-")]
    assert smtp_attempt(mailtrap) == ""


# -- cypress-mailhog 2.5: its requests, replayed -------------------------------------------------


def cy_request(api, method: str, path: str):
    """As cy.request sends them: the URL built by mhApiUrl, a browser-like Accept."""
    return api.request(method, "/api" + path, headers={"Accept": "*/*", "User-Agent": "Cypress"})


def cy_items(api, path: str) -> list[dict]:
    reply = cy_request(api, "GET", path)
    assert reply.status == 200
    return reply.json()["items"]


def test_cypress_mailhog_requests(api, sent):
    # mhGetAllMails / mhGetMailsBySubject / ...: getMessages(limit)
    mails = cy_items(api, f"/v2/messages?limit={quote('50')}")
    assert len(mails) == 3
    # mhGetMailsBySubject: mail.Content.Headers.Subject[0] === subject
    [by_subject] = [m for m in mails if m["Content"]["Headers"]["Subject"][0] == "Invoice"]
    # mhGetMailsByRecipient / mhGetRecipients: `${Mailbox}@${Domain}` of mail.To
    recipients = [f"{r['Mailbox']}@{r['Domain']}" for r in by_subject["To"]]
    assert recipients == ["bob@example.com", "audit@example.com"]
    # mhGetMailsBySender / mhGetSender: mail.Raw.From
    assert [
        m["Content"]["Headers"]["Subject"][0]
        for m in mails
        if m["Raw"]["From"] == "app@example.com"
    ] == ["Reset", "Welcome"]
    # mhGetBody: mail.Content.Body
    reset = next(m for m in mails if m["Content"]["Headers"]["Subject"][0] == "Reset")
    assert "reset code 123456" in reset["Content"]["Body"]
    # mhGetAttachments: "attachment" and "filename=" tokens of MIME.Parts' Content-Disposition
    first = next(m for m in mails if m["Content"]["Headers"]["Subject"][0] == "Welcome")
    names = []
    for part in first["MIME"]["Parts"]:
        disposition = part["Headers"].get("Content-Disposition", [""])[0]
        tokens = [t.strip() for t in disposition.split(";")]
        if "attachment" in tokens:
            names.append(
                next(t for t in tokens if t.startswith("filename=")).replace("filename=", "")
            )
    assert names == ['"sample.pdf"']
    # mhSearchMails(kind, query, limit)
    found = cy_items(
        api, f"/v2/search?kind=to&query={quote('carol@example.com')}&limit={quote('50')}"
    )
    assert [m["Content"]["Headers"]["Subject"][0] for m in found] == ["Reset"]
    # mhGetJimMode / mhSetJimMode(true|false): status 200 means on; failOnStatusCode: false
    assert cy_request(api, "GET", "/v2/jim").status == 404
    assert cy_request(api, "POST", "/v2/jim").status == 201
    assert cy_request(api, "GET", "/v2/jim").status == 200
    assert cy_request(api, "DELETE", "/v2/jim").status == 200
    assert cy_request(api, "GET", "/v2/jim").status == 404
    # mhDeleteAll
    assert cy_request(api, "DELETE", "/v1/messages").status == 200
    assert cy_items(api, "/v2/messages?limit=50") == []
