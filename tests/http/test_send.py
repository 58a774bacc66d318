"""``POST /api/v1/send``: Mailpit's SendRequest in, a stored message (and envelope) out."""

from __future__ import annotations

import base64

import pytest

PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a") + b"\x00" * 16).decode()


def test_send_stores_a_message_with_envelope_bcc(api, mailtrap):
    request = {
        "From": {"Email": "john@example.com", "Name": "John Doe"},
        "To": [{"Email": "jane@example.com", "Name": "Jane"}],
        "Cc": [{"Email": "manager@example.com"}],
        "Bcc": ["jack@example.com"],
        "ReplyTo": [{"Email": "secretary@example.com"}],
        "Subject": "Sent over HTTP",
        "Text": "Hello text",
        "HTML": '<p>Hello <img src="cid:logo"></p>',
        "Tags": ["one", "two"],
        "Headers": {"X-IP": "1.2.3.4"},
        "Attachments": [
            {"Content": PNG, "Filename": "logo.png", "ContentID": "logo"},
            {"Content": base64.b64encode(b"a,b\n").decode(), "Filename": "data.csv"},
        ],
    }
    reply = api.request("POST", "/api/v1/send", body=request)
    assert reply.status == 200
    message_id = reply.json()["ID"]
    stored = mailtrap.store.get(message_id)
    assert stored.mail_from == "john@example.com"
    assert set(stored.rcpt_tos) == {
        "jane@example.com", "manager@example.com", "jack@example.com"
    }  # fmt: skip
    assert b"jack@example.com" not in mailtrap.store.raw(message_id)
    detail = api.ok_json(f"/api/v1/message/{message_id}")
    assert detail["From"] == {"Name": "John Doe", "Address": "john@example.com"}
    assert detail["Bcc"] == [{"Name": "", "Address": "jack@example.com"}]
    assert detail["ReplyTo"] == [{"Name": "", "Address": "secretary@example.com"}]
    assert detail["Text"].strip() == "Hello text"
    assert [a["FileName"] for a in detail["Attachments"]] == ["data.csv"]
    assert [a["ContentID"] for a in detail["Inline"]] == ["logo"]
    headers = api.ok_json(f"/api/v1/message/{message_id}/headers")
    assert headers["X-Ip"] == ["1.2.3.4"] and headers["X-Tags"] == ["one, two"]


@pytest.mark.parametrize(
    ("request_body", "why"),
    [
        ({"To": [{"Email": "a@example.com"}]}, "From"),
        ({"From": {"Email": "not-an-address"}, "To": [{"Email": "a@example.com"}]}, "From"),
        ({"From": {"Email": "a@example.com"}}, "no recipients"),
        ({"From": {"Email": "a@example.com"}, "To": [{"Email": "x\r\nBcc: y@z"}]}, "To"),
        ({"From": {"Email": "a@example.com"}, "To": "a@example.com"}, "type"),
        (
            {"From": {"Email": "a@example.com"}, "To": [{"Email": "b@example.com"}],
             "Headers": {"Subject": "override"}},
            "cannot overwrite",
        ),
        (
            {"From": {"Email": "a@example.com"}, "To": [{"Email": "b@example.com"}],
             "Headers": {"X-Evil": "a\r\nBcc: c@example.com"}},
            "cannot build",
        ),
        (
            {"From": {"Email": "a@example.com"}, "To": [{"Email": "b@example.com"}],
             "Attachments": [{"Filename": "x.bin", "Content": "%%%not base64"}]},
            "base64",
        ),
        ([1, 2, 3], "JSON object"),
    ],
)  # fmt: skip
def test_bad_send_requests_are_400_json(api, mailtrap, request_body, why):
    reply = api.request("POST", "/api/v1/send", body=request_body)
    assert reply.status == 400
    assert why in reply.json()["Error"]
    assert mailtrap.store.count() == 0


def test_send_with_invalid_json_is_400(api):
    reply = api.request(
        "POST", "/api/v1/send", raw=b"{", headers={"Content-Type": "application/json"}
    )
    assert reply.status == 400 and reply.json()["Error"]


def test_send_over_the_size_limit_is_refused(mailtrap_factory, api_for):
    trap = mailtrap_factory(max_size=20_000)
    api = api_for(trap)
    request = {
        "From": {"Email": "a@example.com"},
        "To": [{"Email": "b@example.com"}],
        "Text": "x" * 30_000,
    }
    reply = api.request("POST", "/api/v1/send", body=request)
    assert reply.status == 413 and "exceeds" in reply.json()["Error"]
    huge = api.request("POST", "/api/v1/send", raw=b"{" + b" " * 2_000_000 + b"}")
    assert huge.status == 413 and huge.json()["Error"]
    assert trap.store.count() == 0
