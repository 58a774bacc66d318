"""The command parser's FETCH items and SEARCH keys (RFC 3501 6.4.5, 6.4.4, 9)."""

from __future__ import annotations

from datetime import date

import pytest
from imap_commands import bad, parse

from mailtrap.protocols.imap import commands as c
from mailtrap.protocols.imap.parser import CommandError
from mailtrap.protocols.imap.sequence import SequenceSet

# -- FETCH items -------------------------------------------------------------------------------


def items(text: bytes) -> tuple:
    return parse(b"t FETCH 1 " + text).items


def test_fetch_macros():
    assert items(b"FAST") == tuple(c.FetchAttr(n) for n in ("FLAGS", "INTERNALDATE", "RFC822.SIZE"))
    assert [i.name for i in items(b"ALL")][-1] == "ENVELOPE"
    assert [i.name for i in items(b"full")][-1] == "BODY"


def test_fetch_single_and_listed_attributes():
    assert items(b"uid") == (c.FetchAttr("UID"),)
    assert items(b"(RFC822.SIZE BODYSTRUCTURE RFC822.HEADER)") == (
        c.FetchAttr("RFC822.SIZE"),
        c.FetchAttr("BODYSTRUCTURE"),
        c.FetchAttr("RFC822.HEADER"),
    )


def test_fetch_whole_body():
    assert items(b"BODY[]") == (c.BodySection(),)
    assert items(b"BODY.PEEK[]") == (c.BodySection(peek=True),)


def test_fetch_section_parts_and_text():
    assert items(b"BODY[1.2.MIME]") == (c.BodySection((1, 2), "MIME"),)
    assert items(b"BODY[2.TEXT]") == (c.BodySection((2,), "TEXT"),)
    assert items(b"BODY[3]") == (c.BodySection((3,), ""),)
    assert items(b"BODY[header]") == (c.BodySection((), "HEADER"),)


def test_fetch_header_fields():
    assert items(b"BODY.PEEK[HEADER.FIELDS.NOT (Subject {4+}\r\nX-Id)]") == (
        c.BodySection((), "HEADER.FIELDS.NOT", (b"Subject", b"X-Id"), peek=True),
    )


def test_fetch_partial():
    assert items(b"BODY[TEXT]<10.20>") == (c.BodySection((), "TEXT", partial=(10, 20)),)


def test_fetch_partial_needs_nonzero_length():
    with pytest.raises(CommandError):
        items(b"BODY[]<0.0>")


@pytest.mark.parametrize("text", [b"BODY[MIME]", b"BODY[0]", b"BODY[1.]", b"FOO", b"()"])
def test_bad_fetch_items(text):
    with pytest.raises(CommandError):
        items(text)


# -- SEARCH keys -------------------------------------------------------------------------------


def key(text: bytes) -> c.SearchKey:
    return parse(b"t SEARCH " + text).key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"ALL", c.AllKey()),
        (b"answered", c.FlagKey("\\Answered")),
        (b"UNSEEN", c.FlagKey("\\Seen", False)),
        (b"KEYWORD $Work", c.FlagKey("$Work")),
        (b"UNKEYWORD x", c.FlagKey("x", False)),
        (b"RECENT", c.RecentKey()),
        (b"OLD", c.RecentKey(False)),
        (b"NEW", c.AndKey((c.RecentKey(), c.FlagKey("\\Seen", False)))),
        (b"FROM alice", c.HeaderKey("from", "alice")),
        (b'SUBJECT "hi there"', c.HeaderKey("subject", "hi there")),
        (b"HEADER X-Mailer {2+}\r\nab", c.HeaderKey("x-mailer", "ab")),
        (b"BODY word", c.TextKey("word")),
        (b"TEXT word", c.TextKey("word", headers=True)),
        (b"LARGER 100", c.SizeKey(True, 100)),
        (b"SMALLER 5", c.SizeKey(False, 5)),
        (b"BEFORE 1-Feb-2024", c.DateKey("before", date(2024, 2, 1))),
        (b'SENTON "15-mar-2023"', c.DateKey("on", date(2023, 3, 15), sent=True)),
        (b"UID 5:*", c.SetKey(SequenceSet(((5, None),)), uid=True)),
        (b"2,4", c.SetKey(SequenceSet(((2, 2), (4, 4))))),
        (b"NOT SEEN", c.NotKey(c.FlagKey("\\Seen"))),
        (b"OR SEEN FLAGGED", c.OrKey(c.FlagKey("\\Seen"), c.FlagKey("\\Flagged"))),
        (b"(SEEN)", c.FlagKey("\\Seen")),
        (b"SEEN DRAFT", c.AndKey((c.FlagKey("\\Seen"), c.FlagKey("\\Draft")))),
    ],
)
def test_search_keys(text, expected):
    assert key(text) == expected


def test_search_charset_and_utf8_literal():
    command = parse(b"t UID SEARCH CHARSET utf-8 SUBJECT {5+}\r\n\xc3\xa9t\xc3\xa9")
    assert command == c.Search(c.HeaderKey("subject", "\u00e9t\u00e9"), "UTF-8", uid=True)


@pytest.mark.parametrize(
    "text", [b"", b"FOO", b"BEFORE 31-Feb-2024", b"BEFORE yesterday", b"OR SEEN", b"()"]
)
def test_bad_search_keys(text):
    with pytest.raises(CommandError):
        parse(b"t SEARCH " + text)


def test_search_nesting_is_bounded():
    assert "deeply" in bad(b"t SEARCH " + b"NOT " * 100 + b"ALL")
