"""POP3 logins against accounts (``users`` mode) through the sans-I/O engine, every way in, every
failure, each dialogue fed whole and one byte at a time."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from saslcases import MALFORMED_PLAIN, cram_md5_answer

from mailtrap.auth import Authenticator, Users
from mailtrap.auth.hashes import hash_password
from mailtrap.protocols.pop3 import State

ALICE = "alice@example.com"
FAILED = b"-ERR [AUTH] authentication failed\r\n"
MODES = ["whole", "bytes"]


@pytest.fixture
def users():
    # plain passwords: APOP and CRAM-MD5 are offered (with a hash among them they are not)
    return Users.parse(f"{ALICE}:{{PLAIN}}alice-pw\nbob@example.com:{{PLAIN}}bob-pw\n")


@pytest.fixture
def accounts(pop3, store, users):
    store.deliver("s@x", [ALICE], b"Subject: one\r\n\r\nbody\r\n")

    def make():
        return pop3(authenticator=Authenticator("users", users), hostname="mail.test")

    return make


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def plain(authzid: bytes, authcid: bytes, password: bytes) -> str:
    return b64(authzid + b"\0" + authcid + b"\0" + password)


def say(driver, line: str | bytes, mode: str) -> bytes:
    data = line.encode() if isinstance(line, str) else line
    return driver.send(data + b"\r\n", mode)


@pytest.mark.parametrize("mode", MODES)
def test_user_and_pass(accounts, mode):
    driver = accounts()
    say(driver, f"USER {ALICE}", mode)
    assert say(driver, "PASS wrong", mode) == FAILED
    assert driver.connection.state is State.AUTHORIZATION
    say(driver, f"USER {ALICE}", mode)
    assert say(driver, "PASS alice-pw", mode).startswith(b"+OK alice@example.com has 1 message")
    assert say(driver, "STAT", mode) == b"+OK 1 22\r\n"


@pytest.mark.parametrize("mode", MODES)
def test_a_hashed_account(pop3, mode):
    hashed = Users.parse(f"bob@example.com:{hash_password('bob-pw', 'bcrypt', 4)}")
    driver = pop3(authenticator=Authenticator("users", hashed))
    say(driver, "USER bob@example.com", mode)
    assert say(driver, "PASS alice-pw", mode) == FAILED
    say(driver, "USER BOB@example.com", mode)
    assert say(driver, "PASS bob-pw", mode).startswith(b"+OK bob@example.com has 0")


def _apop(greeting: bytes, password: bytes) -> str:
    stamp = re.search(rb"<[^>]+>", greeting).group(0)
    return hashlib.md5(stamp + password).hexdigest()


@pytest.mark.parametrize("mode", MODES)
def test_apop(accounts, mode):
    driver = accounts()
    assert re.search(rb"<[0-9a-f]+\.\d+@mail\.test>", driver.greeting)
    assert say(driver, f"APOP {ALICE} {_apop(driver.greeting, b'wrong')}", mode) == FAILED
    assert say(driver, f"APOP bob@example.com {_apop(driver.greeting, b'alice-pw')}", mode) == (
        FAILED
    )
    reply = say(driver, f"APOP {ALICE} {_apop(driver.greeting, b'alice-pw')}", mode)
    assert reply.startswith(b"+OK alice@example.com has 1")


def test_apop_is_not_offered_when_no_account_could_answer_it(pop3):
    hashed = Users.parse(f"bob@example.com:{hash_password('bob-pw', 'bcrypt', 4)}")
    driver = pop3(authenticator=Authenticator("users", hashed))
    assert driver.greeting == b"+OK mailtrap POP3 ready\r\n"  # no timestamp
    assert driver("APOP bob@example.com 0123456789abcdef0123456789abcdef") == (
        b"-ERR APOP is not offered: use USER and PASS\r\n"
    )
    assert b"SASL PLAIN LOGIN\r\n" in driver("CAPA")


@pytest.mark.parametrize("mode", MODES)
def test_auth_plain_with_and_without_an_initial_response(accounts, mode):
    driver = accounts()
    assert say(driver, f"AUTH PLAIN {plain(b'', ALICE.encode(), b'wrong')}", mode) == FAILED
    assert say(driver, "AUTH PLAIN", mode) == b"+ \r\n"
    assert say(driver, plain(b"", ALICE.encode(), b"alice-pw"), mode).startswith(b"+OK alice")


@pytest.mark.parametrize("mode", MODES)
def test_auth_login(accounts, mode):
    driver = accounts()
    assert say(driver, "AUTH LOGIN", mode) == b"+ VXNlcm5hbWU6\r\n"
    assert say(driver, b64(ALICE.encode()), mode) == b"+ UGFzc3dvcmQ6\r\n"
    assert say(driver, b64(b"wrong"), mode) == FAILED
    assert say(driver, f"AUTH LOGIN {b64(ALICE.encode())}", mode) == b"+ UGFzc3dvcmQ6\r\n"
    assert say(driver, b64(b"alice-pw"), mode).startswith(b"+OK alice")


@pytest.mark.parametrize("mode", MODES)
def test_auth_cram_md5(accounts, mode):
    driver = accounts()
    for password, expected in ((b"wrong", FAILED), (b"alice-pw", b"+OK alice")):
        line = say(driver, "AUTH CRAM-MD5", mode)
        assert say(driver, cram_md5_answer(line, ALICE, password), mode).startswith(expected)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("message", MALFORMED_PLAIN)
def test_malformed_plain_fails_like_a_wrong_password(accounts, message, mode):
    driver = accounts()
    assert say(driver, f"AUTH PLAIN {b64(message)}", mode) == FAILED
    assert driver.connection.state is State.AUTHORIZATION


@pytest.mark.parametrize("mode", MODES)
def test_bad_base64_and_cancelling_are_protocol_errors(accounts, mode):
    driver = accounts()
    assert say(driver, "AUTH PLAIN !!!", mode) == b"-ERR the SASL response is not base64\r\n"
    assert say(driver, "AUTH LOGIN", mode) == b"+ VXNlcm5hbWU6\r\n"
    assert say(driver, "*", mode) == b"-ERR authentication cancelled\r\n"
    assert say(driver, "AUTH CRAM-MD5", mode).startswith(b"+ ")
    assert say(driver, "not base64", mode) == b"-ERR the SASL response is not base64\r\n"
    assert say(driver, "AUTH SCRAM-SHA-256", mode) == b"-ERR unsupported SASL mechanism\r\n"
    assert say(driver, f"USER {ALICE}", mode).startswith(b"+OK")  # the session goes on
    assert say(driver, "PASS alice-pw", mode).startswith(b"+OK alice")


def test_an_unknown_account_fails_exactly_like_a_wrong_password(accounts):
    driver = accounts()
    driver("USER nobody@example.com")
    unknown = driver("PASS alice-pw")
    driver(f"USER {ALICE}")
    assert unknown == driver("PASS nope") == FAILED
    assert driver(f"AUTH PLAIN {plain(b'', b'nobody@example.com', b'x')}") == FAILED


def test_own_mode_takes_any_password_for_any_name(pop3, store):
    driver = pop3(authenticator=Authenticator("own"))
    driver("USER carol@example.com")
    assert driver("PASS anything").startswith(b"+OK carol@example.com has 0")


def test_a_whole_pipelined_dialogue_in_one_read(accounts):
    driver = accounts()
    reply = driver.send(
        f"USER {ALICE}\r\nPASS wrong\r\nUSER {ALICE}\r\nPASS alice-pw\r\nSTAT\r\n".encode()
    )
    assert reply == (
        b"+OK alice@example.com accepted, send PASS\r\n"
        + FAILED
        + b"+OK alice@example.com accepted, send PASS\r\n"
        + b"+OK alice@example.com has 1 message(s) (22 octets)\r\n"
        + b"+OK 1 22\r\n"
    )


def test_alice_reaches_none_of_bobs_mail(accounts, store):
    for n in range(3):
        store.deliver("s@x", ["bob@example.com"], b"Subject: bob %d\r\n\r\nsecret\r\n" % n)
    driver = accounts()
    driver(f"USER {ALICE}")
    assert driver("PASS alice-pw") == b"+OK alice@example.com has 1 message(s) (22 octets)\r\n"
    assert driver("STAT") == b"+OK 1 22\r\n"
    assert driver("LIST") == b"+OK 1 message(s) (22 octets)\r\n1 22\r\n.\r\n"
    for command in ("RETR 2", "TOP 2 0", "DELE 2", "LIST 4", "UIDL 3"):
        assert driver(command).startswith(b"-ERR no such message"), command
    assert b"secret" not in driver("RETR 1")
    driver("DELE 1")
    assert driver("QUIT").startswith(b"+OK")
    assert len(store.snapshot("bob@example.com").entries) == 3
    assert not store.snapshot(ALICE).entries
