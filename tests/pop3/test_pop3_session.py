"""POP3 dialogues against the sans-I/O engine over a real MemoryStore: states, auth, robustness."""

from __future__ import annotations

import base64
import re

import pytest

from mailtrap.protocols.pop3 import State

ALICE = "alice@example.com"
AUTHORIZATION_ONLY = ["USER x@y", "PASS p", "APOP x@y 0123456789abcdef0123456789abcdef", "STLS"]
TRANSACTION_ONLY = [
    "STAT",
    "LIST",
    "LIST 1",
    "UIDL",
    "UIDL 1",
    "RETR 1",
    "TOP 1 0",
    "DELE 1",
    "NOOP",
    "RSET",
]


def plain(authzid: str, authcid: str, password: str) -> str:
    return base64.b64encode(f"{authzid}\0{authcid}\0{password}".encode()).decode()


def test_greeting_carries_an_apop_timestamp(pop3):
    greeting = pop3(hostname="mail.test").greeting
    assert re.fullmatch(rb"\+OK mailtrap POP3 ready <[0-9a-f]+\.\d+@mail\.test>\r\n", greeting)


@pytest.mark.parametrize("line", TRANSACTION_ONLY)
def test_transaction_commands_are_refused_before_login(pop3, line):
    driver = pop3()
    assert driver(line).startswith(b"-ERR ")
    assert driver.connection.state is State.AUTHORIZATION
    assert driver("CAPA").startswith(b"+OK")  # the session goes on


@pytest.mark.parametrize("line", [*AUTHORIZATION_ONLY, "AUTH PLAIN"])
def test_authorization_commands_are_refused_after_login(login, store, line):
    store.deliver("s@x", [ALICE], b"Subject: one\r\n\r\nbody\r\n")
    driver = login(ALICE, tls_available=True)
    assert driver(line).startswith(b"-ERR ")
    assert driver.connection.state is State.TRANSACTION
    assert driver("STAT") == b"+OK 1 22\r\n"


@pytest.mark.parametrize("line", TRANSACTION_ONLY)
def test_transaction_commands_after_login(login, store, line):
    store.deliver("s@x", [ALICE], b"Subject: one\r\n\r\nbody\r\n")
    assert login(ALICE)(line).startswith(b"+OK")


def test_user_then_pass_logs_in_with_any_password(pop3, store):
    store.deliver("s@x", [ALICE], b"Subject: one\r\n\r\nbody\r\n")
    driver = pop3()
    assert driver(f"USER {ALICE}") == b"+OK alice@example.com accepted, send PASS\r\n"
    assert (
        driver("PASS anything at all") == b"+OK alice@example.com has 1 message(s) (22 octets)\r\n"
    )
    assert driver.connection.state is State.TRANSACTION


def test_pass_without_user_is_refused(pop3):
    driver = pop3()
    assert driver("PASS secret") == b"-ERR send USER first\r\n"
    assert driver.connection.state is State.AUTHORIZATION


def test_apop_accepts_any_digest(pop3, store):
    store.deliver("s@x", [ALICE], b"Subject: one\r\n\r\nbody\r\n")
    driver = pop3()
    assert driver(f"APOP {ALICE} not-even-hex").startswith(b"+OK alice@example.com has 1")
    assert driver("STAT") == b"+OK 1 22\r\n"


def test_auth_plain_with_initial_response(pop3, store):
    store.deliver("s@x", [ALICE], b"Subject: one\r\n\r\nbody\r\n")
    driver = pop3()
    assert driver(f"AUTH PLAIN {plain('', ALICE, 'pw')}").startswith(b"+OK alice@example.com")
    assert driver("STAT") == b"+OK 1 22\r\n"


def test_auth_plain_with_a_continuation(pop3):
    driver = pop3()
    assert driver("AUTH PLAIN") == b"+ \r\n"
    assert driver(plain("", ALICE, "pw")).startswith(b"+OK alice@example.com")
    assert driver.connection.state is State.TRANSACTION


def test_auth_plain_refuses_an_authorization_identity_of_somebody_else(pop3):
    driver = pop3()
    assert driver(f"AUTH PLAIN {plain('bob@example.com', 'admin', 'pw')}") == FAILED
    assert driver(f"AUTH PLAIN {plain(ALICE, ALICE, 'pw')}").startswith(b"+OK alice@example.com")


FAILED = b"-ERR [AUTH] authentication failed\r\n"


def test_auth_plain_cancelled_or_malformed(pop3):
    driver = pop3()
    assert driver("AUTH PLAIN") == b"+ \r\n"
    assert driver("*") == b"-ERR authentication cancelled\r\n"
    assert driver("AUTH PLAIN not!base64") == b"-ERR the SASL response is not base64\r\n"
    # Credentials that break the rules fail like a wrong password (RFC 3206 [AUTH]).
    assert driver("AUTH PLAIN =") == FAILED
    assert driver(f"AUTH PLAIN {base64.b64encode(b'no-nuls').decode()}") == FAILED
    assert driver(f"AUTH PLAIN {plain('', '', 'pw')}") == FAILED
    assert driver("AUTH GSSAPI") == b"-ERR unsupported SASL mechanism\r\n"
    assert driver.connection.state is State.AUTHORIZATION
    assert driver(f"USER {ALICE}").startswith(b"+OK")


def test_capa_lists_what_we_support(pop3, login):
    assert pop3()("CAPA") == (
        b"+OK capability list follows\r\nTOP\r\nUIDL\r\nUSER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
        b"PIPELINING\r\nSASL PLAIN LOGIN CRAM-MD5\r\nIMPLEMENTATION mailtrap-"
        + _version()
        + b"\r\n.\r\n"
    )
    with_tls = pop3(tls_available=True)("CAPA")
    assert b"\r\nSTLS\r\n" in with_tls
    after_login = login(ALICE, tls_available=True)("CAPA")
    assert b"\r\nUIDL\r\n" in after_login and b"STLS" not in after_login
    assert b"STLS" not in pop3(tls_available=True, tls_active=True)("CAPA")


def _version() -> bytes:
    from mailtrap import __version__

    return __version__.encode()


def test_stls_without_tls_is_refused(pop3):
    assert pop3()("STLS") == b"-ERR TLS is not configured on this server\r\n"
    assert pop3(tls_available=True, tls_active=True)("STLS") == b"-ERR TLS is already active\r\n"


def test_stls_discards_everything_sent_before_the_handshake(pop3):
    driver = pop3(tls_available=True)
    assert driver.send(b"USER early\r\nSTLS\r\nUSER injected\r\nPASS x\r\n") == (
        b"+OK early accepted, send PASS\r\n+OK begin TLS negotiation\r\n"
    )
    assert driver.tls_requested
    driver.connection.receive_data(b"STAT\r\n")  # plain text arriving before the handshake
    driver.connection.tls_started()
    assert driver("PASS x") == b"-ERR send USER first\r\n"  # USER before STLS is forgotten
    assert b"STLS" not in driver("CAPA")
    assert driver("STLS") == b"-ERR TLS is already active\r\n"


def test_quit_in_authorization_closes_without_update(pop3):
    driver = pop3()
    assert driver("QUIT") == b"+OK mailtrap POP3 signing off\r\n"
    assert driver.closed and driver.connection.state is State.CLOSED


def test_nothing_is_answered_after_quit(login):
    driver = login(ALICE)
    assert driver.send(b"QUIT\r\nSTAT\r\nNOOP\r\n") == (
        b"+OK mailtrap POP3 signing off (0 message(s) left)\r\n"
    )
    assert driver.closed
    assert driver("NOOP") == b""


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("HELO x", b"-ERR unknown command\r\n"),
        ("", b"-ERR empty command\r\n"),
        ("RETR x", b"-ERR invalid message number\r\n"),
        ("TOP 1", b"-ERR syntax: TOP msg n\r\n"),
        ("STAT now", b"-ERR syntax: STAT\r\n"),
    ],
)
def test_bad_commands_get_err_and_the_session_goes_on(login, line, reply):
    driver = login(ALICE)
    assert driver(line) == reply
    assert driver("NOOP") == b"+OK\r\n"


def test_a_too_long_line_gets_err_and_is_discarded(login):
    driver = login(ALICE, max_line=64)
    assert driver.send(b"NOOP " + b"x" * 500 + b"\r\nSTAT\r\n") == (
        b"-ERR line too long\r\n+OK 0 0\r\n"
    )
    # Over-long input that never ends is not buffered; it is refused when it ends.
    assert driver.send(b"y" * 100_000) == b""
    assert len(driver.connection._framer) == 0
    assert driver.send(b"\r\nNOOP\r\n") == b"-ERR line too long\r\n+OK\r\n"


def test_garbage_bytes_never_crash_the_session(login, store):
    store.deliver("s@x", [ALICE], b"Subject: one\r\n\r\nbody\r\n")
    driver = login(ALICE)
    for junk in [
        b"\x00\x01\x02\r\n",
        b"\xff" * 50 + b"\r\n",
        b"\r\r\r\n",
        b"LIST \x00\r\n",
        b"RETR 99999\r\n",
        b"TOP 1 99999999\r\n",
        b"USER \r\n",
    ]:
        assert driver.send(junk).startswith((b"-ERR", b"+OK"))
    assert driver("STAT") == b"+OK 1 22\r\n"


def test_client_strings_are_quoted_in_replies(pop3):
    driver = pop3()
    reply = driver.send(b"USER evil\xc3\xa9\x0b+OK\r\n")
    assert reply == b"+OK evil\\xe9\\x0b+OK accepted, send PASS\r\n"


def test_pipelined_commands_are_answered_in_order(login, store):
    store.deliver("s@x", [ALICE], b"Subject: one\r\n\r\nbody\r\n")
    driver = login(ALICE)
    assert driver.send(b"STAT\r\nLIST 1\r\nNOOP\r\nDELE 1\r\nSTAT\r\nRSET\r\nSTAT\r\n") == (
        b"+OK 1 22\r\n+OK 1 22\r\n+OK\r\n+OK message 1 deleted\r\n+OK 0 0\r\n"
        b"+OK maildrop has 1 message(s) (22 octets)\r\n+OK 1 22\r\n"
    )


DIALOGUE = (
    b"CAPA\r\nUSER alice@example.com\r\nPASS pw\r\nSTAT\r\nLIST\r\nUIDL 2\r\nTOP 1 1\r\n"
    b"RETR 2\r\nDELE 1\r\nLIST 1\r\nHELO\r\nRSET\r\nQUIT\r\n"
)


def test_a_dialogue_fed_whole_byte_by_byte_and_with_trailing_data(pop3, store):
    store.deliver("s@x", [ALICE], b"Subject: one\r\n\r\nbody\r\nmore\r\n")
    store.deliver("s@x", [ALICE], b".Starts: with a dot\r\n\r\n.\r\n")
    answers = []
    for data, mode in [
        (DIALOGUE, "whole"),
        (DIALOGUE, "bytes"),
        (DIALOGUE + b"NOOP\r\nSTAT", "whole"),  # after QUIT nothing more is read
        (DIALOGUE + b"NOOP\r\nSTAT", "bytes"),
    ]:
        driver = pop3()
        answers.append(driver.send(data, mode))
        assert driver.closed
    assert answers.count(answers[0]) == len(answers)
    out = answers[0]
    assert b"+OK 2 54\r\n" in out
    assert b"+OK top of message follows\r\nSubject: one\r\n\r\nbody\r\n.\r\n" in out
    assert b"+OK 26 octets\r\n..Starts: with a dot\r\n\r\n..\r\n.\r\n" in out
    assert b"-ERR message 1 is marked deleted\r\n-ERR unknown command\r\n" in out
    assert out.endswith(b"+OK mailtrap POP3 signing off (2 message(s) left)\r\n")


def test_end_of_stream_closes_and_releases(login, locks, store):
    store.deliver("s@x", [ALICE], b"Subject: one\r\n\r\nbody\r\n")
    driver = login(ALICE)
    assert ALICE in locks
    assert driver.send(b"DELE 1\r\n") == b"+OK message 1 deleted\r\n"
    driver.eof()
    assert driver.closed
    assert ALICE not in locks
    assert len(store.messages(ALICE)) == 1


def test_random_input_never_breaks_the_engine(pop3, store):
    """A seeded stream of half-valid commands: every reply is well formed, nothing raises."""
    import random

    store.deliver("s@x", [ALICE], b"Subject: one\r\n\r\n.body\r\n")
    store.deliver("s@x", [ALICE], b"Subject: two\n\nbare LF\n")
    words = [
        "USER",
        "PASS",
        "APOP",
        "AUTH",
        "PLAIN",
        "STLS",
        "CAPA",
        "STAT",
        "LIST",
        "UIDL",
        "RETR",
        "TOP",
        "DELE",
        "NOOP",
        "RSET",
        "0",
        "1",
        "2",
        "3",
        "-1",
        "99999999999",
        ALICE,
        "*",
        "=",
        "AGFAYgBj",
        "\x00",
        "\xff",
        "\u2603",
        ".",
        "\t",
    ]
    rng = random.Random(1939)
    for _ in range(50):
        driver = pop3(tls_available=rng.random() < 0.5, max_line=128)
        for _ in range(40):
            line = " ".join(rng.choice(words) for _ in range(rng.randint(0, 4)))
            if rng.random() < 0.05:
                line = "x" * rng.randint(100, 300)
            data = line.encode("utf-8", "surrogateescape") + rng.choice([b"\r\n", b"\n"])
            out = driver.send(data, rng.choice(["whole", "bytes"]))
            if driver.tls_requested:
                driver.tls_requested = False
                driver.connection.tls_started()
            assert out == b"" or out.startswith((b"+OK", b"-ERR", b"+ ")), out
            assert out == b"" or out.endswith(b"\r\n")
            if driver.closed:
                break
        driver.connection.connection_lost()
    assert len(store.messages(ALICE)) <= 2
