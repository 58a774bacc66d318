"""The HTTP API and websocket with accounts: basic auth, and one account never sees another's.

Two accounts with mail for both; alice logs in with her account's password, an admin with
``--ui-auth``. Every route either answers with alice's mail only or refuses, and nothing of
bob's leaks, not even a count: Mailpit's routes, the long poll, the websocket, curl, Host and CORS
(the checks, tags, MailHog's API and Jim: test_http_isolation_tags.py).
"""

from __future__ import annotations

import json
import smtplib
import subprocess

import pytest
from httpaccounts import (
    ALICE,
    BOB,
    USERS,
    alice_call,
    call,
    frames_until,
    ids,
    listed,
    live_feed,
)
from websockets.exceptions import InvalidStatus

from mailtrap import MailTrap


@pytest.fixture
def trap(htpasswd):
    with MailTrap(auth="users", users=dict(USERS), ui_auth=htpasswd) as trap:
        with smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
            smtp.sendmail("app@example.com", [ALICE], b"Subject: for alice\r\n\r\nhers\r\n")
            smtp.sendmail("app@example.com", [BOB], b"Subject: bob secret\r\n\r\nhis\r\n")
            smtp.sendmail("app@example.com", [BOB], b"Subject: bob second\r\n\r\nhis\r\n")
            smtp.sendmail("app@example.com", [ALICE, BOB], b"Subject: both\r\n\r\nours\r\n")
        trap.wait_for(count=4)
        yield trap


# -- logging in ----------------------------------------------------------------------------------


def test_every_route_but_the_probes_asks_for_basic_auth(trap):
    for path in (
        "/api/v1/messages",
        "/",
        "/api/v1/info",
        f"/api/v1/message/{ids(trap, 'both')[0]}",
    ):
        status, headers, body = call(trap, path)
        assert status == 401, path
        assert headers["WWW-Authenticate"] == 'Basic realm="mailtrap", charset="UTF-8"'
        assert json.loads(body) == {"Error": "log in first"}
    assert call(trap, "/livez")[0] == 200
    assert call(trap, "/readyz")[0] == 200


@pytest.mark.parametrize(
    "who",
    [(ALICE, "wrong"), ("nobody@example.com", "alice-pw"), ("admin", "alice-pw"), (ALICE, "")],
)
def test_wrong_credentials_read_nothing(trap, who):
    status, _, body = call(trap, "/api/v1/messages", who)
    assert status == 401 and b"alice" not in body


def test_malformed_authorization_is_refused(trap):
    for header in ("Basic !!!", "Basic YWxpY2U=", "Bearer x", "Basic "):
        status, _, _ = call(trap, "/api/v1/messages", headers={"Authorization": header})
        assert status == 401, header


# -- what alice sees -----------------------------------------------------------------------------


def test_lists_and_counts_are_alices_only(trap):
    page = listed(trap, "/api/v1/messages", (ALICE, "alice-pw"))
    assert sorted(m["Subject"] for m in page["messages"]) == ["both", "for alice"]
    assert (page["total"], page["messages_count"]) == (2, 2)
    found = listed(trap, "/api/v1/search?query=secret", (ALICE, "alice-pw"))
    assert found["messages"] == [] and found["total"] == 2  # her INBOX's total, not bob's


def test_another_accounts_mailbox_is_404_whether_or_not_it_exists(trap):
    for mailbox in (BOB, "nobody@example.com"):
        status, _, body = alice_call(trap, f"/api/v1/messages?mailbox={mailbox}")
        assert status == 404 and json.loads(body) == {"Error": "no such mailbox"}
    assert alice_call(trap, f"/api/v1/messages?mailbox={ALICE.upper()}")[0] == 200


def test_another_accounts_message_is_404_by_every_route(trap):
    [secret] = ids(trap, "bob secret")
    for path in (
        f"/api/v1/message/{secret}",
        f"/api/v1/message/{secret}/headers",
        f"/api/v1/message/{secret}/raw",
        f"/api/v1/message/{secret}/part/1",
        f"/view/{secret}.html",
        f"/view/{secret}.txt",
    ):
        status, _, body = alice_call(trap, path)
        assert status == 404 and b"secret" not in body, path
    # the same answer as for an ID nobody has
    assert (
        alice_call(trap, "/api/v1/message/nonesuch")[2]
        == alice_call(trap, f"/api/v1/message/{secret}")[2]
    )
    latest = json.loads(alice_call(trap, "/api/v1/message/latest")[2])
    assert latest["Subject"] == "both"


def test_the_mailbox_list_is_alices_account_only(trap):
    boxes = listed(trap, "/api/v1/mailboxes", (ALICE, "alice-pw"))["mailboxes"]
    assert [box["Address"] for box in boxes] == [ALICE]


def test_info_counts_alices_inbox_only(trap):
    info = listed(trap, "/api/v1/info", (ALICE, "alice-pw"))
    assert (info["Messages"], info["Unread"]) == (2, 2)
    assert info["RuntimeStats"]["SMTPAccepted"] == 0


def test_marking_read_and_deleting_everything_touch_alices_mail_only(trap):
    [secret] = ids(trap, "bob secret")
    [both] = ids(trap, "both")
    assert alice_call(trap, "/api/v1/messages", method="PUT", body={"Read": True})[0] == 200
    assert (
        alice_call(trap, "/api/v1/messages", method="PUT", body={"IDs": [secret], "Read": True})[0]
        == 200
    )
    assert not trap.store.is_read(secret)
    assert alice_call(trap, "/api/v1/messages", method="DELETE", body={"IDs": [secret]})[0] == 200
    assert alice_call(trap, "/api/v1/messages", method="DELETE")[0] == 200
    assert sorted(m.subject for m in trap.messages()) == ["bob second", "bob secret", "both"]
    assert [m.id for m in trap.mailbox(BOB).messages] == [
        *ids(trap, "bob secret"),
        *ids(trap, "bob second"),
        both,
    ]
    assert trap.mailbox(ALICE).messages == []


def test_the_long_poll_never_answers_with_bobs_mail(trap):
    [secret] = ids(trap, "bob secret")
    status, _, _ = alice_call(trap, "/api/v1/wait?query=subject:secret&timeout=0.5")
    assert status == 408
    status, _, body = alice_call(trap, f"/api/v1/wait?since={secret}&timeout=0")
    assert status == 404 and json.loads(body) == {"Error": "since: no message with this ID"}
    assert alice_call(trap, f"/api/v1/wait?mailbox={BOB}&timeout=0")[0] == 404
    assert json.loads(alice_call(trap, "/api/v1/wait?query=subject:both")[2])["Subject"] == "both"


def test_server_settings_are_for_the_viewers_own_users(trap):
    for path in ("/api/v1/rules", "/api/v1/refused", "/api/v1/chaos"):
        assert alice_call(trap, path)[0] == 403, path
        assert call(trap, path, ("admin", "admin-pw"))[0] == 200, path


def test_an_admin_sees_everything(trap):
    page = listed(trap, "/api/v1/messages", ("admin", "admin-pw"))
    assert page["total"] == 4
    [secret] = ids(trap, "bob secret")
    assert call(trap, f"/api/v1/message/{secret}", ("admin", "admin-pw"))[0] == 200
    assert len(listed(trap, "/api/v1/mailboxes", ("admin", "admin-pw"))["mailboxes"]) == 2


# -- the websocket -------------------------------------------------------------------------------


def test_the_websocket_needs_a_login(trap):
    with pytest.raises(InvalidStatus) as refused:
        live_feed(trap).close()
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus):
        live_feed(trap, (ALICE, "wrong")).close()


def test_the_websocket_feeds_alice_her_mail_only(trap):
    with (
        live_feed(trap, (ALICE, "alice-pw")) as ws,
        live_feed(trap, ("admin", "admin-pw")) as admin,
    ):
        first = json.loads(ws.recv(timeout=5))
        assert first == {"Type": "stats", "Data": {"Total": 2, "Unread": 2}}
        assert json.loads(admin.recv(timeout=5))["Data"]["Total"] == 4
        with smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
            smtp.sendmail("app@example.com", [BOB], b"Subject: bob third\r\n\r\nhis\r\n")
            smtp.sendmail("app@example.com", [ALICE], b"Subject: alice last\r\n\r\nhers\r\n")
        frames = frames_until(ws, "alice last")
        assert [f["Data"]["Subject"] for f in frames if f["Type"] == "new"] == ["alice last"]
        assert all("bob" not in json.dumps(f) for f in frames)
        admin_frames = frames_until(admin, "alice last")
        assert [f["Data"]["Subject"] for f in admin_frames if f["Type"] == "new"] == [
            "bob third",
            "alice last",
        ]
        # bob reading his copy of "both" is no news to alice; her stats stay hers
        [both] = ids(trap, "both")
        call(trap, f"/api/v1/message/{both}", (BOB, "bob-pw"))
        stats = json.loads(ws.recv(timeout=5))
        while stats["Type"] != "stats":
            assert stats["Type"] != "update", stats
            stats = json.loads(ws.recv(timeout=5))
        assert stats["Data"] == {"Total": 3, "Unread": 3}


# -- as a new user would: curl -------------------------------------------------------------------


def test_curl_with_basic_auth(trap, need_tool):
    curl = need_tool("curl")
    url = trap.http_url + "/api/v1/messages"
    done = subprocess.run(
        [curl, "-sS", "-f", "-u", f"{ALICE}:alice-pw", url], capture_output=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert sorted(m["Subject"] for m in json.loads(done.stdout)["messages"]) == [
        "both",
        "for alice",
    ]
    wrong = subprocess.run(
        [curl, "-sS", "-u", f"{ALICE}:wrong", "-o", "/dev/null", "-w", "%{http_code}", url],
        capture_output=True,
        timeout=30,
    )
    assert wrong.stdout == b"401"


def test_an_htpasswd_file_made_by_htpasswd(tmp_path, need_tool):
    tool = need_tool("htpasswd", "apache2-utils")
    path = tmp_path / "htpasswd"
    subprocess.run([tool, "-cb", str(path), "ops", "apr1-pw"], check=True, capture_output=True)
    subprocess.run([tool, "-bB", str(path), "dev", "bcrypt-pw"], check=True, capture_output=True)
    with MailTrap(ui_auth=str(path)) as trap:  # any mode: only the viewer's users get in
        assert call(trap, "/api/v1/messages")[0] == 401
        assert call(trap, "/api/v1/messages", ("ops", "apr1-pw"))[0] == 200
        assert call(trap, "/api/v1/messages", ("dev", "bcrypt-pw"))[0] == 200
        assert call(trap, "/api/v1/messages", ("dev", "apr1-pw"))[0] == 401
        assert call(trap, "/api/v1/messages", ("anyone@example.com", "x"))[0] == 401


# -- Host and CORS -------------------------------------------------------------------------------


def test_a_foreign_host_is_refused_on_loopback(trap):
    status, _, body = call(trap, "/livez", headers={"Host": "attacker.example"})
    assert status == 403 and json.loads(body) == {"Error": "this Host is not allowed here"}
    assert call(trap, "/livez", headers={"Host": "localhost:8025"})[0] == 200
    assert call(trap, "/livez", headers={"Host": "mail.localhost"})[0] == 200


def test_allowed_hosts_and_cors_when_asked():
    with MailTrap(http_allowed_hosts="mail.test, *.ci.test", api_cors="https://app.test") as trap:
        assert call(trap, "/livez", headers={"Host": "mail.test"})[0] == 200
        assert call(trap, "/livez", headers={"Host": "x.ci.test:80"})[0] == 200
        assert call(trap, "/livez", headers={"Host": "127.0.0.1"})[0] == 403
        status, headers, _ = call(
            trap, "/api/v1/messages", headers={"Host": "mail.test", "Origin": "https://app.test"}
        )
        assert status == 200 and headers["Access-Control-Allow-Origin"] == "https://app.test"
        status, headers, _ = call(
            trap,
            "/api/v1/messages",
            method="OPTIONS",
            headers={
                "Host": "mail.test",
                "Origin": "https://app.test",
                "Access-Control-Request-Method": "DELETE",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert status == 204 and "DELETE" in headers["Access-Control-Allow-Methods"]
        _, headers, _ = call(
            trap, "/api/v1/messages", headers={"Host": "mail.test", "Origin": "https://evil.test"}
        )
        assert "Access-Control-Allow-Origin" not in headers


def test_cors_is_off_by_default():
    with MailTrap() as trap:
        _, headers, _ = call(trap, "/api/v1/messages", headers={"Origin": "https://app.test"})
        assert "Access-Control-Allow-Origin" not in headers
