"""FETCH through the engine: every data item, sections cut from the stored bytes, \\Seen."""

from __future__ import annotations

import re

import pytest

from mailtrap.protocols.imap.fetch import internal_date

MULTIPART = (
    b"From: =?utf-8?q?J=C3=B6rg?= <jorg@example.org>\r\n"
    b"To: bob@example.com, Carol <carol@example.com>\r\n"
    b"Subject: =?utf-8?b?SGVsbG8gd8O2cmxk?=\r\n"
    b"Message-ID: <m1@example.org>\r\n"
    b"Date: Tue, 2 Jan 2024 03:04:05 +0100\r\n"
    b"X-Folded: first\r\n"
    b"  second\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="XX"\r\n'
    b"\r\n"
    b"preamble\r\n"
    b"--XX\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Hello body\r\n"
    b"--XX\r\n"
    b'Content-Type: application/pdf; name="a.pdf"\r\n'
    b'Content-Disposition: attachment; filename="a.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"JVBERi0xLjQK\r\n"
    b"--XX\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n"
    b"From: inner@example.org\r\n"
    b"Subject: Inner\r\n"
    b"\r\n"
    b"inner body\r\n"
    b"--XX--\r\n"
)


@pytest.fixture
def session(client, deliver):
    deliver(MULTIPART)
    return client().select()


def fetch(session, items: str) -> bytes:
    [line] = session.ok(f"f FETCH 1 {items}")
    prefix = b"* 1 FETCH ("
    assert line.startswith(prefix) and line.endswith(b")")
    return line[len(prefix) : -1]


def literal(data: bytes) -> bytes:
    return b"{%d}\r\n" % len(data) + data


def test_flags_uid_size_internaldate(session, store):
    entry = store.snapshot("bob@example.com").entries[0]
    data = fetch(session, "(FLAGS UID RFC822.SIZE INTERNALDATE)")
    expected = b"FLAGS (\\Recent) UID 1 RFC822.SIZE %d INTERNALDATE " % len(MULTIPART)
    assert data == expected + internal_date(entry.message.received)


def test_internal_date_format():
    assert internal_date(0) == b'" 1-Jan-1970 00:00:00 +0000"'
    assert internal_date(1700000000) == b'"14-Nov-2023 22:13:20 +0000"'


def test_macros(session):
    assert fetch(session, "FAST").startswith(b"FLAGS (\\Recent) INTERNALDATE ")
    assert b" ENVELOPE (" in fetch(session, "ALL")
    assert re.search(rb" BODY \(\(", fetch(session, "FULL"))


def test_envelope_keeps_encoded_words(session):
    data = fetch(session, "ENVELOPE")
    assert data.startswith(b'ENVELOPE ("Tue, 2 Jan 2024 03:04:05 +0100" ')
    assert b'"=?utf-8?b?SGVsbG8gd8O2cmxk?="' in data
    assert b'(("=?utf-8?q?J=C3=B6rg?=" NIL "jorg" "example.org"))' in data
    # RFC 3501 9: env-to = "(" 1*address ")"; no space between the addresses
    assert b'((NIL NIL "bob" "example.com")("Carol" NIL "carol" "example.com"))' in data
    assert data.endswith(b' NIL NIL NIL "<m1@example.org>")')


def test_bodystructure(session):
    data = fetch(session, "BODYSTRUCTURE")
    first = b'BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "7BIT" 10 1'
    assert data.startswith(first)
    assert b'("attachment" ("filename" "a.pdf"))' in data
    assert b'"message" "rfc822"' in data
    assert b'"mixed" ("boundary" "XX")' in data
    assert fetch(session, "BODY").startswith(b'BODY (("text" "plain" ("charset" "utf-8") NIL')


def test_multipart_parts_are_side_by_side(session):
    # RFC 3501 9: body-type-mpart = 1*body SP media-subtype; a space between the parts makes
    # PHP's imap (c-client) see one part only and Ruby's net-imap fail to parse
    for item in ("BODYSTRUCTURE", "BODY"):
        data = fetch(session, item)
        assert b')("application" "pdf"' in data
        assert b')("message" "rfc822"' in data


def test_whole_message_is_the_stored_bytes(session):
    assert fetch(session, "BODY.PEEK[]") == b"BODY[] " + literal(MULTIPART)
    assert fetch(session, "RFC822") == b"RFC822 " + literal(MULTIPART) + b" FLAGS (\\Seen \\Recent)"


def test_header_and_text(session):
    head, _, body = MULTIPART.partition(b"\r\n\r\n")
    assert fetch(session, "BODY.PEEK[HEADER]") == b"BODY[HEADER] " + literal(head + b"\r\n\r\n")
    assert fetch(session, "RFC822.HEADER") == b"RFC822.HEADER " + literal(head + b"\r\n\r\n")
    assert fetch(session, "BODY.PEEK[TEXT]") == b"BODY[TEXT] " + literal(body)


def test_header_fields_keep_folding_and_order(session):
    data = fetch(session, "BODY.PEEK[HEADER.FIELDS (x-folded MESSAGE-ID)]")
    expected = b"Message-ID: <m1@example.org>\r\nX-Folded: first\r\n  second\r\n\r\n"
    assert data == b"BODY[HEADER.FIELDS (x-folded MESSAGE-ID)] " + literal(expected)


def test_header_fields_not(session):
    data = fetch(session, "BODY.PEEK[HEADER.FIELDS.NOT (From To Subject Date X-Folded)]")
    name, _, text = data.partition(b"] ")
    assert name == b"BODY[HEADER.FIELDS.NOT (From To Subject Date X-Folded)"
    assert text == literal(
        b"Message-ID: <m1@example.org>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="XX"\r\n\r\n'
    )


def test_parts_and_mime(session):
    assert fetch(session, "BODY.PEEK[1]") == b"BODY[1] " + literal(b"Hello body")
    assert fetch(session, "BODY.PEEK[2]") == b"BODY[2] " + literal(b"JVBERi0xLjQK")
    mime = fetch(session, "BODY.PEEK[2.MIME]")
    assert mime.startswith(b"BODY[2.MIME] {")
    assert mime.endswith(b"Content-Transfer-Encoding: base64\r\n\r\n")


def test_nested_message(session):
    assert fetch(session, "BODY.PEEK[3.HEADER]") == b"BODY[3.HEADER] " + literal(
        b"From: inner@example.org\r\nSubject: Inner\r\n\r\n"
    )
    assert fetch(session, "BODY.PEEK[3.TEXT]") == b"BODY[3.TEXT] " + literal(b"inner body")
    assert fetch(session, "BODY.PEEK[3.1]") == b"BODY[3.1] " + literal(b"inner body")
    assert fetch(session, "BODY.PEEK[3]").endswith(b"Subject: Inner\r\n\r\ninner body")


def test_missing_part_is_empty(session):
    assert fetch(session, "BODY.PEEK[9]") == b"BODY[9] {0}\r\n"


def test_partial(session):
    assert fetch(session, "BODY.PEEK[]<6.4>") == b"BODY[]<6> " + literal(b"=?ut")
    assert fetch(session, "BODY.PEEK[1]<6.100>") == b"BODY[1]<6> " + literal(b"body")
    assert fetch(session, "BODY.PEEK[1]<500.10>") == b"BODY[1]<500> {0}\r\n"


def test_body_fetch_sets_seen_and_reports_it(session, store):
    body = b"BODY[1] " + literal(b"Hello body")
    assert fetch(session, "BODY[1]") == body + b" FLAGS (\\Seen \\Recent)"
    assert store.snapshot("bob@example.com").entries[0].seen
    assert fetch(session, "BODY[1]") == body


def test_peek_and_header_do_not_set_seen(session, store):
    fetch(session, "(BODY.PEEK[] RFC822.HEADER BODYSTRUCTURE ENVELOPE)")
    assert not store.snapshot("bob@example.com").entries[0].seen


def test_rfc822_text_sets_seen(session, store):
    fetch(session, "RFC822.TEXT")
    assert store.snapshot("bob@example.com").entries[0].seen


def test_uid_fetch_always_reports_uid(session):
    assert session.ok("f UID FETCH 1 FLAGS") == [b"* 1 FETCH (UID 1 FLAGS (\\Recent))"]
    assert session.ok("g UID FETCH 5:* FLAGS") == [b"* 1 FETCH (UID 1 FLAGS (\\Recent))"]
    assert session.ok("h UID FETCH 7 FLAGS") == []


def test_fetch_beyond_the_mailbox_is_bad(session):
    assert session.command("f FETCH 2 FLAGS") == [b"f BAD no such message"]


def test_bare_lf_and_nul_are_sent_as_crlf_and_0x80(client, deliver):
    deliver(b"Subject: x\nX: a\0b\n\nline\n")
    one = client().select()
    wire = b"Subject: x\r\nX: a\x80b\r\n\r\nline\r\n"
    [line] = one.ok("f FETCH 1 (RFC822.SIZE BODY.PEEK[])")
    assert line == b"* 1 FETCH (RFC822.SIZE %d BODY[] " % len(wire) + literal(wire) + b")"


def test_header_field_names_from_the_client_are_quoted(session):
    data = fetch(session, 'BODY.PEEK[HEADER.FIELDS ("a b" {3+}\r\nc\r\n)]')
    assert data == b'BODY[HEADER.FIELDS ("a b" {3}\r\nc\r\n)] ' + literal(b"\r\n")


def test_a_fetch_of_uid_and_flags_alone_answers_as_the_full_renderer_does(client, deliver):
    # The flags-only path (what clients poll a mailbox with) against the general renderer,
    # which RFC822.SIZE takes: the same UID and FLAGS for each message, in the order asked.
    for n in range(5):
        deliver(subject=f"m{n}")
    setter = client().select()
    setter.ok("s STORE 2 +FLAGS (\\Seen)")
    setter.ok("t STORE 3 +FLAGS (\\Flagged $Label)")
    setter.ok("u STORE 5 +FLAGS (\\Deleted)")
    session = client().select()  # later: no \Recent; one more message, recent to it
    deliver(subject="m5")
    session.ok("n NOOP")

    def answers(items: str) -> list[bytes]:
        return session.ok(f"f FETCH 1:* ({items})")

    full = answers("UID FLAGS RFC822.SIZE")
    expected = [re.sub(rb" RFC822\.SIZE \d+\)$", b")", line) for line in full]
    assert answers("UID FLAGS") == expected
    assert len(expected) == 6 and b"\\Recent" in expected[5] and b"\\Recent" not in expected[0]
    assert b"FLAGS (\\Flagged $Label)" in expected[2]
    swapped = [
        re.sub(rb"\(UID (\d+) (FLAGS \(.*\))\)$", rb"(\2 UID \1)", line) for line in expected
    ]
    assert answers("FLAGS UID") == swapped
    assert answers("UID") == [re.sub(rb" FLAGS .*\)$", b")", line) for line in expected]
    assert answers("FLAGS") == [re.sub(rb"UID \d+ ", b"", line) for line in expected]
