"""Mailpit's tags over HTTP: X-Tags at delivery, GET/PUT /api/v1/tags, rename and delete, Tags
in summaries, messages, list envelopes and /api/v1/info, tag: and is:tagged in search, and
the websocket's announcements; bad input is a JSON 4xx."""

from __future__ import annotations

import json

import pytest
from websockets.sync.client import connect

from mailtrap.tags import MAX_TAGS


@pytest.fixture
def tagged(build, smtp):
    """Three messages over SMTP: X-Tags "Signup, billing", "signup", and none; newest last."""
    smtp(
        "app@example.com",
        ["alice@example.com"],
        build(subject="one", headers={"X-Tags": "Signup, billing"}),
    )
    smtp("app@example.com", ["bob@example.com"], build(subject="two", headers={"X-Tags": "signup"}))
    smtp("app@example.com", ["carol@example.com"], build(subject="three"))


def subjects(page):
    return [m["Subject"] for m in page["messages"]]


def test_tags_from_x_tags_everywhere(api, tagged):
    assert api.ok_json("/api/v1/tags") == ["billing", "Signup"]
    page = api.ok_json("/api/v1/messages")
    assert page["tags"] == ["billing", "Signup"]
    assert [m["Tags"] for m in page["messages"]] == [[], ["Signup"], ["billing", "Signup"]]
    one = page["messages"][2]["ID"]
    assert api.ok_json(f"/api/v1/message/{one}")["Tags"] == ["billing", "Signup"]
    assert api.ok_json("/api/v1/info")["Tags"] == {"billing": 1, "Signup": 2}
    assert api.ok_json("/api/v1/search", query="subject:one")["tags"] == ["billing", "Signup"]


def test_search_by_tag(api, tagged):
    assert subjects(api.ok_json("/api/v1/search", query="tag:signup")) == ["two", "one"]
    assert subjects(api.ok_json("/api/v1/search", query="tag:BILLING")) == ["one"]
    assert subjects(api.ok_json("/api/v1/search", query="tag:bill")) == []
    assert subjects(api.ok_json("/api/v1/search", query="is:tagged")) == ["two", "one"]
    assert subjects(api.ok_json("/api/v1/search", query="-is:tagged")) == ["three"]
    assert subjects(api.ok_json("/api/v1/search", query="!tag:billing tag:signup")) == ["two"]
    assert api.ok_json("/api/v1/message/latest", query="tag:billing")["Subject"] == "one"


def test_set_tags(api, tagged):
    ids = {m["Subject"]: m["ID"] for m in api.ok_json("/api/v1/messages")["messages"]}
    reply = api.request(
        "PUT",
        "/api/v1/tags",
        body={"IDs": [ids["three"], ids["two"]], "Tags": ["New", "x/y", "new"]},
    )
    assert reply.status == 200 and reply.text == "ok"
    assert api.ok_json(f"/api/v1/message/{ids['three']}")["Tags"] == ["New", "x y"]
    assert api.ok_json("/api/v1/info")["Tags"] == {"billing": 1, "New": 2, "Signup": 1, "x y": 2}
    cleared = api.request("PUT", "/api/v1/tags", body={"IDs": [ids["one"]]})
    assert cleared.status == 200
    assert api.ok_json(f"/api/v1/message/{ids['one']}")["Tags"] == []
    assert api.ok_json("/api/v1/tags") == ["New", "x y"]


def test_rename_and_delete(api, tagged):
    reply = api.request("PUT", "/api/v1/tags/signup", body={"Name": "Welcome mail"})
    assert reply.status == 200 and reply.text == "ok"
    assert api.ok_json("/api/v1/tags") == ["billing", "Welcome mail"]
    assert subjects(api.ok_json("/api/v1/search", query='tag:"welcome mail"')) == ["two", "one"]
    assert api.request("PUT", "/api/v1/tags/Welcome%20mail", body={"Name": "billing"}).status == 200
    assert api.ok_json("/api/v1/info")["Tags"] == {"billing": 2}
    reply = api.request("DELETE", "/api/v1/tags/BILLING")
    assert reply.status == 200 and reply.text == "ok"
    assert api.ok_json("/api/v1/tags") == []
    assert api.ok_json("/api/v1/messages")["total"] == 3  # the messages stay
    assert api.request("DELETE", "/api/v1/tags/never").status == 200  # deleting is idempotent


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("PUT", "/api/v1/tags", {"IDs": ["nope"], "Tags": ["a"]}, 404),
        ("PUT", "/api/v1/tags", {"IDs": "abc", "Tags": ["a"]}, 400),
        ("PUT", "/api/v1/tags", {"IDs": [], "Tags": [1, 2]}, 400),
        ("PUT", "/api/v1/tags", {"IDs": [], "Tags": "a,b"}, 400),
        ("PUT", "/api/v1/tags", ["not", "an", "object"], 400),
        ("PUT", "/api/v1/tags", {"IDs": [], "Tags": [f"t{i}" for i in range(MAX_TAGS + 1)]}, 400),
        ("PUT", "/api/v1/tags/signup", {"Name": ""}, 400),
        ("PUT", "/api/v1/tags/signup", {"Name": "!!!"}, 400),
        ("PUT", "/api/v1/tags/signup", {"Name": 7}, 400),
        ("PUT", "/api/v1/tags/signup", {}, 400),
        ("PUT", "/api/v1/tags/unknown", {"Name": "x"}, 404),
        ("POST", "/api/v1/tags", {}, 405),
    ],
)
def test_bad_input_is_a_json_error(api, tagged, method, path, body, status):
    reply = api.request(method, path, body=body)
    assert reply.status == status, reply.body
    assert reply.json()["Error"]
    assert api.ok_json("/api/v1/tags") == ["billing", "Signup"]  # nothing changed


def test_huge_tag_lists_and_bodies(api, deliver, build):
    message = deliver(build(subject="big"))
    many = {"IDs": [message.id], "Tags": ["x" * 10_000] * 50}
    assert api.request("PUT", "/api/v1/tags", body=many).status == 200
    [tag] = api.ok_json("/api/v1/tags")  # one tag, cut to the longest name allowed
    assert len(tag) == 100
    header = ", ".join(f"tag{i}" for i in range(5000))
    tagged = deliver(build(subject="many", headers={"X-Tags": header}))
    assert len(api.ok_json(f"/api/v1/message/{tagged.id}")["Tags"]) == MAX_TAGS
    raw = json.dumps({"IDs": [message.id], "Tags": ["a"] * 1_000_000}).encode()
    reply = api.request(
        "PUT", "/api/v1/tags", raw=raw, headers={"Content-Type": "application/json"}
    )
    assert reply.status == 400 and reply.json()["Error"]


def test_send_api_tags(api):
    sent = api.request(
        "POST",
        "/api/v1/send",
        body={
            "From": {"Email": "a@example.com"},
            "To": [{"Email": "b@example.com"}],
            "Subject": "s",
            "Tags": ["From API", "two"],
        },
    )
    assert sent.status == 200
    assert api.ok_json(f"/api/v1/message/{sent.json()['ID']}")["Tags"] == ["From API", "two"]


def test_the_websocket_announces_tag_changes(mailtrap, api, deliver, build):
    message = deliver(build(subject="live"))
    url = mailtrap.http_url.replace("http://", "ws://") + "/api/events"
    with connect(url, open_timeout=5) as socket:
        assert json.loads(socket.recv(timeout=5))["Type"] == "stats"
        api.request("PUT", "/api/v1/tags", body={"IDs": [message.id], "Tags": ["hot"]})
        frame = next(
            f
            for f in (json.loads(socket.recv(timeout=5)) for _ in range(5))
            if f["Type"] != "stats"
        )
        assert frame == {"Type": "update", "Data": {"ID": message.id, "Tags": ["hot"]}}
