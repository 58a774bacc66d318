"""The POP3 line buffer, fed whole, one byte at a time, and with trailing data (h11's tr())."""

from __future__ import annotations

import pytest

from mailtrap.protocols.pop3.lines import NEED_DATA, TOO_LONG, LineBuffer


def lines_from(chunks: list[bytes], max_line: int = 20) -> list[object]:
    buffer = LineBuffer(max_line)
    out: list[object] = []
    for chunk in chunks:
        buffer.feed(chunk)
        while (line := buffer.next_line()) is not NEED_DATA:
            out.append(line)
    return out


def feeds(data: bytes) -> list[list[bytes]]:
    """The same input whole and byte by byte."""
    return [[data], [data[i : i + 1] for i in range(len(data))]]


CASES = [
    (b"STAT\r\n", [b"STAT"]),
    (b"STAT\r\nLIST 1\r\n", [b"STAT", b"LIST 1"]),
    (b"NOOP\n", [b"NOOP"]),  # bare LF accepted
    (b"\r\n", [b""]),
    (b"USER a b\r\n", [b"USER a b"]),
    (b"x" * 18 + b"\r\n", [b"x" * 18]),  # exactly the limit, CRLF included
    (b"x" * 19 + b"\r\nSTAT\r\n", [TOO_LONG, b"STAT"]),
    (b"x" * 100 + b"\r\nSTAT\r\n", [TOO_LONG, b"STAT"]),
]


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_lines_whole_and_byte_by_byte(data, expected):
    for chunks in feeds(data):
        assert lines_from(chunks) == expected


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_trailing_data_stays_buffered(data, expected):
    buffer = LineBuffer(20)
    buffer.feed(data + b"RETR 1")
    got = []
    while (line := buffer.next_line()) is not NEED_DATA:
        got.append(line)
    assert got == expected
    assert len(buffer) == len(b"RETR 1")
    buffer.feed(b"\r\n")
    assert buffer.next_line() == b"RETR 1"


def test_a_long_line_is_reported_once_and_never_buffered_whole():
    buffer = LineBuffer(16)
    buffer.feed(b"y" * 40)
    assert buffer.next_line() is TOO_LONG
    assert len(buffer) == 0
    for _ in range(100):
        buffer.feed(b"z" * 1000)
        assert buffer.next_line() is NEED_DATA
        assert len(buffer) == 0
    buffer.feed(b"tail\r\nNOOP\r\n")
    assert buffer.next_line() == b"NOOP"
    assert buffer.next_line() is NEED_DATA


def test_clear_forgets_buffered_input():
    buffer = LineBuffer(16)
    buffer.feed(b"USER evil\r\nPAS")
    buffer.clear()
    assert buffer.next_line() is NEED_DATA
    buffer.feed(b"CAPA\r\n")
    assert buffer.next_line() == b"CAPA"
