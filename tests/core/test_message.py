"""The header summary and the parsed view: decoding, bodies, attachments, links, broken input."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from mailtrap.message import Address, header_block, mailbox_key, normalize_address, summarize
from mailtrap.mime import find_urls, parse


def test_summary_decodes_headers():
    raw = (
        b"From: =?utf-8?q?J=C3=BCrgen?= <j@example.com>\r\n"
        b"To: a@example.com, Bee <b@example.com>\r\n"
        b"Cc: c@example.com\r\n"
        b"Reply-To: r@example.com\r\n"
        b"Subject: =?utf-8?b?SGVsbG8gd8O2cmxk?= and\r\n more\r\n"
        b"Date: Fri, 27 Nov 2026 12:00:00 +0100\r\n"
        b"Message-ID: <id@example.com>\r\n"
        b"\r\n"
        b"Subject: not a header\r\n"
    )
    s = summarize(raw)
    assert s.subject == "Hello wörld and more"
    assert s.from_ == Address("Jürgen", "j@example.com")
    assert s.to == (Address("", "a@example.com"), Address("Bee", "b@example.com"))
    assert s.cc == (Address("", "c@example.com"),)
    assert s.reply_to == (Address("", "r@example.com"),)
    assert s.date == datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    assert s.message_id == "<id@example.com>"


def test_summary_of_garbage_never_raises():
    for raw in [
        b"",
        b"\r\n\r\nbody only",
        b"no colon here\r\nSubject: =?bogus?q?x?=\r\nDate: yesterday\r\n\r\n",
        b"From: <<<@@@>>>\r\nTo: ,,,\r\nSubject: \xff\xfe\r\n\r\n",
        b"\x00" * 100,
    ]:
        s = summarize(raw)
        assert isinstance(s.subject, str)
        assert s.date is None


def test_header_block_stops_at_first_blank_line_for_both_line_ends():
    assert header_block(b"A: 1\r\nB: 2\r\n\r\nbody\r\n\r\n") == b"A: 1\r\nB: 2\r\n\r\n"
    assert header_block(b"A: 1\nB: 2\n\nbody") == b"A: 1\nB: 2\n\n"
    assert header_block(b"\r\nbody") == b""


def _multipart() -> bytes:
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg["To"] = "b@example.com"
    msg["Subject"] = "parts"
    msg.set_content("Plain https://example.com/one and https://example.com/two.\n")
    msg.add_alternative(
        '<p><a href="https://example.com/two">two</a> <a href="https://example.com/three">3</a>'
        ' <img src="cid:logo"></p>',
        subtype="html",
    )
    msg.get_payload()[1].add_related(b"\x89PNG...", "image", "png", cid="<logo>")
    msg.add_attachment(b"%PDF-1.4 data", maintype="application", subtype="pdf", filename="r.pdf")
    return msg.as_bytes()


def test_parsed_view_bodies_attachments_inline_and_links():
    view = parse(_multipart())
    assert view.text.startswith("Plain https://example.com/one")
    assert "<a href" in view.html
    assert [(a.filename, a.content_type, a.data) for a in view.attachments] == [
        ("r.pdf", "application/pdf", b"%PDF-1.4 data")
    ]
    assert [(i.content_type, i.content_id) for i in view.inline] == [("image/png", "logo")]
    assert view.links == (
        "https://example.com/one",
        "https://example.com/two",
        "https://example.com/three",
    )
    pdf = view.attachments[0]
    assert view.part(pdf.part_id) is pdf
    assert pdf.size == len(b"%PDF-1.4 data")


def test_parsed_view_degrades_on_broken_mime():
    raw = (
        b"Content-Type: multipart/mixed; boundary=nope\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"--other\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n\xff\xfe!!\r\n"
    )
    view = parse(raw)
    assert isinstance(view.text, str)
    assert view.attachments == () or all(isinstance(a.data, bytes) for a in view.attachments)


def test_unknown_charset_and_bad_base64_are_decoded_with_replacement():
    raw = (
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"SGVsbG8g!!!d29ybGQ=\r\n"
    )
    assert "Hello" in parse(raw).text


def test_find_urls_strips_trailing_punctuation():
    text = "see (https://a.example/x?y=1), then http://b.example/path."
    assert find_urls(text) == ["https://a.example/x?y=1", "http://b.example/path"]


# -- hostile headers (issue 17 findings 4 and 5): bounded work, never an exception -----------


def test_nested_comments_and_group_chains_degrade_to_raw_text():
    nested = b"From: " + b"(" * 600 + b"a" + b")" * 600 + b" <a@b.example>\r\n"
    groups = b"To: " + b"a:" * 3000 + b"b@c.example;\r\n"
    summary = summarize(nested + groups + b"Subject: still here\r\n\r\nbody\r\n")
    assert summary.subject == "still here"
    assert summary.from_ is not None and summary.from_.name.startswith("(((")
    assert summary.from_.address == ""
    assert summary.to[0].name.startswith("a:a:a:")


def test_huge_address_fields_are_cut_at_a_comma():
    from mailtrap.message import MAX_ADDRESSES

    raw = b"To: " + b"a," * 60000 + b"\r\nCc: " + b"x@y.example, " * 10 + b"\r\n\r\n"
    summary = summarize(raw)
    assert len(summary.to) == MAX_ADDRESSES
    assert all(a.address == "a" for a in summary.to)
    assert len(summary.cc) == 10


def test_two_thousand_named_recipients_are_all_kept():
    to = b",\r\n ".join(b'"User %d" <user%d@example.com>' % (i, i) for i in range(2000))
    summary = summarize(b"To: " + to + b"\r\nSubject: s\r\n\r\nbody\r\n")
    assert len(summary.to) == 2000
    assert summary.to[-1] == ("User 1999", "user1999@example.com")


def test_a_huge_subject_is_decoded_up_to_the_limit():
    from mailtrap.message import TEXT_LIMIT

    summary = summarize(b"Subject: " + b"=?utf-8?q?a?=" * 40000 + b"\r\n\r\nx\r\n")
    assert 0 < len(summary.subject) <= TEXT_LIMIT
    assert set(summary.subject) == {"a"}


def test_many_repeated_fields_and_junk_headers_cost_little():
    from mailtrap.message import HEADER_LIMIT

    raw = b"Subject: s\r\n" + b"X-Junk: 1\r\n" * 20_000 + b"To: a@b.example\r\n" * 50_000
    summary = summarize(raw + b"\r\n")
    assert summary.subject == "s"
    assert 0 < len(summary.to) <= 2500
    late = summarize(b"X-Junk: 1\r\n" * (HEADER_LIMIT // 11) + b"Subject: late\r\n\r\n")
    assert late.subject == ""  # past the part of the header block the summary reads


def test_large_values_are_not_memoised():
    from mailtrap.message import decode_words

    decode_words.cache_clear()
    decode_words("=?utf-8?q?big?= " * 1000)
    decode_words("=?utf-8?q?small?=")
    assert decode_words.cache_info().currsize == 1


# -- MIME part caps (issue 17 finding 6) -------------------------------------------------------


def test_a_flood_of_parts_stops_at_the_cap_and_the_rest_is_one_opaque_part():
    from mailtrap.mime import REST
    from mailtrap.mimetree import MAX_PARTS

    raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"--b\r\n\r\n" * 200_000
    view = parse(raw + b"--b--\r\n")
    # parts counted: the root, the text body, the attachments; then the rest as one more
    assert MAX_PARTS - 2 <= len(view.attachments) <= MAX_PARTS
    rest = view.attachments[-1]
    assert rest.part_id == REST and rest.content_type == "application/octet-stream"
    assert raw.endswith(rest.data[: -len(b"--b--\r\n")])  # the unparsed tail, byte for byte


def test_deep_nesting_stops_at_the_cap():
    # The walk stops splitting at MAX_DEPTH: the part there is one leaf holding the rest, with
    # the number IMAP gives it (mailtrap.mimetree), not a number of the view's own.
    from mailtrap.mimetree import MAX_DEPTH

    multipart = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(3000)
    )
    rfc822 = b"Content-Type: message/rfc822\r\n\r\n" * 3000
    deepest = {multipart: ".".join(["1"] * MAX_DEPTH), rfc822: "1"}  # message/rfc822: a leaf
    for raw, number in deepest.items():
        view = parse(raw + b"\r\nx\r\n")
        last = view.attachments[-1]
        assert last.part_id == number
        assert last.data.endswith(b"\r\nx\r\n") and len(last.data) < len(raw)


def test_hundreds_of_attachments_are_all_kept():
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"] = "many"
    message.set_content("hello")
    for n in range(500):
        message.add_attachment(b"%d" % n, "application", "octet-stream", filename=f"f{n}.bin")
    view = parse(message.as_bytes())
    assert [a.filename for a in view.attachments] == [f"f{n}.bin" for n in range(500)]
    assert view.text.strip() == "hello"


def test_the_header_view_of_a_huge_address_field_is_bounded():
    raw = b"To: " + b"a," * 60000 + b"\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\n\r\nx\r\n"
    headers = dict(parse(raw).headers)
    assert headers["Subject"] == "café"
    assert headers["To"].startswith("a,a,a,")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("alice@example.com", "alice@example.com"),
        ("Alice@EXAMPLE.COM", "Alice@example.com"),
        ("<bob@Example.org>", "bob@example.org"),
        ("  < carol@x.ORG >  ", "carol@x.org"),
        ('"odd@local"@Host.Example', '"odd@local"@host.example'),
        ("postmaster", "postmaster"),
        ("", ""),
    ],
)
def test_normalize_address(given, expected):
    assert normalize_address(given) == expected


def test_mailbox_key_ignores_case_of_local_part():
    assert mailbox_key("Alice@Example.com") == mailbox_key("alice@example.COM")
