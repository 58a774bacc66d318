"""SEARCH through the engine: every RFC 3501 key, decoded text, dates, sets and nesting."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

TODAY = datetime.now(UTC).date()


def day(offset: int = 0) -> str:
    d = TODAY + timedelta(days=offset)
    return f"{d.day}-{d.strftime('%b')}-{d.year}"


@pytest.fixture
def session(client, deliver, store):
    deliver(
        subject="=?utf-8?q?Caf=C3=A9_order?=",
        body="Your latte is ready",
        Cc="Dave <dave@example.net>",
        Date="Mon, 1 Jan 2024 10:00:00 +0000",
    )
    deliver(subject="Invoice 42", body="Amount due: 10 EUR", X_Mailer="MailerBot 3")
    deliver(
        raw=(
            b"From: =?utf-8?q?Ren=C3=A9e?= <renee@example.org>\r\nTo: bob@example.com\r\n"
            b"Bcc: hidden@example.com\r\nSubject: plain\r\nContent-Type: text/plain; "
            b"charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            b"na=C3=AFve text and more padding " + b"x" * 400 + b"\r\n"
        )
    )
    store.store_flags("bob@example.com", [1], ["\\Seen", "\\Answered"], "add")
    store.store_flags("bob@example.com", [2], ["\\Flagged", "$Work"], "add")
    store.store_flags("bob@example.com", [3], ["\\Deleted", "\\Draft"], "add")
    return client().select()


def search(session, criteria: str | bytes) -> list[int]:
    data = criteria.encode() if isinstance(criteria, str) else criteria
    [line] = session.ok(b"s SEARCH " + data)
    assert line.startswith(b"* SEARCH")
    return [int(n) for n in line.split()[2:]]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ("ALL", [1, 2, 3]),
        ("SEEN", [1]),
        ("UNSEEN", [2, 3]),
        ("ANSWERED", [1]),
        ("UNANSWERED", [2, 3]),
        ("FLAGGED", [2]),
        ("UNFLAGGED", [1, 3]),
        ("DELETED", [3]),
        ("UNDELETED", [1, 2]),
        ("DRAFT", [3]),
        ("UNDRAFT", [1, 2]),
        ("KEYWORD $work", [2]),
        ("UNKEYWORD $Work", [1, 3]),
        ("RECENT", [1, 2, 3]),
        ("OLD", []),
        ("NEW", [2, 3]),
    ],
)
def test_flag_keys(session, criteria, expected):
    assert search(session, criteria) == expected


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ("SUBJECT invoice", [2]),
        ('SUBJECT "CAF\u00c9"', [1]),  # decoded, case-insensitive
        ("FROM alice@example.org", [1, 2]),
        ('FROM "ren\u00e9e"', [3]),
        ("FROM Alice", [1, 2]),
        ("TO bob@", [1, 2, 3]),
        ("CC dave", [1]),
        ("BCC hidden", [3]),
        ("HEADER X-Mailer bot", [2]),
        ('HEADER X-Mailer ""', [2]),
        ("HEADER Subject order", [1]),
        ("BODY latte", [1]),
        ('BODY "na\u00efve"', [3]),
        ("BODY invoice", []),
        ("TEXT invoice", [2]),
        ("TEXT LATTE", [1]),
    ],
)
def test_text_keys(session, criteria, expected):
    assert search(session, b"CHARSET UTF-8 " + criteria.encode()) == expected


def test_utf8_in_a_literal(session):
    assert search(session, b"CHARSET UTF-8 SUBJECT {5+}\r\ncaf\xc3\xa9") == [1]


def test_unknown_charset(session):
    reply = session.command("s SEARCH CHARSET KOI8-R SUBJECT x")
    assert reply == [b"s NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset"]


def test_size_keys(session):
    assert search(session, "LARGER 400") == [3]
    assert search(session, "SMALLER 400") == [1, 2]


def test_internal_date_keys(session):
    assert search(session, f"ON {day()}") == [1, 2, 3]
    assert search(session, f"SINCE {day(1)}") == []
    assert search(session, f"BEFORE {day(1)}") == [1, 2, 3]
    assert search(session, f"BEFORE {day()}") == []


def test_sent_date_keys_use_the_date_field(session):
    assert search(session, "SENTON 1-Jan-2024") == [1]
    assert search(session, "SENTBEFORE 2-Jan-2024") == [1]
    assert search(session, "SENTSINCE 2-Jan-2024") == [2, 3]  # no Date: field: internal date


def test_sequence_and_uid_sets(session):
    assert search(session, "2:*") == [2, 3]
    assert search(session, "1,3") == [1, 3]
    assert search(session, "UID 2") == [2]
    assert search(session, "UID 3:*") == [3]
    assert search(session, "1:10") == [1, 2, 3]


def test_not_or_and_nesting(session):
    assert search(session, "NOT SEEN") == [2, 3]
    assert search(session, "OR SEEN FLAGGED") == [1, 2]
    assert search(session, "SEEN ANSWERED") == [1]
    assert search(session, "OR (SEEN ANSWERED) (DRAFT DELETED)") == [1, 3]
    assert search(session, "NOT (OR SEEN FLAGGED)") == [3]


def test_uid_search_answers_uids(session, store):
    store.expunge("bob@example.com", [1])
    session.ok("n NOOP")
    [line] = session.ok("s UID SEARCH ALL")
    assert line == b"* SEARCH 2 3"
    assert search(session, "ALL") == [1, 2]


def test_search_on_an_empty_mailbox(client):
    one = client().select("empty@example.com")
    assert one.ok("s SEARCH ALL") == [b"* SEARCH"]


def test_search_is_fast_enough_to_not_need_the_body_for_subject(session):
    start = time.perf_counter()
    search(session, "SUBJECT x")
    assert time.perf_counter() - start < 5  # sanity only; the target is in bench/


def test_subject_matches_decoded_unfolded_and_8bit_subjects(client, deliver):
    deliver(subject="=?utf-8?q?Quarterly_REPORT?=")  # only visible once decoded
    deliver(raw=b"Subject: Gr\xc3\xbc\xc3\x9fe report\r\nTo: bob@example.com\r\n\r\nx\r\n")
    deliver(raw=b"Subject: the\r\n REPORT, folded\r\nTo: bob@example.com\r\n\r\nx\r\n")
    deliver(subject="nothing to see")
    session = client().select()
    assert search(session, "SUBJECT report") == [1, 2, 3]
    assert search(session, 'SUBJECT "the report"') == [3]  # white space: unfolded first
    assert search(session, "SUBJECT absent") == []


def test_too_many_keys_is_bad(client):
    one = client().login()
    one.ok("s SELECT INBOX")
    out = one.command(b"a SEARCH" + b" 1" * 1001)
    assert out == [b"a BAD Syntax error: more than 1000 search keys"]
    assert one.command(b"b SEARCH" + b" ALL" * 1000)[-1] == b"b OK SEARCH completed"


def test_a_long_search_pauses_between_slices(client, deliver, monkeypatch):
    from mailtrap.protocols.imap import outcomes

    for n in range(50):
        deliver(subject=f"m{n}")
    one = client().login()
    one.ok("s SELECT INBOX")
    monkeypatch.setattr(outcomes, "SLICE", 0.0)  # every message is a slice of its own
    connection = one.connection
    connection.receive_data(b"a SEARCH SUBJECT m\r\n")
    chunks = []
    while connection.busy:
        chunks.append(connection.data_to_send())
    assert chunks.count(b"") >= 49  # paused after each message
    assert b"".join(chunks).endswith(b"a OK SEARCH completed\r\n")
    assert b"* SEARCH " + b" ".join(b"%d" % n for n in range(1, 51)) in b"".join(chunks)
