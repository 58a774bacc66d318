"""The modes through the Python API: what each accepts, and the mistakes it refuses."""

from __future__ import annotations

import base64
import imaplib
import json
import smtplib
import urllib.error
import urllib.request

import pytest

from mailtrap import MailTrap

ALICE, BOB = "alice@example.com", "bob@example.com"


def http(trap, path, user=None, password="x"):
    request = urllib.request.Request(trap.http_url + path)
    if user is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            body = answer.read()
            is_json = answer.headers["Content-Type"] == "application/json"
            return answer.status, json.loads(body) if is_json else body
    except urllib.error.HTTPError as error:
        return error.code, None


def test_own_mode_takes_any_password_but_keeps_each_to_their_own():
    with MailTrap(auth="own") as trap:
        with smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
            smtp.login("whoever", "whatever")
            smtp.sendmail("app@example.com", [ALICE], b"Subject: hers\r\n\r\nx\r\n")
            smtp.sendmail("app@example.com", [BOB], b"Subject: his\r\n\r\nx\r\n")
        trap.wait_for(count=2)
        imap = imaplib.IMAP4(trap.smtp_host, trap.imap_port)
        imap.login(ALICE, "any password at all")
        assert imap.select("INBOX") == ("OK", [b"1"])
        imap.logout()
        assert http(trap, "/api/v1/messages")[0] == 401  # HTTP asks who you are
        status, page = http(trap, "/api/v1/messages", ALICE, "anything")
        assert status == 200 and [m["Subject"] for m in page["messages"]] == ["hers"]
        assert http(trap, "/livez")[0] == 200


def test_any_mode_is_open_as_before():
    with MailTrap() as trap:
        assert http(trap, "/api/v1/messages")[0] == 200
        imap = imaplib.IMAP4(trap.smtp_host, trap.imap_port)
        imap.login("anyone@example.com", "anything")
        imap.logout()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"auth": "everyone"}, "'everyone' is not a valid Mode"),
        ({"users": {ALICE: "pw"}}, "users are for auth='users'"),
        ({"auth": "users", "users": {ALICE: ""}}, "empty password"),
        ({"smtp_auth": "sometimes"}, "smtp_auth must be one of off, optional, required"),
    ],
)
def test_mistakes_are_refused_at_once(options, message):
    with pytest.raises(ValueError, match=message):
        MailTrap(**options)


def test_add_user_needs_users_mode():
    trap = MailTrap()
    with pytest.raises(ValueError, match='add_user needs MailTrap\\(auth="users"\\)'):
        trap.add_user(ALICE, "pw")
