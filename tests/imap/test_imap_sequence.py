"""Sequence sets: ``*``, reversed ranges, MSN bounds and UID look-ups (RFC 3501 9, 6.4.8)."""

from __future__ import annotations

import pytest

from mailtrap.protocols.imap.sequence import SequenceError, parse_sequence_set


def test_msns_in_order_without_repeats():
    assert parse_sequence_set(b"3,1:2,2").msns(5) == [1, 2, 3]


def test_star_is_the_last_message():
    assert parse_sequence_set(b"4:*").msns(5) == [4, 5]
    assert parse_sequence_set(b"*").msns(5) == [5]


def test_reversed_range():
    assert parse_sequence_set(b"4:2").msns(5) == [2, 3, 4]


def test_msn_beyond_the_mailbox_is_an_error():
    with pytest.raises(SequenceError):
        parse_sequence_set(b"1:6").msns(5)


def test_star_in_an_empty_mailbox_is_an_error():
    with pytest.raises(SequenceError):
        parse_sequence_set(b"1:*").msns(0)


def test_uids_absent_ones_are_skipped():
    uids = [2, 5, 9]
    assert parse_sequence_set(b"1:6").uid_indexes(uids) == [0, 1]
    assert parse_sequence_set(b"9,10").uid_indexes(uids) == [2]


def test_uid_range_past_the_end_includes_the_last():
    # RFC 3501 6.4.8: "559:*" always includes the UID of the last message.
    assert parse_sequence_set(b"100:*").uid_indexes([2, 5, 9]) == [2]


def test_uid_in_empty_mailbox():
    assert parse_sequence_set(b"1:*").uid_indexes([]) == []


def test_contains():
    seq = parse_sequence_set(b"2,4:*")
    assert [n for n in range(1, 7) if n in seq.merged(6)] == [2, 4, 5, 6]
    assert 10 in seq.merged(10)
    assert 3 not in seq.merged(10)


def test_ranges_are_sorted_and_merged():
    ranges = parse_sequence_set(b"9:7,1:2,3,5,1:*,2").merged(4)
    assert (ranges.lows, ranges.highs) == ((1, 7), (5, 9))
    ranges = parse_sequence_set(b"10,1,3:4,6:*").merged(7)
    assert (ranges.lows, ranges.highs) == ((1, 3, 6, 10), (1, 4, 7, 10))


def test_many_ranges_cost_what_one_does():
    # Issue 17 finding 3: 16,000 "1:*" ranges were checked against every message.
    seq = parse_sequence_set(b",".join([b"1:*"] * 16000))
    assert seq.msns(4000) == list(range(1, 4001))
    assert seq.uid_indexes(list(range(1, 4001))) == list(range(4000))
    assert len(seq.merged(4000).lows) == 1


@pytest.mark.parametrize("text", [b"", b"0", b"1:0", b"a", b"1,", b"4294967296"])
def test_invalid(text):
    with pytest.raises(SequenceError):
        parse_sequence_set(text)


def test_uid_sets_are_written_as_runs():
    from mailtrap.protocols.imap.sequence import uid_set

    assert uid_set([304, 319, 320]) == "304,319:320"
    assert uid_set([3956, 3957, 3958]) == "3956:3958"
    assert uid_set([7]) == "7"
    assert uid_set([]) == ""
