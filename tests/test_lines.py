"""The line framer of POP3 and IMAP, fed whole, one byte at a time, and with trailing data
(h11's tr())."""

from __future__ import annotations

import pytest

from mailtrap.protocols.lines import NEED_DATA, LineFramer, TooLong


def lines_from(chunks: list[bytes], max_line: int = 20) -> list[object]:
    buffer = LineFramer(max_line)
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
    (b"x" * 19 + b"\r\nSTAT\r\n", [TooLong(b"x" * 19 + b"\r"), b"STAT"]),
    (b"a1 " + b"x" * 100 + b"\r\nSTAT\r\n", [TooLong(b"a1 " + b"x" * 17), b"STAT"]),
]


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_lines_whole_and_byte_by_byte(data, expected):
    for chunks in feeds(data):
        assert lines_from(chunks) == expected


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_trailing_data_stays_buffered(data, expected):
    buffer = LineFramer(20)
    buffer.feed(data + b"RETR 1")
    got = []
    while (line := buffer.next_line()) is not NEED_DATA:
        got.append(line)
    assert got == expected
    assert len(buffer) == len(b"RETR 1")
    buffer.feed(b"\r\n")
    assert buffer.next_line() == b"RETR 1"


def test_a_long_line_is_never_buffered_whole_and_reported_once_when_it_ends():
    buffer = LineFramer(16)
    buffer.feed(b"y" * 40)
    assert buffer.next_line() is NEED_DATA
    assert len(buffer) == 0
    for _ in range(100):
        buffer.feed(b"z" * 1000)
        assert buffer.next_line() is NEED_DATA
        assert len(buffer) == 0
    buffer.feed(b"tail\r\nNOOP\r\n")
    assert buffer.next_line() == TooLong(b"y" * 16)
    assert buffer.next_line() == b"NOOP"
    assert buffer.next_line() is NEED_DATA


def test_take_and_skip_hand_over_raw_octets():
    buffer = LineFramer(16)
    buffer.feed(b"ab\r\ncd\nrest\r\n")
    assert buffer.take(4) == b"ab\r\n"
    assert buffer.skip(3) == 3
    assert buffer.take(100) == b"rest\r\n"
    assert buffer.skip(5) == 0


def test_clear_forgets_buffered_input():
    buffer = LineFramer(16)
    buffer.feed(b"USER evil\r\nPAS")
    buffer.clear()
    assert buffer.next_line() is NEED_DATA
    buffer.feed(b"CAPA\r\n")
    assert buffer.next_line() == b"CAPA"
