"""Parsing one IMAP command line in a test, as the server does (lexer, then parser)."""

from __future__ import annotations

import pytest

from mailtrap.protocols.imap import commands as c
from mailtrap.protocols.imap.lexer import NEED_DATA, CommandLexer, Record
from mailtrap.protocols.imap.parser import CommandError, parse_command


def parse(data: bytes) -> c.Command:
    """The command of the line ``data`` (tagged ``t``, without its CRLF)."""
    lexer = CommandLexer()
    lexer.feed(data + b"\r\n")
    while not isinstance(event := lexer.next_event(), Record):
        assert event is not NEED_DATA
    tag, command = parse_command(event)
    assert tag == b"t"
    return command


def bad(data: bytes) -> str:
    """Why the parser refuses the line ``data``."""
    with pytest.raises(CommandError) as caught:
        parse(data)
    return caught.value.message
