"""Header edits that keep every other byte of the message (used by sendmail and release)."""

from __future__ import annotations

from mailtrap.rewrite import has_header, remove_headers, set_header

RAW = (
    b"Received: from a\r\n  by b\r\nBcc: x@example.com,\r\n\ty@example.com\r\n"
    b"Subject: =?utf-8?q?caf=C3=A9?=\r\nbcc: again@example.com\r\n\r\nBcc: in the body\r\n"
)


def test_remove_drops_whole_folded_fields_in_any_case_and_never_the_body():
    assert remove_headers(RAW, ["BCC"]) == (
        b"Received: from a\r\n  by b\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\nBcc: in the body\r\n"
    )
    assert remove_headers(RAW, ["X-Absent"]) == RAW


def test_set_replaces_every_copy_with_one_field_at_the_top():
    edited = set_header(RAW, "Bcc", "z@example.com")
    assert edited.startswith(b"Bcc: z@example.com\r\nReceived: from a\r\n  by b\r\nSubject:")
    assert edited.count(b"Bcc:") == 2  # the new field and the body's line
    assert set_header(b"A: 1\n\nbody\n", "B", "2") == b"B: 2\nA: 1\n\nbody\n"  # keeps bare LF


def test_set_on_a_message_without_a_header():
    assert set_header(b"\r\nbody\r\n", "From", "a@b") == b"From: a@b\r\n\r\nbody\r\n"
    assert set_header(b"", "From", "a@b") == b"From: a@b\r\n\r\n"


def test_has_header():
    assert has_header(RAW, "subject") and has_header(RAW, "BCC")
    assert not has_header(RAW, "From")
    assert not has_header(b"Subject: x\r\n\r\nFrom: body\r\n", "From")
