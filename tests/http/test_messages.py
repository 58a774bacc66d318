"""List, search, read status and delete over real HTTP, with Mailpit's shapes and our semantics."""

from __future__ import annotations

from datetime import datetime

import pytest

SUMMARY_FIELDS = {
    "ID", "MessageID", "Read", "From", "To", "Cc", "Bcc", "ReplyTo", "Subject", "Created",
    "Username", "Tags", "Size", "Attachments", "Snippet",
}  # fmt: skip
ENVELOPE_FIELDS = {
    "total", "unread", "count", "messages_count", "messages_unread", "start", "tags", "messages",
}  # fmt: skip


def test_empty_list_has_the_mailpit_envelope(api):
    page = api.ok_json("/api/v1/messages")
    assert set(page) == ENVELOPE_FIELDS
    assert page["messages"] == [] and page["tags"] == []
    assert page["total"] == page["unread"] == page["count"] == page["start"] == 0


def test_list_is_newest_first_with_summaries(api, smtp, build):
    smtp("app@example.com", ["alice@example.com"], build(subject="first"))
    smtp("app@example.com", ["alice@example.com"], build(subject="second", text="Body two"))
    page = api.ok_json("/api/v1/messages")
    assert [m["Subject"] for m in page["messages"]] == ["second", "first"]
    assert page["total"] == page["messages_count"] == page["count"] == 2
    assert page["unread"] == page["messages_unread"] == 2
    row = page["messages"][0]
    assert set(row) == SUMMARY_FIELDS
    assert row["From"] == {"Name": "App", "Address": "app@example.com"}
    assert row["To"] == [{"Name": "", "Address": "alice@example.com"}]
    assert row["Cc"] == [] and row["ReplyTo"] == [] and row["Tags"] == []
    assert row["Read"] is False and row["Attachments"] == 0
    assert row["Snippet"] == "Body two"
    assert row["MessageID"].endswith("@example.com") and "<" not in row["MessageID"]
    assert row["Created"].endswith("Z")
    datetime.fromisoformat(row["Created"])


def test_envelope_recipients_missing_from_headers_are_bcc(api, smtp, build):
    raw = build(to="alice@example.com", cc="Carol <carol@example.com>")
    smtp("app@example.com", ["alice@example.com", "carol@example.com", "hidden@example.com"], raw)
    [row] = api.ok_json("/api/v1/messages")["messages"]
    assert row["Cc"] == [{"Name": "Carol", "Address": "carol@example.com"}]
    assert row["Bcc"] == [{"Name": "", "Address": "hidden@example.com"}]
    raw_back = api.get(f"/api/v1/message/{row['ID']}/raw").body
    assert raw_back == raw
    assert b"hidden@example.com" not in raw_back


def test_pagination(api, deliver, build):
    for number in range(5):
        deliver(build(subject=f"m{number}"))
    page = api.ok_json("/api/v1/messages", start=1, limit=2)
    assert [m["Subject"] for m in page["messages"]] == ["m3", "m2"]
    assert page["start"] == 1 and page["count"] == 2 and page["total"] == 5
    assert len(api.ok_json("/api/v1/messages", limit=0)["messages"]) == 5
    assert api.ok_json("/api/v1/messages", start=10)["messages"] == []


@pytest.mark.parametrize(
    "params", [{"limit": "ten"}, {"start": "-1"}, {"limit": "-5"}, {"start": "1.5"}]
)
def test_bad_paging_is_400_json(api, params):
    reply = api.get("/api/v1/messages", **params)
    assert reply.status == 400
    assert "Error" in reply.json()


def test_search_filters(api, deliver, build):
    deliver(build(subject="Welcome Alice", to="alice@example.com", sender="shop@example.com"))
    pdf = ("a.pdf", "application/pdf", b"%PDF")
    deliver(build(subject="Invoice", to="bob@example.com", attachments=[pdf]), ["bob@example.com"])
    deliver(build(subject="Welcome Bob", to="bob@example.com", text="the secret word is plum"))

    def subjects(query: str) -> list[str]:
        page = api.ok_json("/api/v1/search", query=query)
        assert page["messages_count"] == len(page["messages"])
        return sorted(m["Subject"] for m in page["messages"])

    assert subjects("subject:welcome") == ["Welcome Alice", "Welcome Bob"]
    assert subjects("to:bob@example.com") == ["Invoice", "Welcome Bob"]
    assert subjects("from:shop") == ["Welcome Alice"]
    assert subjects("has:attachment") == ["Invoice"]
    assert subjects("-has:attachment to:bob") == ["Welcome Bob"]
    assert subjects("plum") == ["Welcome Bob"]
    assert subjects('"secret word"') == ["Welcome Bob"]
    assert subjects('subject:"welcome bob"') == ["Welcome Bob"]
    assert subjects("!subject:welcome") == ["Invoice"]
    assert subjects("a.pdf") == ["Invoice"]
    assert subjects("nothing-like-this") == []


def test_search_read_state_and_counts(api, deliver, build):
    first = deliver(build(subject="one"))
    deliver(build(subject="two"))
    assert api.get(f"/api/v1/message/{first.id}").status == 200  # marks it read
    page = api.ok_json("/api/v1/search", query="is:unread")
    assert [m["Subject"] for m in page["messages"]] == ["two"]
    assert page["messages_unread"] == 1 and page["total"] == 2 and page["unread"] == 1
    assert [m["Subject"] for m in api.ok_json("/api/v1/search", query="is:read")["messages"]] == [
        "one"
    ]


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("", "no search query"),
        ('subject:"open', "quote"),
        ("is:starred", "is:starred"),
        ("has:pony", "has:pony"),
        ("larger:huge", "size"),
        ("after:yesterday", "date"),
        ("to:", "needs a value"),
    ],
)
def test_bad_search_is_400_with_reason(api, query, why):
    reply = api.get("/api/v1/search", query=query)
    assert reply.status == 400
    assert why in reply.json()["Error"]


def test_bad_time_zone_is_400(api):
    reply = api.get("/api/v1/search", query="after:2024-01-01", tz="Mars/Olympus")
    assert reply.status == 400


def test_size_and_date_filters(api, deliver, build):
    deliver(build(subject="small"))
    deliver(build(subject="big", text="x" * 20_000))
    assert [
        m["Subject"] for m in api.ok_json("/api/v1/search", query="larger:10kb")["messages"]
    ] == ["big"]
    assert len(api.ok_json("/api/v1/search", query="after:2000-01-01")["messages"]) == 2
    assert api.ok_json("/api/v1/search", query="before:2000-01-01")["messages"] == []


def test_put_read_status_by_ids_by_search_and_all(api, deliver, build):
    one, two = deliver(build(subject="one")), deliver(build(subject="two"))
    put = api.request("PUT", "/api/v1/messages", body={"IDs": [one.id], "Read": True})
    assert (put.status, put.text) == (200, "ok")
    assert api.ok_json("/api/v1/messages")["unread"] == 1
    api.request("PUT", "/api/v1/messages", body={"Search": "subject:two", "Read": True})
    assert api.ok_json("/api/v1/messages")["unread"] == 0
    api.request("PUT", "/api/v1/messages", body={})  # no IDs, no search: all unread
    assert api.ok_json("/api/v1/messages")["unread"] == 2
    api.request("PUT", "/api/v1/messages", body={"ids": [two.id], "read": True})  # Go: any case
    assert api.ok_json("/api/v1/search", query="is:read")["messages"][0]["ID"] == two.id


@pytest.mark.parametrize(
    "body",
    [
        {"IDs": ["x"], "Search": "subject:a", "Read": True},
        {"IDs": "not-a-list"},
        {"Read": "maybe"},
        {"Search": "is:nonsense"},
    ],
)
def test_bad_put_is_400(api, body):
    reply = api.request("PUT", "/api/v1/messages", body=body)
    assert reply.status == 400 and reply.json()["Error"]


def test_malformed_json_body_is_400_and_deletes_nothing(api, deliver, build):
    deliver(build())
    reply = api.request(
        "DELETE", "/api/v1/messages", raw=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert reply.status == 400
    assert api.ok_json("/api/v1/messages")["total"] == 1


def test_delete_by_ids_and_all(api, deliver, build):
    one, _two, three = (deliver(build(subject=s)) for s in ("1", "2", "3"))
    reply = api.request("DELETE", "/api/v1/messages", body={"IDs": [one.id, three.id, "nope"]})
    assert (reply.status, reply.text) == (200, "ok")
    assert [m["Subject"] for m in api.ok_json("/api/v1/messages")["messages"]] == ["2"]
    assert api.request("DELETE", "/api/v1/messages").status == 200
    assert api.ok_json("/api/v1/messages")["total"] == 0


def test_form_encoded_ids_are_accepted(api, deliver, build):
    """mailpit-api-client sends its IDs as an HTML form; Mailpit would delete everything."""
    keep, drop = deliver(build(subject="keep")), deliver(build(subject="drop"))
    reply = api.request(
        "DELETE",
        "/api/v1/messages",
        raw=f"ids={drop.id}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 200
    assert [m["ID"] for m in api.ok_json("/api/v1/messages")["messages"]] == [keep.id]


def test_delete_by_search(api, deliver, build):
    deliver(build(subject="spam offer"))
    deliver(build(subject="real mail"))
    assert api.request("DELETE", "/api/v1/search", {"query": "subject:spam"}).status == 200
    assert [m["Subject"] for m in api.ok_json("/api/v1/messages")["messages"]] == ["real mail"]
    assert api.request("DELETE", "/api/v1/search").status == 400


def test_mailboxes_and_per_mailbox_semantics(api, deliver, build, mailtrap):
    shared = deliver(build(subject="to both"), rcpt_tos=["alice@example.com", "bob@example.com"])
    deliver(build(subject="bob only"), rcpt_tos=["bob@example.com"])
    boxes = api.ok_json("/api/v1/mailboxes")["mailboxes"]
    counts = {b["Address"]: (b["Total"], b["Unread"]) for b in boxes if b["Total"]}
    assert counts == {"alice@example.com": (1, 1), "bob@example.com": (2, 2)}
    # Reading in alice's mailbox only: bob still has it unread, so overall it is unread.
    api.request("GET", f"/api/v1/message/{shared.id}", {"mailbox": "alice@example.com"})
    alice = api.ok_json("/api/v1/messages", mailbox="alice@example.com")
    assert alice["messages"][0]["Read"] is True and alice["unread"] == 0 and alice["total"] == 1
    overall = {m["Subject"]: m["Read"] for m in api.ok_json("/api/v1/messages")["messages"]}
    assert overall == {"to both": False, "bob only": False}
    # Without mailbox=, PUT marks it read everywhere.
    api.request("PUT", "/api/v1/messages", body={"IDs": [shared.id], "Read": True})
    assert mailtrap.mailbox("bob@example.com").unread == 1
    # DELETE with mailbox= unlinks from that mailbox only.
    api.request("DELETE", "/api/v1/messages", {"mailbox": "bob@example.com"}, {"IDs": [shared.id]})
    assert api.ok_json("/api/v1/messages", mailbox="bob@example.com")["total"] == 1
    assert api.ok_json("/api/v1/messages", mailbox="alice@example.com")["total"] == 1
    searched = api.ok_json("/api/v1/search", query="subject:both", mailbox="bob@example.com")
    assert searched["messages"] == []


def test_unknown_mailbox_lists_empty(api, deliver, build):
    deliver(build())
    page = api.ok_json("/api/v1/messages", mailbox="nobody@example.com")
    assert page["messages"] == [] and page["total"] == 0


def test_folders_in_mailboxes_and_the_folder_filter(api, deliver, build, mailtrap):
    bob = mailtrap.unique_address("bob")  # folders outlive clear(): keep them to this test
    deliver(build(subject="inbox mail"), rcpt_tos=[bob])
    sent = mailtrap.mailbox(bob, "Sent").append(build(subject="a sent copy"), flags=["\\Seen"])
    boxes = api.ok_json("/api/v1/mailboxes")["mailboxes"]
    [account] = [b for b in boxes if b["Address"] == bob]
    assert (account["Total"], account["Unread"]) == (1, 1)
    assert account["Folders"] == [
        {"Name": "INBOX", "Total": 1, "Unread": 1},
        {"Name": "Sent", "Total": 1, "Unread": 0},
    ]
    # without mailbox=: every stored message once, the appended one included
    everything = api.ok_json("/api/v1/messages")
    assert [m["Subject"] for m in everything["messages"]] == ["a sent copy", "inbox mail"]
    # mailbox= alone means INBOX; folder= picks another folder of that account
    inbox = api.ok_json("/api/v1/messages", mailbox=bob)
    assert [m["Subject"] for m in inbox["messages"]] == ["inbox mail"]
    folder = api.ok_json("/api/v1/messages", mailbox=bob, folder="Sent")
    assert [m["Subject"] for m in folder["messages"]] == ["a sent copy"]
    assert folder["messages"][0]["Read"] is True and folder["total"] == 1
    found = api.ok_json("/api/v1/search", query="sent", mailbox=bob, folder="Sent")
    assert [m["ID"] for m in found["messages"]] == [sent.id]
    assert api.ok_json("/api/v1/search", query="sent", mailbox=bob)["messages"] == []
    # to= (and the API's to: search) is about envelope recipients and headers, not folders
    assert api.ok_json("/api/v1/messages", mailbox=bob, folder="Nope")["total"] == 0
    # the message view respects the folder too
    detail = api.request("GET", f"/api/v1/message/{sent.id}", {"mailbox": bob})
    assert detail.status == 404
    detail = api.ok_json(f"/api/v1/message/{sent.id}", mailbox=bob, folder="Sent")
    assert detail["Subject"] == "a sent copy"


def test_folder_without_mailbox_is_400(api):
    reply = api.request("GET", "/api/v1/messages", {"folder": "Sent"})
    assert reply.status == 400 and "mailbox" in reply.json()["Error"]
