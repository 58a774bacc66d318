"""The fault-injection routes over real HTTP: rules, the refused-mail log, Mailpit's chaos."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).parent / "node"
MESSAGE = b"From: app@example.com\r\nSubject: Hello\r\n\r\nhi\r\n"


def send(trap, *recipients: str) -> dict:
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
        return smtp.sendmail("app@example.com", list(recipients), MESSAGE)


def test_post_list_and_delete_rules(api, mailtrap):
    reply = api.request(
        "POST",
        "/api/v1/rules",
        body={"Stage": "rcpt", "Code": 550, "Text": "Gone", "To": "*@blocked.example", "Times": 3},
    )
    assert reply.status == 200
    rule = reply.json()
    assert rule["Reply"] == "550 5.1.1 Gone" and rule["Fired"] == 0 and rule["Remaining"] == 3
    assert api.ok_json("/api/v1/rules") == [rule]
    assert [r.id for r in mailtrap.faults.rules()] == [rule["ID"]]

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(mailtrap, "ann@blocked.example")
    [listed] = api.ok_json("/api/v1/rules")
    assert (listed["Fired"], listed["Remaining"]) == (1, 2)

    deleted = api.request("DELETE", f"/api/v1/rules/{rule['ID']}")
    assert (deleted.status, deleted.text) == (200, "ok")
    assert api.ok_json("/api/v1/rules") == []
    missing = api.request("DELETE", f"/api/v1/rules/{rule['ID']}")
    assert missing.status == 404 and missing.json() == {"Error": "rule not found"}
    assert send(mailtrap, "ann@blocked.example") == {}


def test_post_a_list_adds_all_or_nothing(api, mailtrap):
    rules = [{"Stage": "mail", "Rate": {"Count": 1, "Seconds": 60}}, {"stage": "end", "delay": 0.1}]
    reply = api.request("POST", "/api/v1/rules", body=rules)
    assert reply.status == 200
    added = reply.json()
    assert [r["Stage"] for r in added] == ["mail", "end"]
    assert added[0]["Reply"] == "451 4.7.0 Too many messages, slow down"
    assert added[1]["Reply"] is None  # a delay alone refuses nothing

    bad = api.request("POST", "/api/v1/rules", body=[{"Stage": "rcpt"}, {"Stage": "quit"}])
    assert bad.status == 400 and bad.json()["Error"].startswith("rule 2: stage must be one of")
    assert len(api.ok_json("/api/v1/rules")) == 2

    assert api.request("DELETE", "/api/v1/rules").text == "ok"
    assert api.ok_json("/api/v1/rules") == [] and not mailtrap.faults.active


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"{not json", "request body is not valid JSON"),
        (b"[" * 100_000, "request body is not valid JSON"),
        (b'{"Stage": "rcpt", "Code": "550"}', "code must be a whole number, not '550'"),
        (b'{"Stage": "rcpt", "Text": "a\\r\\n250 OK"}', "text must be printable ASCII on one line"),
        (b'{"Stage": "rcpt", "Sometimes": 1}', "unknown field(s) Sometimes"),
        (b'"rcpt"', "a rule must be a JSON object"),
    ],
)
def test_bad_rules_are_400_with_the_reason(api, raw, error):
    reply = api.request("POST", "/api/v1/rules", raw=raw)
    assert reply.status == 400 and reply.json() == {"Error": error}
    assert api.ok_json("/api/v1/rules") == []


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/v1/rules", {"GET", "POST", "DELETE"}),
        ("GET", "/api/v1/rules/some-id", {"DELETE"}),
        ("POST", "/api/v1/refused", {"GET", "DELETE"}),
        ("POST", "/api/v1/chaos", {"GET", "PUT"}),
    ],
)
def test_methods_the_fault_routes_do_not_take_are_json_405(api, method, path, allowed):
    """The fault routes come from the route table: a wrong method is the one JSON 405."""
    reply = api.request(method, path)
    assert reply.status == 405 and reply.json() == {"Error": "Method Not Allowed"}
    assert allowed <= {name.strip() for name in reply.headers["Allow"].split(",")}
    assert method not in reply.headers["Allow"]


def test_a_rules_listing_posts_back_as_the_same_rules(api):
    api.request(
        "POST",
        "/api/v1/rules",
        body=[
            {"Stage": "rcpt", "Code": 550, "To": "bob@*", "Probability": 0.5, "Seed": 9},
            {"Stage": "connect", "Drop": True, "Times": 1},
        ],
    )
    listing = api.ok_json("/api/v1/rules")
    api.request("DELETE", "/api/v1/rules")
    again = api.request("POST", "/api/v1/rules", body=listing).json()
    strip = lambda rules: [{k: v for k, v in r.items() if k != "ID"} for r in rules]  # noqa: E731
    assert strip(again) == strip(listing)


def test_the_refused_log_over_http(api, mailtrap):
    rule = mailtrap.fail("rcpt", 550, "No such user", to="ghost@*")
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.ehlo("client.example")
        smtp.sendmail("app@example.com", ["ghost@example.com", "bob@example.com"], MESSAGE)
    log = api.ok_json("/api/v1/refused")
    assert log["total"] == 1
    [entry] = log["refused"]
    assert entry["Created"].endswith("+00:00")
    assert entry["Peer"].startswith("127.0.0.1:")
    del entry["Created"], entry["Peer"]
    assert entry == {
        "ID": 1,
        "Stage": "rcpt",
        "Reply": "550 5.1.1 No such user",
        "Dropped": False,
        "Helo": "client.example",
        "Sender": "app@example.com",
        "Recipients": ["ghost@example.com"],
        "Subject": None,
        "RuleID": rule.id,
        "Rule": {
            "Stage": "rcpt",
            "Code": 550,
            "Text": "No such user",
            "Sender": None,
            "To": "ghost@*",
            "Subject": None,
            "Times": None,
            "Probability": None,
            "Seed": None,
            "Delay": None,
            "Drop": False,
            "Rate": None,
            "Reply": "550 5.1.1 No such user",
        },
    }
    rule.remove()  # the log keeps what the rule said
    assert api.ok_json("/api/v1/refused")["refused"][0]["Rule"]["To"] == "ghost@*"
    assert api.request("DELETE", "/api/v1/refused").text == "ok"
    assert api.ok_json("/api/v1/refused") == {"total": 0, "refused": []}


def test_client_strings_in_the_log_are_plain_json(api, mailtrap):
    mailtrap.fail("mail", 550)
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.ehlo("<script>alert(1)</script>")
        assert smtp.mail('"</script>"@example.com')[0] == 550
    [entry] = api.ok_json("/api/v1/refused")["refused"]
    assert entry["Helo"] == "<script>alert(1)</script>"
    assert entry["Sender"] == '"</script>"@example.com'


# -- Mailpit's chaos ------------------------------------------------------------------------------


def test_chaos_get_and_put_in_mailpits_shape(api, mailtrap):
    assert api.ok_json("/api/v1/chaos") == {
        "Sender": {"ErrorCode": 451, "Probability": 0},
        "Recipient": {"ErrorCode": 451, "Probability": 0},
        "Authentication": {"ErrorCode": 535, "Probability": 0},
    }
    reply = api.request(
        "PUT", "/api/v1/chaos", body={"Recipient": {"ErrorCode": 552, "Probability": 100}}
    )
    assert reply.status == 200
    assert reply.json()["Recipient"] == {"ErrorCode": 552, "Probability": 100}
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(mailtrap, "bob@example.com")
    assert refused.value.recipients == {"bob@example.com": (552, b"5.2.2 Chaos recipient error")}
    assert [r["ID"] for r in api.ok_json("/api/v1/rules")] == ["chaos-recipient"]

    reset = api.request("PUT", "/api/v1/chaos", raw=b"")
    assert reset.json()["Recipient"] == {"ErrorCode": 451, "Probability": 0}
    assert send(mailtrap, "bob@example.com") == {}


def test_chaos_authentication_fails_auth(api, mailtrap):
    api.request("PUT", "/api/v1/chaos", body={"Authentication": {"Probability": 100}})
    with (
        smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp,
        pytest.raises(smtplib.SMTPAuthenticationError) as refused,
    ):
        smtp.login("user", "pass")
    assert refused.value.smtp_code == 535
    assert refused.value.smtp_error == b"5.7.8 Chaos authentication error"


def test_bad_chaos_is_400(api):
    reply = api.request(
        "PUT", "/api/v1/chaos", body={"Sender": {"ErrorCode": 200, "Probability": 5}}
    )
    assert reply.status == 400 and reply.json() == {
        "Error": "error code must be between 400 and 599"
    }


def test_the_npm_mailpit_clients_chaos_calls_work_unchanged(node_script, mailtrap):
    def chaos(action: str) -> dict:
        return node_script("chaos_client.mjs", mailtrap.http_url, action)

    assert chaos("set") == {
        "Sender": {"ErrorCode": 450, "Probability": 0},
        "Recipient": {"ErrorCode": 550, "Probability": 100},
        "Authentication": {"ErrorCode": 535, "Probability": 0},
    }
    assert chaos("get")["Recipient"] == {"ErrorCode": 550, "Probability": 100}
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.ehlo()
        assert smtp.mail("app@example.com")[0] == 250
        assert smtp.rcpt("bob@example.com") == (550, b"5.1.1 Chaos recipient error")
    assert chaos("reset")["Recipient"] == {"ErrorCode": 451, "Probability": 0}
    assert send(mailtrap, "bob@example.com") == {}
