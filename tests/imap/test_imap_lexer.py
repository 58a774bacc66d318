"""The incremental command lexer: whole, byte by byte, with trailing data; literals; limits."""

from __future__ import annotations

import pytest

from mailtrap.protocols.imap.lexer import (
    MORE,
    NEED_DATA,
    CommandLexer,
    NeedContinuation,
    Record,
    Refused,
)


def events(data: bytes, mode: str = "whole", **limits: int) -> list[object]:
    lexer = CommandLexer(**limits)
    found: list[object] = []
    chunks = [data[i : i + 1] for i in range(len(data))] if mode == "bytes" else [data]
    for chunk in chunks:
        lexer.feed(chunk)
        while (event := lexer.next_event()) is not NEED_DATA:
            if event is not MORE:
                found.append(event)
    return found


MODES = ["whole", "bytes"]


@pytest.mark.parametrize("mode", MODES)
def test_one_line(mode):
    assert events(b"a1 NOOP\r\n", mode) == [Record((b"a1 NOOP",), ())]


@pytest.mark.parametrize("mode", MODES)
def test_trailing_data_stays_buffered(mode):
    lexer = CommandLexer()
    lexer.feed(b"a1 NOOP\r\na2 CAPA")
    assert lexer.next_event() == Record((b"a1 NOOP",), ())
    assert lexer.next_event() is NEED_DATA
    assert len(lexer) == len(b"a2 CAPA")
    lexer.feed(b"BILITY\r\n")
    assert lexer.next_event() == Record((b"a2 CAPABILITY",), ())


def test_bare_lf_ends_a_line():
    assert events(b"a1 NOOP\n") == [Record((b"a1 NOOP",), ())]


@pytest.mark.parametrize("mode", MODES)
def test_synchronising_literal_asks_for_continuation(mode):
    found = events(b"a LOGIN {5}\r\nalice pw\r\n", mode)
    assert found == [NeedContinuation(5), Record((b"a LOGIN {5}", b" pw"), (b"alice",))]


@pytest.mark.parametrize("mode", MODES)
def test_non_synchronising_literal_goes_on(mode):
    found = events(b"a LOGIN {5+}\r\nalice {2+}\r\npw\r\n", mode)
    assert found == [Record((b"a LOGIN {5+}", b" {2+}", b""), (b"alice", b"pw"))]


def test_literal_may_hold_crlf_and_nul():
    found = events(b"a X {4+}\r\n\r\n\0x\r\n")
    assert found == [Record((b"a X {4+}", b""), (b"\r\n\0x",))]


def test_empty_literal():
    assert events(b"a X {0}\r\n\r\n") == [NeedContinuation(0), Record((b"a X {0}", b""), (b"",))]


def test_overlong_line_is_refused_and_dropped_as_it_arrives():
    lexer = CommandLexer(max_line=100)
    lexer.feed(b"t1 NOOP " + b"x" * 150)
    assert lexer.next_event() is NEED_DATA
    assert len(lexer) == 0  # nothing of it is kept
    lexer.feed(b"y" * 500)
    assert lexer.next_event() is NEED_DATA
    assert len(lexer) == 0
    lexer.feed(b"z\r\nt2 NOOP\r\n")  # refused when it ends, so the answer follows the command
    assert lexer.next_event() == Refused(b"t1", literal=False)
    assert lexer.next_event() == Record((b"t2 NOOP",), ())


def test_overlong_line_byte_by_byte():
    found = events(b"t1 " + b"x" * 300 + b"\r\nt2 NOOP\r\n", "bytes", max_line=100)
    assert found == [Refused(b"t1", literal=False), Record((b"t2 NOOP",), ())]


def test_oversize_synchronising_literal_is_refused_before_continuation():
    found = events(b"t1 LOGIN {2000}\r\nt2 NOOP\r\n", max_command=1000)
    assert found == [Refused(b"t1", literal=True), Record((b"t2 NOOP",), ())]


def test_oversize_non_synchronising_literal_is_skipped_unread():
    lexer = CommandLexer(max_command=20)
    lexer.feed(b"t1 X {20+}\r\n" + b"y" * 15)
    assert lexer.next_event() is NEED_DATA
    assert len(lexer) == 0
    lexer.feed(b"y" * 5 + b" rest\r\nt2 NOOP\r\n")
    assert lexer.next_event() == Refused(b"t1", literal=True)
    assert lexer.next_event() == Record((b"t2 NOOP",), ())


def test_literals_of_one_command_count_together():
    found = events(b"t1 X {6+}\r\nabcdef {6+}\r\nabcdef\r\n", max_command=25)
    assert found == [Refused(b"t1", literal=True)]


@pytest.mark.parametrize("mode", MODES)
def test_a_command_is_limited_with_all_its_lines_and_literals(mode):
    # Issue 17 finding 2: "{0+}" started another line without limit.
    chain = b"t1 SEARCH" + b" TEXT {0+}\r\n" * 20 + b" ALL\r\nt2 NOOP\r\n"
    assert events(chain, mode, max_command=100) == [
        Refused(b"t1", literal=False),
        Record((b"t2 NOOP",), ()),
    ]
    assert events(chain, mode, max_command=1000)[0] == Record(
        (b"t1 SEARCH TEXT {0+}", *[b" TEXT {0+}"] * 19, b" ALL"), (b"",) * 20
    )


def test_a_refused_command_keeps_nothing_of_itself():
    lexer = CommandLexer(max_line=100, max_command=1000)
    lexer.feed(b"t1 X" + b" {50+}\r\n" + b"y" * 50)
    for _ in range(200):
        assert lexer.next_event() is NEED_DATA
        lexer.feed(b"x" * 90 + b" {50+}\r\n" + b"y" * 50)
    assert lexer.next_event() is NEED_DATA
    assert lexer._segments == [] and lexer._literals == []
    assert len(lexer) < 200
    lexer.feed(b"\r\nt2 NOOP\r\n")
    assert lexer.next_event() == Refused(b"t1", literal=False)
    assert lexer.next_event() == Record((b"t2 NOOP",), ())


# -- APPEND messages (RFC 3501 6.3.11, RFC 3502, RFC 7889) ------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_append_messages_count_against_the_message_limit_not_the_command_limit(mode):
    data = b"t1 APPEND INBOX {20}\r\n" + b"x" * 20 + b" {20+}\r\n" + b"y" * 20 + b"\r\n"
    found = events(data, mode, max_command=40, max_message=20)
    assert found == [
        NeedContinuation(20),
        Record((b"t1 APPEND INBOX {20}", b" {20+}", b""), (b"x" * 20, b"y" * 20)),
    ]


def test_an_append_mailbox_name_literal_is_not_a_message():
    found = events(b"t1 APPEND {5+}\r\nINBOX {20+}\r\n" + b"x" * 20 + b"\r\n", max_command=20)
    assert found == [Refused(b"t1", literal=True)]
    found = events(b"t1 APPEND {5+}\r\nINBOX {20+}\r\n" + b"x" * 20 + b"\r\n", max_message=20)
    assert found == [Record((b"t1 APPEND {5+}", b" {20+}", b""), (b"INBOX", b"x" * 20))]


def test_an_oversize_synchronising_message_is_refused_before_it_is_sent():
    found = events(b"t1 append INBOX {21}\r\nt2 NOOP\r\n", max_message=20)
    assert found == [Refused(b"t1", literal=True, message=True), Record((b"t2 NOOP",), ())]


@pytest.mark.parametrize("mode", MODES)
def test_an_oversize_non_synchronising_message_is_skipped_unread(mode):
    data = b"t1 APPEND INBOX {21+}\r\n" + b"x" * 21 + b"\r\nt2 NOOP\r\n"
    found = events(data, mode, max_message=20)
    assert found == [Refused(b"t1", literal=True, message=True), Record((b"t2 NOOP",), ())]


def test_a_multiappend_holds_at_most_four_messages_worth():
    five = b"".join(b" {20+}\r\n" + b"x" * 20 for _ in range(5))
    found = events(b"t1 APPEND INBOX" + five + b"\r\n", max_message=20)
    assert found == [Refused(b"t1", literal=True, message=True)]
    four = b"".join(b" {20+}\r\n" + b"x" * 20 for _ in range(4))
    [record] = events(b"t1 APPEND INBOX" + four + b"\r\n", max_message=20)
    assert len(record.literals) == 4


def test_refuse_pending_literal():
    lexer = CommandLexer()
    lexer.feed(b"t1 FROB INBOX {300}\r\n")
    assert lexer.next_event() == NeedContinuation(300)
    assert lexer.command_start() == b"t1 FROB INBOX {300}"
    assert lexer.refuse_pending_literal() == Refused(b"t1", literal=True)
    lexer.feed(b"t2 NOOP\r\n")
    assert lexer.next_event() == Record((b"t2 NOOP",), ())


def test_clear_drops_everything():
    lexer = CommandLexer()
    lexer.feed(b"a STARTTLS\r\nb INJECTED\r\n")
    assert lexer.next_event() == Record((b"a STARTTLS",), ())
    lexer.clear()
    assert lexer.next_event() is NEED_DATA
    assert len(lexer) == 0


def test_braces_inside_a_line_are_not_a_literal():
    assert events(b'a X "{5}" y\r\n') == [Record((b'a X "{5}" y',), ())]


def test_record_tag():
    assert Record((b"abc NOOP",), ()).tag == b"abc"
    assert Record((b"+bad NOOP",), ()).tag is None


def test_a_long_refused_command_is_dropped_a_bounded_number_of_lines_per_call():
    from mailtrap.protocols.imap.lexer import LINES_PER_CALL

    lexer = CommandLexer(max_command=100)
    lexer.feed(b"t1 SEARCH" + b" TEXT {0+}\r\n" * (3 * LINES_PER_CALL) + b" ALL\r\n")
    calls = 1
    while (event := lexer.next_event()) is MORE:
        calls += 1
    assert event == Refused(b"t1", literal=False)
    assert calls >= 3  # each call looked at a bounded number of lines
    assert lexer.next_event() is NEED_DATA
