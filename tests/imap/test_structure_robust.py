"""Broken input never raises: it degrades to text/plain covering what is there."""

from __future__ import annotations

import pytest
from handmade import body, corruptions, msg, rich_message

from mailtrap.protocols.imap.format import Joined
from mailtrap.protocols.imap.structure import (
    BodyPart,
    MessageStructure,
    body_structure,
    envelope,
    find_part,
    message_structure,
    section,
)

TEXT_PLAIN = ["text", "plain", ["charset", "us-ascii"]]


def check_part(structure: MessageStructure, part: BodyPart, start: int, end: int) -> None:
    """Offsets nest, stay in bounds and in order; children lie inside their parent's body."""
    assert start <= part.header_start <= part.header_end == part.body_start <= part.body_end <= end
    if part.type == "multipart":
        assert part.children
    previous = part.body_start
    for child in part.children:
        assert child.header_start >= previous
        check_part(structure, child, part.body_start, part.body_end)
        previous = child.body_end
    if part.message is not None:
        assert (part.message.header_start, part.message.body_end) == (
            part.body_start,
            part.body_end,
        )
        check_part(structure, part.message, part.body_start, part.body_end)


def exercise(raw: bytes) -> MessageStructure:
    """Parse and call every entry point; the structure must hold together."""
    structure = message_structure(raw)
    check_part(structure, structure.root, 0, len(structure.wire))
    body_structure(structure, extensible=True)
    envelope(structure)
    for path in [(), (1,), (1, 1), (2,), (2, 1), (1, 2, 1)]:
        for kind in ["", "HEADER", "TEXT", "MIME", "HEADER.FIELDS", "HEADER.FIELDS.NOT"]:
            section(structure, path, kind, ("subject", "content-type"))
    return structure


# --- no header/body separator, empty input --------------------------------------------------


def test_empty_message():
    structure = exercise(b"")
    assert body_structure(structure, extensible=False) == [*TEXT_PLAIN, None, None, "7BIT", 0, 0]
    assert envelope(structure) == [None] * 10


def test_header_only_message_without_blank_line():
    structure = exercise(b"Subject: only a header\r\nFrom: a@b.c")
    assert structure.root.header_end == len(structure.wire)
    assert envelope(structure)[1] == "only a header"
    assert section(structure, (), "TEXT") == b""


def test_text_without_any_header_is_all_body():
    raw = b"just some text\r\nno headers at all\r\n"
    structure = exercise(raw)
    assert structure.root.header_end == 0
    assert section(structure, (), "TEXT") == raw
    assert section(structure, (), "HEADER") == b""


def test_message_starting_with_a_blank_line_has_an_empty_header():
    structure = exercise(b"\r\nbody")
    assert section(structure, (), "HEADER") == b"\r\n"
    assert section(structure, (), "TEXT") == b"body"


def test_header_ends_at_the_first_non_header_line():
    # like the email package: the line is kept as the start of the body
    structure = exercise(b"Subject: x\r\nthis is not a header\r\nmore\r\n")
    assert section(structure, (), "HEADER") == b"Subject: x\r\n"
    assert section(structure, (), "TEXT") == b"this is not a header\r\nmore\r\n"


def test_mbox_from_line_is_not_a_field():
    structure = exercise(b"From sender@example.com Fri Nov 27 2026\r\nSubject: s\r\n\r\nx")
    assert envelope(structure)[1] == "s"
    assert envelope(structure)[2] is None
    assert section(structure, (), "HEADER.FIELDS.NOT", ("x",)) == b"Subject: s\r\n\r\n"


# --- bare LF, bare CR, NUL ------------------------------------------------------------------


def test_bare_lf_message_parses_like_crlf():
    lf = b"Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n\ntwo\n--b--\n"
    assert body(lf) == body(lf.replace(b"\n", b"\r\n"))
    assert len(message_structure(lf).root.children) == 2


def test_bare_cr_message_parses():
    structure = exercise(b"Subject: cr\r\rbody\r")
    assert envelope(structure)[1] == "cr"
    assert section(structure, (), "TEXT") == b"body\r\n"


def test_nul_bytes_anywhere():
    raw = b"Subject: a\0\r\nContent-Type: text/pl\0ain\r\n\r\n\0\0\0"
    structure = exercise(raw)
    assert b"\0" not in structure.wire
    assert envelope(structure)[1] == b"a\x80"
    assert structure.root.body_end - structure.root.body_start == 3


# --- broken MIME ----------------------------------------------------------------------------


def test_multipart_without_boundary_parameter_is_text_plain():
    raw = msg("Content-Type: multipart/mixed", "", "--b", "", "x", "--b--")
    assert body(raw) == [*TEXT_PLAIN, None, None, "7BIT", 17, 4]


def test_multipart_whose_boundary_never_appears_is_text_plain():
    raw = msg("Content-Type: multipart/mixed; boundary=nope", "", "just text")
    assert body(raw) == [*TEXT_PLAIN, None, None, "7BIT", 11, 1]
    assert section(message_structure(raw), (1,), "") == b"just text\r\n"


def test_empty_boundary_is_treated_as_missing():
    raw = msg('Content-Type: multipart/mixed; boundary=""', "", "--", "", "x", "----")
    assert body(raw)[:3] == TEXT_PLAIN


def test_truncated_nested_multipart():
    raw = msg(
        "Content-Type: multipart/mixed; boundary=outer",
        "",
        "--outer",
        "Content-Type: multipart/alternative; boundary=inner",
        "",
        "--inner",
        "Content-Type: text/plain",
        "",
        "cut off here",
    )
    structure = exercise(raw)
    part = find_part(structure, (1, 1))
    assert part is not None
    assert section(structure, (1, 1), "") == b"cut off here\r\n"


def test_conflicting_rfc2231_parameters_do_not_raise():
    raw = msg("Content-Type: application/x; name*=a; name*0=b; name*1=c", "", "x")
    assert body(raw)[:2] == ["application", "x"]


def test_unknown_rfc2231_charset_keeps_the_value():
    raw = msg("Content-Type: application/x; name*=x-unknown''abc%20def", "", "x")
    assert body(raw)[2] == ["name", "abc def"]


def test_8bit_headers_everywhere():
    raw = msg(
        b"From: J\xf6rg <j@example.com>",
        b"Subject: \xff\xfe",
        b"Content-Type: text/plain; name=\xe9t\xe9",
        b"Content-Description: \xe9",
        b"Content-Disposition: attachment; filename=\xe9",
        b"",
        b"x",
    )
    structure = exercise(raw)
    assert envelope(structure)[2] == [Joined([[b"J\xf6rg", None, "j", "example.com"]])]
    assert envelope(structure)[1] == b"\xff\xfe"
    assert body_structure(structure, extensible=True)[4] == "\ufffd"


def test_message_rfc822_with_base64_encoding_still_has_a_valid_structure():
    # RFC 2046 5.2.1 forbids it; the (encoded) body reads as a message without a header
    raw = msg(
        "Content-Type: message/rfc822", "Content-Transfer-Encoding: base64", "", "U3ViamVjdDogeA=="
    )
    result = body(raw)
    assert result[:2] == ["message", "rfc822"]
    assert result[7] == [None] * 10
    assert result[8][:2] == ["text", "plain"]


def test_empty_message_rfc822_part():
    raw = msg(
        "Content-Type: multipart/mixed; boundary=b",
        "",
        "--b",
        "Content-Type: message/rfc822",
        "",
        "--b--",
    )
    structure = exercise(raw)
    assert body_structure(structure, extensible=False)[0][0][:2] == ["message", "rfc822"]


def test_deep_nesting_is_bounded():
    depth = 300
    raw = b"".join(
        msg(f"Content-Type: multipart/mixed; boundary=b{i}", "", f"--b{i}") for i in range(depth)
    ) + msg("", "leaf")
    structure = exercise(raw)
    levels, part = 0, structure.root
    while part.children:
        part, levels = part.children[0], levels + 1
    assert 0 < levels < depth
    assert part.type == "text"


def test_deeply_nested_messages_are_bounded():
    raw = msg("Content-Type: message/rfc822", "") * 300 + msg("Subject: bottom", "", "x")
    structure = exercise(raw)
    assert body_structure(structure, extensible=True)[:2] == ["message", "rfc822"]


def test_a_flood_of_parts_is_bounded():
    raw = msg("Content-Type: multipart/mixed; boundary=b", "") + msg("--b", "", "x") * 20000
    structure = exercise(raw)
    assert 1000 <= len(structure.root.children) < 20000


# --- fuzz -----------------------------------------------------------------------------------


def test_every_truncation_parses():
    raw = rich_message()
    for end in range(0, len(raw), 7):
        exercise(raw[:end])


@pytest.mark.parametrize("seed", range(5))
def test_random_corruption_parses(seed):
    for mutated in corruptions(rich_message(), seed, 300):
        exercise(mutated)
