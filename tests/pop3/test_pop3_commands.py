"""POP3 command lines -> typed commands (RFC 1939, RFC 2449, RFC 5034), one case per rule."""

from __future__ import annotations

import pytest

from mailtrap.protocols.pop3.commands import (
    Apop,
    Auth,
    Capa,
    CommandError,
    Dele,
    List,
    Noop,
    Pass,
    Quit,
    Retr,
    Rset,
    Stat,
    Stls,
    Top,
    Uidl,
    User,
    parse_command,
)


@pytest.mark.parametrize(
    ("line", "command"),
    [
        (b"USER alice@example.com", User("alice@example.com")),
        (b"user alice@example.com", User("alice@example.com")),  # keywords are case-insensitive
        (b"PASS secret", Pass("secret")),
        (b"PASS two words ", Pass("two words ")),  # the rest of the line, spaces included
        (
            b"APOP bob c4c9334bac560ecc979e58001b3e22fb",
            Apop("bob", "c4c9334bac560ecc979e58001b3e22fb"),
        ),
        (b"AUTH PLAIN", Auth("PLAIN")),
        (b"auth plain AGJvYgB4", Auth("PLAIN", "AGJvYgB4")),
        (b"AUTH PLAIN =", Auth("PLAIN", "=")),
        (b"STLS", Stls()),
        (b"CAPA", Capa()),
        (b"STAT", Stat()),
        (b"LIST", List()),
        (b"LIST 3", List(3)),
        (b"UIDL", Uidl()),
        (b"UIDL 12", Uidl(12)),
        (b"RETR 1", Retr(1)),
        (b"TOP 1 0", Top(1, 0)),
        (b"TOP 2 10", Top(2, 10)),
        (b"DELE 4", Dele(4)),
        (b"NOOP", Noop()),
        (b"RSET", Rset()),
        (b"QUIT", Quit()),
        (b"QUIT ", Quit()),  # a trailing space is tolerated
        (b"RETR  1", Retr(1)),  # so are doubled spaces
        (b"LIST 0", List(0)),  # parsed; the session answers "no such message"
    ],
)
def test_valid_commands(line, command):
    assert parse_command(line) == command


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"", "empty command"),
        (b"   ", "empty command"),
        (b"HELO there", "unknown command"),
        (b"XTND XMIT", "unknown command"),
        (b"STAT 1", "syntax"),
        (b"USER", "syntax"),
        (b"USER a b", "syntax"),
        (b"PASS", "syntax"),
        (b"APOP bob", "syntax"),
        (b"AUTH", "syntax"),
        (b"RETR", "syntax"),
        (b"RETR one", "invalid message number"),
        (b"RETR -1", "invalid message number"),
        (b"RETR 1.5", "invalid message number"),
        (b"RETR \xd9\xa3", "invalid message number"),  # an Arabic-Indic digit is not ASCII
        (b"RETR 99999999999", "invalid message number"),
        (b"DELE 1 2", "syntax"),
        (b"TOP 1", "syntax"),
        (b"TOP 1 -5", "invalid line count"),
        (b"LIST 1 2", "syntax"),
        (b"\xff\xfe", "unknown command"),
        (b"RETR\x00 1", "unknown command"),
    ],
)
def test_invalid_commands(line, reason):
    with pytest.raises(CommandError) as error:
        parse_command(line)
    assert str(error.value).startswith(reason)


def test_error_text_never_echoes_the_client():
    with pytest.raises(CommandError) as error:
        parse_command(b"EVIL\r\n+OK forged")
    assert "EVIL" not in str(error.value) and "forged" not in str(error.value)
