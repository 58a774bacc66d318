"""BODY[section] (RFC 3501 6.4.5): every section cut byte-exact from the message as sent."""

from __future__ import annotations

import base64
from email.message import EmailMessage

import pytest
from handmade import msg

from mailtrap.protocols.imap.structure import find_part, message_structure, section


def cut(raw: bytes, part: tuple[int, ...], kind: str = "", fields: tuple[str, ...] = ()) -> bytes:
    return section(message_structure(raw), part, kind, fields)


SIMPLE = msg(
    "From: a@example.com",
    "Subject: a folded",
    "  subject",
    "X-Tag: one",
    "x-tag: two",
    "",
    "line 1",
    "line 2",
)
SIMPLE_HEADER, SIMPLE_TEXT = SIMPLE.split(b"\r\n\r\n", 1)


# --- the whole message ----------------------------------------------------------------------


def test_whole_message_is_the_wire_bytes_without_a_copy():
    structure = message_structure(SIMPLE)
    assert section(structure, (), "") is SIMPLE


def test_header_includes_the_blank_line():
    assert cut(SIMPLE, (), "HEADER") == SIMPLE_HEADER + b"\r\n\r\n"


def test_text_is_everything_after_the_blank_line():
    assert cut(SIMPLE, (), "TEXT") == SIMPLE_TEXT


def test_header_and_text_add_up_to_the_message():
    assert cut(SIMPLE, (), "HEADER") + cut(SIMPLE, (), "TEXT") == SIMPLE


def test_section_kind_is_case_insensitive():
    assert cut(SIMPLE, (), "header") == cut(SIMPLE, (), "HEADER")


# --- HEADER.FIELDS --------------------------------------------------------------------------


def test_header_fields_keep_folding_and_end_with_a_blank_line():
    assert (
        cut(SIMPLE, (), "HEADER.FIELDS", ("SUBJECT",)) == b"Subject: a folded\r\n  subject\r\n\r\n"
    )


def test_header_fields_match_names_case_insensitively_in_message_order():
    assert cut(SIMPLE, (), "HEADER.FIELDS", ("x-TAG", "from")) == (
        b"From: a@example.com\r\nX-Tag: one\r\nx-tag: two\r\n\r\n"
    )


def test_header_fields_without_a_match_is_a_blank_line():
    assert cut(SIMPLE, (), "HEADER.FIELDS", ("Date",)) == b"\r\n"


def test_header_fields_not():
    assert cut(SIMPLE, (), "HEADER.FIELDS.NOT", ("x-tag", "from")) == (
        b"Subject: a folded\r\n  subject\r\n\r\n"
    )


def test_header_fields_are_the_original_bytes_not_refolded():
    m = EmailMessage()
    m["Subject"] = "word " * 40  # the email package folds this when it writes
    m["To"] = ", ".join(f"user{i}@example.com" for i in range(12))
    m.set_content("x")
    raw = bytes(m).replace(b"\n", b"\r\n")
    start = raw.index(b"Subject:")
    end = raw.index(b"\r\n", start)
    while raw[end + 2 : end + 3] in (b" ", b"\t"):
        end = raw.index(b"\r\n", end + 2)
    assert cut(raw, (), "HEADER.FIELDS", ("subject",)) == raw[start : end + 2] + b"\r\n"


def test_header_fields_of_a_message_without_blank_line_invent_none():
    # RFC 3501 6.4.5: the blank line is included "except in the case of a message which has no
    # body and no blank line"; each field line still ends with CRLF
    raw = b"Subject: x\r\nTo: a@b.c"
    assert cut(raw, (), "HEADER.FIELDS", ("subject", "to")) == b"Subject: x\r\nTo: a@b.c\r\n"
    assert cut(raw, (), "HEADER") == raw


def test_header_fields_of_a_header_only_message_with_blank_line_keep_it():
    assert cut(b"Subject: x\r\n\r\n", (), "HEADER.FIELDS", ("subject",)) == b"Subject: x\r\n\r\n"


# --- part numbers ---------------------------------------------------------------------------


def test_part_1_of_a_single_part_message_is_its_body():
    assert cut(SIMPLE, (1,)) == SIMPLE_TEXT


def test_part_2_of_a_single_part_message_does_not_exist():
    assert cut(SIMPLE, (2,)) == b""


def test_mime_needs_a_part_number():
    assert cut(SIMPLE, (), "MIME") == b""


def test_header_of_a_non_message_part_does_not_exist():
    assert cut(SIMPLE, (1,), "HEADER") == b""
    assert cut(SIMPLE, (1,), "TEXT") == b""


def test_unknown_section_kind_is_empty():
    assert cut(SIMPLE, (), "BOGUS") == b""


# The example of RFC 3501 6.4.5, built by hand: every part's body names its own number.
EXAMPLE = msg(
    "Subject: RFC 3501 example",
    "Content-Type: MULTIPART/MIXED; boundary=top",
    "",
    "--top",
    "Content-Type: TEXT/PLAIN",
    "",
    "part 1",
    "--top",
    "Content-Type: APPLICATION/OCTET-STREAM",
    "",
    "part 2",
    "--top",
    "Content-Type: MESSAGE/RFC822",
    "",
    "Subject: part 3",
    "Content-Type: MULTIPART/MIXED; boundary=p3",
    "",
    "--p3",
    "Content-Type: TEXT/PLAIN",
    "",
    "part 3.1",
    "--p3",
    "Content-Type: APPLICATION/OCTET-STREAM",
    "",
    "part 3.2",
    "--p3--",
    "--top",
    "Content-Type: MULTIPART/MIXED; boundary=p4",
    "",
    "--p4",
    "Content-Type: IMAGE/GIF",
    "",
    "part 4.1",
    "--p4",
    "Content-Type: MESSAGE/RFC822",
    "",
    "Subject: part 4.2",
    "Content-Type: MULTIPART/MIXED; boundary=p42",
    "",
    "--p42",
    "Content-Type: TEXT/PLAIN",
    "",
    "part 4.2.1",
    "--p42",
    "Content-Type: MULTIPART/ALTERNATIVE; boundary=p422",
    "",
    "--p422",
    "Content-Type: TEXT/PLAIN",
    "",
    "part 4.2.2.1",
    "--p422",
    "Content-Type: TEXT/RICHTEXT",
    "",
    "part 4.2.2.2",
    "--p422--",
    "--p42--",
    "--p4--",
    "--top--",
)


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("1", "text/plain"),
        ("2", "application/octet-stream"),
        ("3", "message/rfc822"),
        ("3.1", "text/plain"),
        ("3.2", "application/octet-stream"),
        ("4", "multipart/mixed"),
        ("4.1", "image/gif"),
        ("4.2", "message/rfc822"),
        ("4.2.1", "text/plain"),
        ("4.2.2", "multipart/alternative"),
        ("4.2.2.1", "text/plain"),
        ("4.2.2.2", "text/richtext"),
    ],
)
def test_rfc3501_example_part_numbers(number, kind):
    path = tuple(int(n) for n in number.split("."))
    part = find_part(message_structure(EXAMPLE), path)
    assert part is not None
    assert f"{part.type}/{part.subtype}" == kind
    if part.type not in ("multipart", "message"):
        assert cut(EXAMPLE, path) == f"part {number}".encode()


def test_rfc3501_example_message_header_and_text():
    assert cut(EXAMPLE, (3,), "HEADER") == msg(
        "Subject: part 3", "Content-Type: MULTIPART/MIXED; boundary=p3", ""
    )
    text = cut(EXAMPLE, (3,), "TEXT")
    assert text.startswith(b"--p3\r\nContent-Type: TEXT/PLAIN\r\n")
    assert text.endswith(b"part 3.2\r\n--p3--")
    assert cut(EXAMPLE, (4, 2), "HEADER") == msg(
        "Subject: part 4.2", "Content-Type: MULTIPART/MIXED; boundary=p42", ""
    )
    assert cut(EXAMPLE, (4, 2), "TEXT").endswith(b"--p422--\r\n--p42--")


def test_rfc3501_example_mime_headers():
    assert cut(EXAMPLE, (4, 1), "MIME") == b"Content-Type: IMAGE/GIF\r\n\r\n"
    assert cut(EXAMPLE, (4, 2, 2, 2), "MIME") == b"Content-Type: TEXT/RICHTEXT\r\n\r\n"
    assert cut(EXAMPLE, (3,), "MIME") == b"Content-Type: MESSAGE/RFC822\r\n\r\n"


def test_rfc3501_example_multipart_part_body_is_its_content():
    assert cut(EXAMPLE, (4,)).startswith(b"--p4\r\nContent-Type: IMAGE/GIF")
    assert cut(EXAMPLE, (4,)).endswith(b"--p42--\r\n--p4--")


def test_message_part_body_is_the_whole_encapsulated_message():
    assert cut(EXAMPLE, (3,)) == cut(EXAMPLE, (3,), "HEADER") + cut(EXAMPLE, (3,), "TEXT")


@pytest.mark.parametrize("path", [(5,), (0,), (1, 1), (4, 3), (4, 2, 3), (4, 1, 1), (-1,)])
def test_missing_parts_are_empty(path):
    assert find_part(message_structure(EXAMPLE), path) is None
    assert cut(EXAMPLE, path) == b""
    assert cut(EXAMPLE, path, "MIME") == b""


# --- message/rfc822 built with the email package --------------------------------------------


def forwarded() -> tuple[bytes, EmailMessage]:
    inner = EmailMessage()
    inner["From"] = "carol@example.net"
    inner["Subject"] = "Inner"
    inner.set_content("inner text\n")
    outer = EmailMessage()
    outer["Subject"] = "Outer"
    outer.set_content("see below\n")
    outer.add_attachment(inner)
    return bytes(outer).replace(b"\n", b"\r\n"), inner


def test_2_header_is_the_encapsulated_header():
    raw, inner = forwarded()
    expected = bytes(inner).replace(b"\n", b"\r\n").split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    assert cut(raw, (2,), "HEADER") == expected


def test_2_text_and_2_1_are_the_encapsulated_body():
    raw, _ = forwarded()
    assert cut(raw, (2,), "TEXT") == b"inner text\r\n"
    assert cut(raw, (2, 1)) == b"inner text\r\n"


def test_2_mime_is_the_message_rfc822_parts_own_header():
    raw, _ = forwarded()
    mime = cut(raw, (2,), "MIME")
    assert mime.startswith(b"Content-Type: message/rfc822\r\n")
    assert mime.endswith(b"Content-Disposition: attachment\r\n\r\n")


def test_2_header_fields_reads_the_encapsulated_header():
    raw, _ = forwarded()
    assert cut(raw, (2,), "HEADER.FIELDS", ("subject",)) == b"Subject: Inner\r\n\r\n"
    assert cut(raw, (), "HEADER.FIELDS", ("subject",)) == b"Subject: Outer\r\n\r\n"


def test_every_part_is_mime_header_then_body_in_the_wire_bytes():
    structure = message_structure(EXAMPLE)
    for path in [(1,), (2,), (3,), (3, 1), (4,), (4, 2), (4, 2, 2, 1)]:
        part = find_part(structure, path)
        assert part is not None
        whole = structure.wire[part.header_start : part.body_end]
        assert whole == section(structure, path, "MIME") + section(structure, path, "")
        assert whole in EXAMPLE


# --- bare LF and NUL ------------------------------------------------------------------------


def test_bare_lf_message_sections_come_out_with_crlf():
    raw = b"Subject: lf\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nfirst\nline\n--b--\n"
    assert (
        cut(raw, (), "HEADER")
        == b"Subject: lf\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    )
    assert cut(raw, (1,)) == b"first\r\nline"
    assert cut(raw, (), "") == raw.replace(b"\n", b"\r\n")


def test_nul_is_sent_as_0x80_in_every_section():
    raw = b"Subject: a\0b\r\n\r\nbody\0here\r\n"
    assert cut(raw, (), "HEADER.FIELDS", ("subject",)) == b"Subject: a\x80b\r\n\r\n"
    assert cut(raw, (1,)) == b"body\x80here\r\n"
    assert b"\0" not in cut(raw, ())


# --- agreement with mailtrap.mime (the JSON API's part numbers) ------------------------------


def test_part_numbers_agree_with_the_api_view():
    from mailtrap import mime

    inner = EmailMessage()
    inner["Subject"] = "inner"
    inner.set_content("inner\n")
    m = EmailMessage()
    m["Subject"] = "parts"
    m.set_content("plain\n")
    m.add_alternative("<p>html <img src=cid:logo></p>\n", subtype="html")
    m.get_payload()[1].add_related(b"GIF89a", maintype="image", subtype="gif", cid="<logo>")
    m.add_attachment(b"%PDF-1.4" * 100, maintype="application", subtype="pdf", filename="a.pdf")
    m.add_attachment(inner)
    raw = bytes(m)
    structure = message_structure(raw)
    items = [*mime.parse(raw).attachments, *mime.parse(raw).inline]
    assert len(items) == 3
    for item in items:
        path = tuple(int(n) for n in item.part_id.split("."))
        part = find_part(structure, path)
        assert part is not None
        assert f"{part.type}/{part.subtype}" == item.content_type
        if part.encoding == "BASE64":
            assert base64.b64decode(section(structure, path, "")) == item.data
