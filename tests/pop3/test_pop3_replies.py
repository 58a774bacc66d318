"""The POP3 reply formatter: dot-stuffing, CRLF line ends, TOP, quoting, status-line limits."""

from __future__ import annotations

import pytest

from mailtrap.protocols.pop3 import replies


@pytest.mark.parametrize(
    ("body", "wire"),
    [
        (b"a\r\nb\r\n", b"a\r\nb\r\n.\r\n"),
        (b".first\r\nb\r\n", b"..first\r\nb\r\n.\r\n"),  # the first line is stuffed too
        (b"a\r\n.\r\n", b"a\r\n..\r\n.\r\n"),  # a lone dot is not the end
        (b"a\r\n..two\r\n", b"a\r\n...two\r\n.\r\n"),
        (b"a.\r\nb .c\r\n", b"a.\r\nb .c\r\n.\r\n"),  # only line-initial dots
        (b"", b".\r\n"),
    ],
)
def test_multiline_dot_stuffing(body, wire):
    assert replies.multiline(b"+OK\r\n", body) == b"+OK\r\n" + wire


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        (b"A: 1\r\n\r\nbody\r\n", b"A: 1\r\n\r\nbody\r\n"),  # already CRLF: untouched
        (b"A: 1\n\nbody\n", b"A: 1\r\n\r\nbody\r\n"),
        (b"A: 1\r\n\nmixed\n", b"A: 1\r\n\r\nmixed\r\n"),
        (b"A: 1\r\n\r\nno final line end", b"A: 1\r\n\r\nno final line end\r\n"),
        (b"A: 1\r\n\r\nbare\rCR kept\r\n", b"A: 1\r\n\r\nbare\rCR kept\r\n"),
        (b"\x00\xff binary\r\n", b"\x00\xff binary\r\n"),
        (b"", b""),
    ],
)
def test_with_crlf_changes_only_line_ends(raw, normalised):
    assert replies.with_crlf(raw) == normalised
    assert replies.crlf_size(raw) == len(normalised)


MESSAGE = b"Subject: s\r\nTo: a@b\r\n\r\nline 1\r\nline 2\r\n.line 3\r\n"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (0, b"Subject: s\r\nTo: a@b\r\n\r\n"),
        (1, b"Subject: s\r\nTo: a@b\r\n\r\nline 1\r\n"),
        (3, MESSAGE),
        (100, MESSAGE),
    ],
)
def test_top_sends_headers_blank_line_and_n_body_lines(lines, expected):
    assert replies.top(MESSAGE, lines) == expected


def test_top_of_a_message_without_body_or_headers():
    assert replies.top(b"Subject: only headers\r\n", 5) == b"Subject: only headers\r\n"
    assert replies.top(b"\r\nbody only\r\nmore\r\n", 1) == b"\r\nbody only\r\n"
    assert (
        replies.top(b"Subject: bare LF\n\nbody\nmore\n", 1) == b"Subject: bare LF\r\n\r\nbody\r\n"
    )


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("alice@example.com", "alice@example.com"),
        ("a b", "a\\x20b"),
        ("x\r\n+OK forged", "x\\x0d\\x0a+OK\\x20forged"),
        ("j\u00fcrgen@b\u00fccher.de", "j\\xfcrgen@b\\xfccher.de"),
        ("\u2603", "\\u2603"),
        ("\U0001f600", "\\U0001f600"),
    ],
)
def test_quote_makes_client_strings_one_printable_token(value, quoted):
    assert replies.quote(value) == quoted


def test_quote_bounds_length():
    assert len(replies.quote("a" * 10_000)) < 100


def test_status_lines_are_one_line_and_bounded():
    line = replies.err("x" * 1000, "IN-USE")
    assert line.startswith(b"-ERR [IN-USE] x") and len(line) == replies.MAX_STATUS
    assert line.count(b"\r\n") == 1 and line.endswith(b"\r\n")
    assert replies.ok("a\r\nb") == b"+OK a  b\r\n"
    assert replies.ok() == b"+OK\r\n"
