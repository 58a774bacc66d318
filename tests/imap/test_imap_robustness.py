"""Bad input never crashes the engine: random commands built from IMAP tokens and random bytes,
each answered, with the session still serving afterwards."""

from __future__ import annotations

import random

import pytest

TOKENS = [
    "FETCH", "UID", "STORE", "SEARCH", "SELECT", "EXAMINE", "LIST", "LSUB", "STATUS", "IDLE",
    "NOOP", "CHECK", "EXPUNGE", "CLOSE", "UNSELECT", "ID", "ENABLE", "NAMESPACE", "CAPABILITY",
    "AUTHENTICATE", "PLAIN", "LOGIN", "INBOX", "1", "2", "*", "1:*", "0", "4294967296", "2:1",
    "(", ")", "[", "]", "<", ">", "<0.5>", "BODY[", "BODY.PEEK[", "HEADER.FIELDS", "TEXT",
    "MIME", "1.2", "FLAGS", "+FLAGS", "-FLAGS.SILENT", "\\Seen", "\\Recent", "\\Foo", "NIL",
    '"q"', '"\\\\"', '"a\\b"', "{3+}\r\nabc", "{0}\r\n", "{5}", "CHARSET", "UTF-8", "OR", "NOT",
    "SUBJECT", "HEADER", "BEFORE", "1-Jan-2024", "32-Foo-1", "LARGER", "ENVELOPE",
    "BODYSTRUCTURE", "RFC822", "ALL", "FULL", "%", "DONE", "APPEND", "=", "AAAA",
]  # fmt: skip


@pytest.fixture
def session(client, deliver):
    deliver(
        b"Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nx\r\n--b--\r\n"
    )
    deliver()
    return client()


def random_command(rng: random.Random, n: int) -> bytes:
    if rng.random() < 0.15:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))) + b"\r\n"
    words = [rng.choice(TOKENS) for _ in range(rng.randrange(1, 8))]
    joiner = rng.choice([" ", "", "  "])
    return f"t{n} {joiner.join(words)}\r\n".encode()


@pytest.mark.parametrize("seed", range(5))
def test_random_commands_are_all_answered(session, seed):
    rng = random.Random(seed)
    session.ok("a LOGIN bob@example.com x")
    session.ok("b SELECT INBOX")
    for n in range(400):
        out = session.send(random_command(rng, n))
        if session.connection.session.waiting:
            session.send(b"DONE\r\n")  # end an IDLE or a SASL exchange
        assert out == b"" or out.endswith(b"\r\n")
        assert b"SERVERBUG" not in out, out  # no handler raised
    session.send(b"\r\n" * 3)  # ends a literal-less command in progress, if any
    if session.connection.session.waiting:
        session.send(b"DONE\r\n")
    assert session.command("z NOOP")[-1] == b"z OK NOOP completed"
