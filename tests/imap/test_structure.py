"""BODY/BODYSTRUCTURE (RFC 3501 7.4.2) of single parts, parameters, wire bytes, the cache."""

from __future__ import annotations

import base64

import pytest
from handmade import CRLF, body, bodystructure, email_message, msg

from mailtrap.protocols.imap.structure import (
    message_structure,
    wire_bytes,
)

# --- wire_bytes ---------------------------------------------------------------------------


def test_wire_bytes_returns_crlf_message_itself():
    raw = msg("Subject: x", "", "body")
    assert wire_bytes(raw) is raw


def test_wire_bytes_turns_bare_lf_into_crlf():
    assert (
        wire_bytes(b"Subject: x\n\nline 1\nline 2\n") == b"Subject: x\r\n\r\nline 1\r\nline 2\r\n"
    )


def test_wire_bytes_turns_bare_cr_into_crlf():
    assert wire_bytes(b"a\rb\r\nc\r\r\n") == b"a\r\nb\r\nc\r\n\r\n"


def test_wire_bytes_turns_nul_into_0x80():
    assert wire_bytes(b"a\0b\r\n") == b"a\x80b\r\n"


def test_sizes_are_counted_on_the_wire_bytes():
    structure = message_structure(b"Subject: x\n\nab\ncd\n")
    assert structure.wire == b"Subject: x\r\n\r\nab\r\ncd\r\n"
    assert structure.root.body_end - structure.root.body_start == 8
    assert bodystructure(b"Subject: x\n\nab\ncd\n")[6] == 8


# --- single parts ---------------------------------------------------------------------------


def test_text_plain_fields_in_order():
    raw = msg(
        "Content-Type: text/plain; charset=utf-8; format=flowed",
        "Content-ID: <id1@example.com>",
        "Content-Description: a note",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        "line one",
        "line two",
    )
    assert body(raw) == [
        "text", "plain", ["charset", "utf-8", "format", "flowed"], "<id1@example.com>",
        "a note", "QUOTED-PRINTABLE", 20, 2,
    ]  # fmt: skip


def test_no_content_type_defaults_to_text_plain_us_ascii():
    # RFC 2045 5.2
    assert body(msg("Subject: x", "", "hi")) == [
        "text", "plain", ["charset", "us-ascii"], None, None, "7BIT", 4, 1,
    ]  # fmt: skip


def test_invalid_content_type_means_text_plain_us_ascii():
    # RFC 2045 5.2: a syntactically invalid Content-Type is treated as text/plain
    assert body(msg("Content-Type: text; charset=utf-8", "", "hi"))[:3] == [
        "text", "plain", ["charset", "us-ascii"],
    ]  # fmt: skip


def test_explicit_text_type_without_charset_has_no_invented_charset():
    assert body(msg("Content-Type: text/html", "", "<p>"))[:3] == ["text", "html", None]


def test_type_and_subtype_are_lower_case():
    assert body(msg("Content-Type: TEXT/HTML; CHARSET=UTF-8", "", "<p>"))[:3] == [
        "text", "html", ["charset", "UTF-8"],
    ]  # fmt: skip


def test_comments_in_content_fields_are_ignored():
    # RFC 2045 5.1, 6.1 and RFC 3282 allow comments; quoted strings keep their parentheses
    raw = msg(
        'Content-Type: text/plain (plain text); charset="utf-8" (unicode); name="a (1).txt"',
        "Content-Transfer-Encoding: base64 (encoded)",
        "Content-Language: en (English), fr",
        "Content-Disposition: attachment (saved); filename=x",
        "",
        "eA==",
    )
    result = bodystructure(raw)
    assert result[:3] == ["text", "plain", ["charset", "utf-8", "name", "a (1).txt"]]
    assert result[5] == "BASE64"
    assert result[9:11] == [["attachment", ["filename", "x"]], ["en", "fr"]]


def test_encoding_defaults_to_7bit():
    assert body(msg("Content-Type: text/plain", "", "x"))[5] == "7BIT"


@pytest.mark.parametrize(
    ("maintype", "subtype"),
    [("application", "pdf"), ("image", "png"), ("audio", "ogg"), ("video", "mp4")],
)
def test_basic_body_type_has_no_line_count(maintype, subtype):
    m = email_message()
    m.set_content(b"\x89PNG" * 30, maintype=maintype, subtype=subtype)
    encoded = base64.encodebytes(b"\x89PNG" * 30).replace(b"\n", CRLF)
    assert body(bytes(m)) == [maintype, subtype, None, None, None, "BASE64", len(encoded)]


def test_text_line_count_includes_a_last_line_without_crlf():
    assert body(b"Subject: x\r\n\r\none\r\ntwo")[6:] == [8, 2]


def test_empty_text_body_has_zero_lines():
    assert body(b"Subject: x\r\n\r\n")[6:] == [0, 0]


def test_single_part_extension_data():
    raw = msg(
        "Content-Type: application/pdf; name=report.pdf",
        "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==",
        "Content-Disposition: attachment; filename=report.pdf; size=3",
        "Content-Language: en, de-CH",
        "Content-Location: http://example.com/report.pdf",
        "",
        "PDF",
    )
    assert bodystructure(raw) == [
        "application", "pdf", ["name", "report.pdf"], None, None, "7BIT", 5,
        "Q2hlY2sgSW50ZWdyaXR5IQ==", ["attachment", ["filename", "report.pdf", "size", "3"]],
        ["en", "de-CH"], "http://example.com/report.pdf",
    ]  # fmt: skip


def test_disposition_without_parameters():
    # RFC 2183
    raw = msg("Content-Type: text/plain", "Content-Disposition: INLINE", "", "x")
    assert bodystructure(raw)[9] == ["inline", None]


def test_absent_extension_data_is_nil():
    assert bodystructure(msg("Subject: x", "", "x"))[8:] == [None, None, None, None]


def test_body_omits_extension_data():
    raw = msg("Content-Type: text/plain", "Content-Disposition: inline", "", "x")
    assert len(body(raw)) == 8
    assert len(bodystructure(raw)) == 12


# --- parameters (RFC 2231) ------------------------------------------------------------------


def test_parameter_names_are_lower_case_and_values_unquoted():
    raw = msg('Content-Type: text/plain; CharSet="utf-8"; Name="a \\"b\\".txt"', "", "x")
    assert body(raw)[2] == ["charset", "utf-8", "name", 'a "b".txt']


def test_rfc2231_continuations_are_joined():
    raw = msg(
        "Content-Type: application/octet-stream;",
        ' name*0="a-very-long-";',
        ' name*1="file-name.txt"',
        "",
        "x",
    )
    assert body(raw)[2] == ["name", "a-very-long-file-name.txt"]


def test_rfc2231_charset_encoded_value_is_decoded():
    raw = msg("Content-Type: application/octet-stream; name*=utf-8''%E2%82%AC%20rates.txt", "", "x")
    assert body(raw)[2] == ["name", "€ rates.txt"]


def test_rfc2231_encoded_continuations_with_language():
    raw = msg(
        "Content-Type: application/x-stuff;",
        " title*0*=us-ascii'en'This%20is%20even%20more%20;",
        " title*1*=%2A%2A%2Afun%2A%2A%2A%20;",
        ' title*2="isn\'t it!"',
        "",
        "x",
    )
    assert body(raw)[2] == ["title", "This is even more ***fun*** isn't it!"]


def test_rfc2231_disposition_filename_from_email_package():
    m = email_message()
    m.set_content("see attached")
    m.add_attachment(b"data", maintype="application", subtype="octet-stream", filename="résumé.pdf")
    attachment = bodystructure(bytes(m))[0][1]
    assert attachment[8] == ["attachment", ["filename", "résumé.pdf"]]


def test_raw_8bit_parameter_value_is_read_as_utf8():
    raw = msg('Content-Type: application/pdf; name="résumé.pdf"'.encode(), b"", b"x")
    assert body(raw)[2] == ["name", "résumé.pdf"]


# --- cache ----------------------------------------------------------------------------------


def test_body_part_is_frozen():
    part = message_structure(msg("Subject: x", "", "y")).root
    with pytest.raises(AttributeError):
        part.type = "image"  # type: ignore[misc]
