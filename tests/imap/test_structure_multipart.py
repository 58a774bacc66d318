"""BODYSTRUCTURE of multiparts (RFC 2046 5.1) and message/rfc822 (5.2), cross-checked with email."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser

import pytest
from handmade import body, bodystructure, email_message, msg

from mailtrap.protocols.imap.format import Joined
from mailtrap.protocols.imap.structure import BodyPart, body_structure, message_structure

# --- multipart ------------------------------------------------------------------------------


MIXED = msg(
    "Subject: mixed",
    "Content-Type: multipart/mixed; boundary=outer",
    "",
    "This is the preamble.",
    "--outer",
    "Content-Type: text/plain; charset=us-ascii",
    "",
    "Hello",
    "--outer",
    "Content-Type: multipart/alternative; boundary=inner",
    "",
    "--inner",
    "Content-Type: text/plain",
    "",
    "plain",
    "--inner",
    "Content-Type: text/html",
    "",
    "<b>html</b>",
    "--inner--",
    "",
    "--outer",
    "Content-Type: image/gif",
    "Content-Transfer-Encoding: base64",
    "Content-Disposition: inline",
    "Content-ID: <gif@x>",
    "",
    "R0lGODlh",
    "--outer--",
    "This is the epilogue.",
)


def test_multipart_body_lists_parts_side_by_side_then_subtype():
    # RFC 3501 9: body-type-mpart = 1*body SP media-subtype; Joined writes no SP between parts
    assert body(MIXED) == [
        Joined([
            ["text", "plain", ["charset", "us-ascii"], None, None, "7BIT", 5, 1],
            [
                Joined([
                    ["text", "plain", None, None, None, "7BIT", 5, 1],
                    ["text", "html", None, None, None, "7BIT", 11, 1],
                ]),
                "alternative",
            ],
            ["image", "gif", None, "<gif@x>", None, "BASE64", 8],
        ]),
        "mixed",
    ]  # fmt: skip


def test_multipart_bodystructure_adds_extension_data():
    structure = bodystructure(MIXED)
    assert structure[-5:] == ["mixed", ["boundary", "outer"], None, None, None]
    _, alternative, gif = structure[0]
    assert alternative[-5:] == ["alternative", ["boundary", "inner"], None, None, None]
    assert gif[7:] == [None, ["inline", None], None, None]


def test_multipart_extension_disposition_language_location():
    raw = msg(
        "Content-Type: multipart/related; boundary=b; type=text/html",
        "Content-Disposition: inline",
        "Content-Language: fr",
        "Content-Location: http://example.com/",
        "",
        "--b",
        "",
        "x",
        "--b--",
    )
    assert bodystructure(raw)[-5:] == [
        "related", ["boundary", "b", "type", "text/html"], ["inline", None], ["fr"],
        "http://example.com/",
    ]  # fmt: skip


def test_part_without_headers_takes_the_defaults():
    # RFC 2046 5.1.1: a body part that starts with a blank line has no header fields
    raw = msg("Content-Type: multipart/mixed; boundary=b", "", "--b", "", "text", "--b--")
    assert body(raw) == [
        Joined([["text", "plain", ["charset", "us-ascii"], None, None, "7BIT", 4, 1]]),
        "mixed",
    ]


def test_multipart_digest_parts_default_to_message_rfc822():
    # RFC 2046 5.1.5
    raw = msg(
        "Content-Type: multipart/digest; boundary=d",
        "",
        "--d",
        "",
        "Subject: first",
        "",
        "one",
        "--d",
        "Content-Type: text/plain",
        "",
        "not a message",
        "--d--",
    )
    (first, second), subtype = body(raw)
    assert first[:2] == ["message", "rfc822"]
    assert first[7][1] == "first"  # the envelope's subject
    assert second[:2] == ["text", "plain"]
    assert subtype == "digest"


def test_nested_multipart_offsets_cover_each_part_exactly():
    structure = message_structure(MIXED)
    text, alternative, gif = structure.root.children
    wire = structure.wire
    assert (
        wire[text.header_start : text.body_end]
        == b"Content-Type: text/plain; charset=us-ascii\r\n\r\nHello"
    )
    assert (
        wire[alternative.children[1].body_start : alternative.children[1].body_end]
        == b"<b>html</b>"
    )
    assert wire[gif.body_start : gif.body_end] == b"R0lGODlh"
    assert text.header_end == text.body_start


def test_preamble_and_epilogue_belong_to_no_part():
    structure = message_structure(MIXED)
    root = structure.root
    first, last = root.children[0], root.children[-1]
    assert b"preamble" not in structure.wire[first.header_start : last.body_end]
    assert b"epilogue" not in structure.wire[first.header_start : last.body_end]


def test_crlf_before_a_delimiter_belongs_to_the_delimiter():
    # RFC 2046 5.1.1: the last CRLF of a part's content is part of the next delimiter line
    raw = msg("Content-Type: multipart/mixed; boundary=b", "", "--b", "", "text", "", "--b--")
    structure = message_structure(raw)
    part = structure.root.children[0]
    assert structure.wire[part.body_start : part.body_end] == b"text\r\n"


def test_delimiter_with_transport_padding():
    raw = msg("Content-Type: multipart/mixed; boundary=b", "", "--b  ", "", "x", "--b-- \t", "")
    assert body(raw)[0][0][6] == 1


def test_boundary_followed_by_more_text_is_not_a_delimiter():
    raw = msg(
        "Content-Type: multipart/mixed; boundary=abc",
        "",
        "--abc",
        "Content-Type: multipart/mixed; boundary=abcd",
        "",
        "--abcd",
        "",
        "inner",
        "--abcd--",
        "--abc--",
    )
    outer = message_structure(raw).root
    assert len(outer.children) == 1
    assert outer.children[0].type == "multipart"
    assert len(outer.children[0].children) == 1


def test_boundary_is_found_only_at_line_start():
    raw = msg("Content-Type: multipart/mixed; boundary=b", "", "--b", "", "x --b", "--b--")
    structure = message_structure(raw)
    part = structure.root.children[0]
    assert structure.wire[part.body_start : part.body_end] == b"x --b"


def test_empty_part_between_adjacent_delimiters():
    raw = msg("Content-Type: multipart/mixed; boundary=b", "", "--b", "--b", "", "x", "--b--")
    root = message_structure(raw).root
    assert [c.body_end - c.body_start for c in root.children] == [0, 1]


def test_missing_close_delimiter_runs_the_last_part_to_the_end():
    raw = msg("Content-Type: multipart/mixed; boundary=b", "", "--b", "", "one", "--b", "", "two")
    structure = message_structure(raw)
    last = structure.root.children[-1]
    assert structure.wire[last.body_start : last.body_end] == b"two\r\n"


# --- message/rfc822 -------------------------------------------------------------------------


def forwarded() -> bytes:
    inner = EmailMessage()
    inner["From"] = "Carol <carol@example.net>"
    inner["Subject"] = "Inner"
    inner.set_content("inner text\n")
    inner.add_attachment(b"zip", maintype="application", subtype="zip", filename="a.zip")
    outer = email_message()
    outer.set_content("see below\n")
    outer.add_attachment(inner)
    return bytes(outer)


def test_message_rfc822_has_envelope_body_and_lines():
    structure = message_structure(forwarded())
    part = structure.root.children[1]
    result = body_structure(structure, extensible=True)[0][1]
    assert result[:2] == ["message", "rfc822"]
    assert result[6] == part.body_end - part.body_start
    assert result[7][1] == "Inner"
    assert result[7][2] == [Joined([["Carol", None, "carol", "example.net"]])]
    assert result[8][-5] == "mixed"  # the encapsulated message's own BODYSTRUCTURE
    assert result[8][0][1][8] == ["attachment", ["filename", "a.zip"]]
    assert result[9] == structure.wire.count(b"\r\n", part.body_start, part.body_end)
    assert result[10:] == [None, ["attachment", None], None, None]


def test_message_rfc822_embedded_offsets_are_in_the_same_wire_bytes():
    structure = message_structure(forwarded())
    part = structure.root.children[1]
    inner = part.message
    assert inner is not None
    assert inner.header_start == part.body_start
    assert inner.body_end == part.body_end
    assert structure.wire[inner.header_start :].startswith(b"From: Carol")


def test_message_rfc822_with_single_part_inside():
    inner = msg("Subject: in", "", "hello")
    raw = (
        msg(
            "Content-Type: multipart/mixed; boundary=b",
            "",
            "--b",
            "Content-Type: message/rfc822",
            "",
        )
        + inner
        + msg("--b--")
    )
    result = body(raw)[0][0]
    assert result[7][1] == "in"
    # the CRLF after "hello" belongs to the delimiter that follows (RFC 2046 5.1.1)
    assert result[8] == ["text", "plain", ["charset", "us-ascii"], None, None, "7BIT", 5, 1]
    assert result[9] == 3


def test_top_level_message_rfc822():
    raw = msg("Content-Type: message/rfc822", "", "Subject: in", "", "x")
    result = body(raw)
    assert result[:2] == ["message", "rfc822"]
    assert result[7][1] == "in"


# --- cross-checks with the email package ----------------------------------------------------


def email_tree(message: Message) -> list:
    if message.is_multipart():
        kids = message.get_payload()
        if message.get_content_type() == "message/rfc822":
            return ["message/rfc822", email_tree(kids[0])]
        return [message.get_content_type(), [email_tree(k) for k in kids]]
    return [message.get_content_type(), message.get_payload(decode=False)]


def our_tree(structure, part: BodyPart) -> list:
    if part.children:
        return [f"{part.type}/{part.subtype}", [our_tree(structure, c) for c in part.children]]
    if part.message is not None:
        return ["message/rfc822", our_tree(structure, part.message)]
    payload = structure.wire[part.body_start : part.body_end]
    return [f"{part.type}/{part.subtype}", payload.decode("ascii", "surrogateescape")]


def cross_check_messages() -> list[bytes]:
    alternative = email_message()
    alternative.set_content("plain\n")
    alternative.add_alternative("<p>html</p>\n", subtype="html")
    related = email_message()
    related.set_content("<img src=cid:x>\n", subtype="html")
    related.add_related(b"GIF89a", maintype="image", subtype="gif", cid="<x>")
    related.add_attachment(b"%PDF" * 200, maintype="application", subtype="pdf", filename="r.pdf")
    return [MIXED, forwarded(), bytes(alternative), bytes(related)]


@pytest.mark.parametrize("index", range(4))
def test_tree_and_payloads_agree_with_the_email_package(index):
    structure = message_structure(cross_check_messages()[index])
    parsed = BytesParser(policy=policy.compat32).parsebytes(structure.wire)
    assert our_tree(structure, structure.root) == email_tree(parsed)


@pytest.mark.parametrize("index", range(4))
def test_parameters_agree_with_the_email_package(index):
    structure = message_structure(cross_check_messages()[index])
    parsed = BytesParser(policy=policy.default).parsebytes(structure.wire)
    ours = list(_walk(structure.root))
    theirs = list(parsed.walk())
    assert len(ours) == len(theirs)
    for part, message in zip(ours, theirs, strict=True):
        assert f"{part.type}/{part.subtype}" == message.get_content_type()
        expected = dict(message["content-type"].params) if message["content-type"] else {}
        assert {k: v for k, v in part.params if k != "charset" or k in expected} == expected
        assert (
            part.disposition[0] if part.disposition else None
        ) == message.get_content_disposition()


def _walk(part: BodyPart):
    yield part
    for child in part.children:
        yield from _walk(child)
    if part.message is not None:
        yield from _walk(part.message)
