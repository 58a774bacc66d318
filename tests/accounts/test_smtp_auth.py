"""SMTP AUTH through the one authenticator, over the wire: modes, mechanisms, --smtp-auth."""

from __future__ import annotations

import base64
import smtplib
import socket

import pytest

from mailtrap import MailTrap

ALICE, BOB = "alice@example.com", "bob@example.com"
MESSAGE = b"Subject: hello\r\n\r\nhi\r\n"


@pytest.fixture(scope="module")
def users_trap():
    with MailTrap(auth="users", users={ALICE: "alice-pw"}, smtp_auth="required") as trap:
        yield trap


def client(trap) -> smtplib.SMTP:
    smtp = smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5)
    smtp.ehlo()
    return smtp


def auth(smtp: smtplib.SMTP, mechanism: str, user: str, password: str):
    smtp.user, smtp.password = user, password
    method = getattr(smtp, "auth_" + mechanism.lower().replace("-", "_"))
    return smtp.auth(mechanism, method, initial_response_ok=mechanism != "CRAM-MD5")


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_each_mechanism_takes_the_right_password_only(users_trap, mechanism):
    with client(users_trap) as smtp:
        assert auth(smtp, mechanism, ALICE, "alice-pw")[0] == 235
        smtp.sendmail(ALICE, [BOB], MESSAGE)
    with client(users_trap) as smtp:
        with pytest.raises(smtplib.SMTPAuthenticationError) as failed:
            auth(smtp, mechanism, ALICE, "wrong")
        assert failed.value.smtp_code == 535
        assert failed.value.smtp_error == b"5.7.8 Authentication credentials invalid"


def test_an_unknown_account_fails_like_a_wrong_password(users_trap):
    with client(users_trap) as smtp, pytest.raises(smtplib.SMTPAuthenticationError) as unknown:
        auth(smtp, "PLAIN", "nobody@example.com", "alice-pw")
    with client(users_trap) as smtp, pytest.raises(smtplib.SMTPAuthenticationError) as wrong:
        auth(smtp, "PLAIN", ALICE, "nope")
    assert (unknown.value.smtp_code, unknown.value.smtp_error) == (
        wrong.value.smtp_code,
        wrong.value.smtp_error,
    )


def test_required_means_530_before_auth_and_mail_after(users_trap):
    with client(users_trap) as smtp:
        assert smtp.docmd("MAIL FROM:<x@example.com>") == (530, b"5.7.0 Authentication required")
        assert smtp.docmd("RCPT TO:<bob@example.com>")[0] == 530
        smtp.login(ALICE, "alice-pw")
        assert smtp.docmd("MAIL FROM:<x@example.com>")[0] == 250


def test_a_user_added_later_logs_in_at_once(users_trap):
    users_trap.add_user("carol@example.com", "carol-pw")
    with client(users_trap) as smtp:
        assert smtp.login("carol@example.com", "carol-pw")[0] == 235


def raw_exchange(trap, *lines: bytes) -> list[bytes]:
    """Send each line and read one reply line for it (after the greeting and EHLO)."""
    with socket.create_connection((trap.smtp_host, trap.smtp_port), timeout=5) as sock:
        file = sock.makefile("rb")
        file.readline()
        sock.sendall(b"EHLO test\r\n")
        while not file.readline().startswith(b"250 "):
            pass
        replies = []
        for line in lines:
            sock.sendall(line + b"\r\n")
            replies.append(file.readline().rstrip(b"\r\n"))
        return replies


def b64(data: bytes) -> bytes:
    return base64.b64encode(data)


def test_malformed_responses_get_the_protocols_errors(users_trap):
    assert raw_exchange(users_trap, b"AUTH PLAIN not!base64") == [b"501 5.5.2 Can't decode base64"]
    assert raw_exchange(users_trap, b"AUTH PLAIN", b"*") == [b"334 ", b"501 5.7.0 Auth aborted"]
    assert raw_exchange(users_trap, b"AUTH LOGIN", b"@@@") == [
        b"334 VXNlcm5hbWU6",
        b"501 5.5.2 Can't decode base64",
    ]
    # Credentials that break the rules fail like a wrong password.
    for message in (b"bob@example.com\0alice@example.com\0alice-pw", b"\0alice@example.com"):
        assert raw_exchange(users_trap, b"AUTH PLAIN " + b64(message)) == [
            b"535 5.7.8 Authentication credentials invalid"
        ]
    assert raw_exchange(users_trap, b"AUTH SCRAM-SHA-256") == [
        b"504 5.5.4 Unrecognized authentication type"
    ]


def test_the_session_goes_on_after_a_failure(users_trap):
    replies = raw_exchange(
        users_trap,
        b"AUTH PLAIN " + b64(b"\0alice@example.com\0wrong"),
        b"AUTH PLAIN " + b64(b"\0alice@example.com\0alice-pw"),
        b"MAIL FROM:<alice@example.com>",
    )
    assert replies == [
        b"535 5.7.8 Authentication credentials invalid",
        b"235 2.7.0 Authentication successful",
        b"250 OK",
    ]


def test_any_mode_takes_any_password_and_optional_takes_mail_without():
    with MailTrap() as trap, client(trap) as smtp:
        smtp.sendmail(ALICE, [BOB], MESSAGE)
        assert auth(smtp, "CRAM-MD5", "whoever", "whatever")[0] == 235


def test_off_offers_no_auth():
    with MailTrap(smtp_auth="off") as trap, client(trap) as smtp:
        assert not smtp.has_extn("auth")
        assert b"AUTH" not in smtp.ehlo_resp
        assert smtp.docmd("AUTH PLAIN " + b64(b"\0a@b.c\0pw").decode())[0] == 504
        smtp.sendmail(ALICE, [BOB], MESSAGE)


def test_cram_md5_is_not_offered_when_no_account_could_answer_it(tmp_path):
    from mailtrap.auth import Users
    from mailtrap.auth.hashes import hash_password

    users = Users.parse(f"{ALICE}:{hash_password('pw', 'bcrypt', 4)}")
    with MailTrap(auth="users", users=users) as trap, client(trap) as smtp:
        assert smtp.esmtp_features["auth"].split() == ["LOGIN", "PLAIN"]
        assert smtp.login(ALICE, "pw")[0] == 235  # bcrypt, checked off the event loop


def test_mail_to_an_alias_or_catch_all_goes_to_its_accounts_inbox():
    from mailtrap.auth import Users

    users = Users.parse(
        "alice@example.com:{PLAIN}a:postmaster@example.com,*@alice.test\nbob@example.com:{PLAIN}b\n"
    )
    with MailTrap(auth="users", users=users) as trap, client(trap) as smtp:
        smtp.sendmail("app@example.com", ["postmaster@example.com", "x@alice.test"], MESSAGE)
        smtp.sendmail("app@example.com", ["bob@example.com", "stranger@else.test"], MESSAGE)
        [first, second] = trap.wait_for(count=2)
        assert first.recipients == ["postmaster@example.com", "x@alice.test"]  # the envelope
        assert [m.id for m in trap.mailbox("alice@example.com").messages] == [first.id]
        assert trap.mailbox("postmaster@example.com").messages == []
        assert [m.id for m in trap.mailbox("bob@example.com").messages] == [second.id]
        # nobody's address keeps its own mailbox (the admins' viewer shows it)
        assert [m.id for m in trap.mailbox("stranger@else.test").messages] == [second.id]


def test_mail_sent_over_http_is_routed_to_aliases_too():
    import json
    import urllib.request

    from mailtrap.auth import Users

    users = Users.parse("alice@example.com:{PLAIN}a:*@alice.test")
    with MailTrap(auth="users", users=users) as trap:
        body = {"From": {"Email": "app@example.com"}, "To": [{"Email": "x@alice.test"}]}
        request = urllib.request.Request(
            trap.http_url + "/api/v1/send",
            data=json.dumps({**body, "Subject": "over http"}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": "Basic " + base64.b64encode(b"alice@example.com:a").decode(),
            },
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 200
        [message] = trap.wait_for(subject="over http")
        assert message.recipients == ["x@alice.test"]
        assert [m.id for m in trap.mailbox("alice@example.com").messages] == [message.id]
