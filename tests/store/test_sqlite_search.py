"""The SQLite backend's search: over indexed mail through the FTS5 index, over mail not indexed
yet with SQLite's pre-test on the raw bytes (the same as the Python one) before Python reads it."""

from __future__ import annotations

import pytest
from polling import until

from mailtrap.store import SqliteStore
from mailtrap.store.query import Contains, Field, Filter

BOB = "bob@x.org"


PRETEST_CASES = [
    ("a@x.org", [BOB], b"Subject: Quarterly REPORT\r\n\r\nThe Numbers are in\r\n"),
    ("a@x.org", [BOB], b"Subject: =?utf-8?q?Caf=C3=A9_order?=\r\n\r\nlatte\r\n"),
    (
        "a@x.org",
        [BOB],
        b"Subject: qp\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nre=\r\nport\r\n",
    ),
    ("a@x.org", [BOB], "Subject: 8bit\r\n\r\nStra\u00dfe\r\n".encode()),
    ("a@x.org", [BOB], b"Subject: page\r\nContent-Type: text/html\r\n\r\n<b>rep</b>ort\r\n"),
    ("Report-Sender@X.org", ["j\u00f6rg@x.org"], b"Subject: envelope only\r\n\r\nhi\r\n"),
    ("a@x.org", ["Report-Desk@x.org"], b"Subject: nul\x00\r\n\r\nhi\r\n"),
]


def test_the_sql_pre_test_rules_out_what_the_python_one_does(tmp_path):
    """A search over mail not indexed yet lets SQLite rule out the messages whose bytes (and
    envelope) lack a needle, where the message is plain enough for that to decide: the same
    messages the Python pre-test (``searchdoc.may_contain``) rules out, and never a match."""
    from mailtrap.store.searchdoc import is_plain, may_contain, safe_needle
    from mailtrap.store.sqlite_query import _pretest

    store = SqliteStore(tmp_path / "mail.db")
    try:
        stored = [store.deliver(sender, rcpts, raw) for sender, rcpts, raw in PRETEST_CASES]
        assert until(store.indexed, timeout=10), "the indexer did not catch up"
        db = store._reader()
        for needle in ["report", "numbers", "caf", "strasse", "sender@x", "desk", "zzz", "nul"]:
            sql, values = _pretest((Contains(Field.TEXT, needle),))
            kept = {
                row[0] for row in db.execute(f"SELECT m.id FROM messages m WHERE 1{sql}", values)
            }
            for record in stored:
                raw = store.raw(record.id)
                envelope_ascii = "".join((record.mail_from, *record.rcpt_tos)).isascii()
                decidable = is_plain(raw) and envelope_ascii and safe_needle(needle) is not None
                python_keeps = not decidable or may_contain(safe_needle(needle), raw, record)
                assert (record.id in kept) == python_keeps, (needle, raw)
                if needle.casefold() in store.doc(record.id).text:  # a match is never ruled out
                    assert record.id in kept, (needle, raw)
        assert len({row[0] for row in db.execute("SELECT plain FROM messages")}) == 2
    finally:
        store.close()


@pytest.mark.parametrize(
    ("field", "needle", "subject"),
    [
        (Field.SUBJECT, "quarterly", "Quarterly numbers"),
        (Field.FROM, "finance@", "Quarterly numbers"),
        (Field.BODY, "spreadsheet", "Quarterly numbers"),
        (Field.TEXT, "lunch", "Lunch on friday"),
    ],
)
def test_indexed_mail_is_searched_through_the_full_text_index(tmp_path, field, needle, subject):
    """Words of three characters and more are looked up in FTS5 (the query engine every
    front-end uses: API search, IMAP SEARCH SUBJECT/FROM/BODY/TEXT), never by reading mail."""
    store = SqliteStore(tmp_path / "mail.db")
    try:
        store.deliver(
            "finance@x.org",
            [BOB],
            b"From: Finance <finance@x.org>\r\nSubject: Quarterly numbers\r\n\r\n"
            b"The spreadsheet is attached.\r\n",
        )
        store.deliver("amy@x.org", [BOB], b"Subject: Lunch on friday\r\n\r\nNoon?\r\n")
        assert until(store.indexed)
        statements: list[str] = []
        db = store._reader()  # this thread's: the query runs here
        db.set_trace_callback(statements.append)
        page = store.query(Filter((Contains(field, needle),)))
        db.set_trace_callback(None)
        assert [store.summary(m.id).subject for m in page.messages] == [subject]
        # Over indexed mail: the index, never a scan (the rest, none here, is pre-tested in SQL).
        indexed_part = [sql for sql in statements if "m.indexed = 1" in sql]
        assert indexed_part, statements
        assert all("docs_fts MATCH" in sql and "instr(" not in sql for sql in indexed_part)
    finally:
        store.close()
