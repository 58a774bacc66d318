"""ENVELOPE (RFC 3501 7.4.2): header values as they are, addresses split, groups, defaults."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from handmade import msg

from mailtrap.protocols.imap.format import Joined
from mailtrap.protocols.imap.structure import (
    address_list,
    body_structure,
    envelope,
    message_structure,
)

GROUP_END = [None, None, None, None]


def env(*header_lines: str | bytes) -> list:
    return envelope(message_structure(msg(*header_lines, "", "body")))


def addresses(value: str | bytes) -> list | None:
    return address_list(value.encode() if isinstance(value, str) else value)


def field(*found: list) -> list:
    """An ENVELOPE address field: RFC 3501 9 ``"(" 1*address ")"``, the addresses side by side."""
    return [Joined(found)]


def test_all_ten_fields_in_order():
    m = EmailMessage()
    m["Date"] = "Fri, 27 Nov 2026 12:00:00 +0000"
    m["Subject"] = "Status"
    m["From"] = "Alice <alice@example.com>"
    m["Sender"] = "bot@example.com"
    m["Reply-To"] = "Replies <replies@example.com>"
    m["To"] = "bob@example.org, Carol <carol@example.org>"
    m["Cc"] = "dave@example.net"
    m["Bcc"] = "eve@example.net"
    m["In-Reply-To"] = "<parent@example.com>"
    m["Message-ID"] = "<child@example.com>"
    m.set_content("body")
    assert envelope(message_structure(bytes(m))) == [
        "Fri, 27 Nov 2026 12:00:00 +0000",
        "Status",
        field(["Alice", None, "alice", "example.com"]),
        field([None, None, "bot", "example.com"]),
        field(["Replies", None, "replies", "example.com"]),
        field([None, None, "bob", "example.org"], ["Carol", None, "carol", "example.org"]),
        field([None, None, "dave", "example.net"]),
        field([None, None, "eve", "example.net"]),
        "<parent@example.com>",
        "<child@example.com>",
    ]


def test_missing_headers_are_nil():
    assert env("X-Other: 1") == [None] * 10


def test_sender_and_reply_to_default_to_from():
    result = env("From: Alice <alice@example.com>")
    assert result[3] == result[4] == result[2] == field(["Alice", None, "alice", "example.com"])


def test_empty_sender_and_reply_to_default_to_from():
    result = env("From: a@example.com", "Sender:", "Reply-To: ")
    assert result[3] == result[4] == field([None, None, "a", "example.com"])


def test_present_reply_to_is_not_replaced():
    result = env("From: a@example.com", "Reply-To: r@example.com")
    assert result[3] == field([None, None, "a", "example.com"])
    assert result[4] == field([None, None, "r", "example.com"])


def test_encoded_words_are_kept_in_subject_and_names():
    m = EmailMessage()
    m["Subject"] = "Grüße"
    m["From"] = "Jörg <joerg@example.de>"
    m.set_content("x")
    result = envelope(message_structure(bytes(m)))
    assert result[1] == "=?utf-8?q?Gr=C3=BC=C3=9Fe?="
    assert result[2] == field(["=?utf-8?q?J=C3=B6rg?=", None, "joerg", "example.de"])


def test_folding_is_removed_but_whitespace_kept():
    result = env("Subject: a long", "\tsubject line", "To: a@example.com,", " b@example.com")
    assert result[1] == "a long\tsubject line"
    assert result[5] == field([None, None, "a", "example.com"], [None, None, "b", "example.com"])


def test_first_of_repeated_fields_wins():
    assert env("Subject: one", "Subject: two")[1] == "one"


def test_raw_utf8_subject_is_a_str():
    assert env("Subject: naïve".encode())[1] == "naïve"


def test_undecodable_8bit_subject_stays_bytes():
    assert env(b"Subject: caf\xe9")[1] == b"caf\xe9"


def test_empty_subject_is_an_empty_string():
    assert env("Subject:")[1] == ""


# --- address lists --------------------------------------------------------------------------


def test_addr_spec():
    assert addresses("user@example.com") == [[None, None, "user", "example.com"]]


def test_name_addr_with_quoted_display_name():
    assert addresses('"Doe, John" <john@example.com>') == [
        ["Doe, John", None, "john", "example.com"]
    ]


def test_quoted_name_with_escaped_quote():
    assert addresses(r'"say \"hi\"" <a@b.c>') == [['say "hi"', None, "a", "b.c"]]


def test_display_name_words_joined_with_single_spaces():
    assert addresses("John   Q. Public <jqp@example.com>") == [
        ["John Q. Public", None, "jqp", "example.com"]
    ]


def test_comment_beside_addr_spec_serves_as_name():
    assert addresses("jdoe@example.com (John Doe)") == [["John Doe", None, "jdoe", "example.com"]]


def test_comments_are_not_part_of_the_phrase():
    assert addresses("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>") == [
        ["Pete", None, "pete", "silly.test"]
    ]


def test_source_route_is_the_adl():
    assert addresses("<@relay.example,@hub.example:user@example.com>") == [
        [None, "@relay.example,@hub.example", "user", "example.com"]
    ]


def test_quoted_local_part():
    assert addresses('"john doe"@example.com') == [[None, None, "john doe", "example.com"]]


def test_domain_literal_host():
    assert addresses("user@[192.0.2.1]") == [[None, None, "user", "[192.0.2.1]"]]


def test_group_has_start_and_end_markers():
    # RFC 3501 7.4.2: start marker with NIL host, end marker with NIL mailbox and host
    assert addresses("Team: a@example.com, B <b@example.com>;") == [
        [None, None, "Team", None],
        [None, None, "a", "example.com"],
        ["B", None, "b", "example.com"],
        GROUP_END,
    ]


def test_empty_group():
    assert addresses("undisclosed-recipients:;") == [
        [None, None, "undisclosed-recipients", None],
        GROUP_END,
    ]


def test_group_between_plain_addresses():
    assert addresses("a@x.org, G: b@y.org;, c@z.org") == [
        [None, None, "a", "x.org"],
        [None, None, "G", None],
        [None, None, "b", "y.org"],
        GROUP_END,
        [None, None, "c", "z.org"],
    ]


def test_unterminated_group_is_closed():
    assert addresses("G: a@x.org") == [
        [None, None, "G", None],
        [None, None, "a", "x.org"],
        GROUP_END,
    ]


def test_address_without_domain_has_empty_host_not_nil():
    assert addresses("root") == [[None, None, "root", ""]]


def test_empty_list_entries_are_skipped():
    assert addresses("a@x.org,, ,b@y.org") == [
        [None, None, "a", "x.org"],
        [None, None, "b", "y.org"],
    ]


def test_no_address_is_nil():
    assert addresses("") is None
    assert addresses(" ,  ") is None


def test_8bit_display_name():
    assert addresses("Zoë <zoe@example.com>".encode()) == [["Zoë", None, "zoe", "example.com"]]
    assert addresses(b"Zo\xeb <zoe@example.com>") == [[b"Zo\xeb", None, "zoe", "example.com"]]


@pytest.mark.parametrize(
    "value",
    [
        "<<<",
        '"unterminated',
        "(((nested",
        "@",
        ":;:;",
        ";;;",
        ">",
        "a@b@c",
        "<a@b",
        "\\",
        "[unclosed",
        "name <> other",
        "=?utf-8?q?broken",
        "a:b:c:d;e;f",
    ],
)
def test_garbage_degrades_without_raising(value):
    found = addresses(value)
    assert found is None or all(isinstance(a, list) and len(a) == 4 for a in found)
    if found:  # groups stay balanced: as many end markers as start markers
        starts = sum(1 for a in found if a[3] is None and a[2] is not None)
        ends = sum(1 for a in found if a == GROUP_END)
        assert starts == ends


# --- message/rfc822 and value types ---------------------------------------------------------


def test_envelope_of_an_encapsulated_message():
    inner = msg("From: inner@example.com", "Subject: inside", "", "x")
    raw = msg("Subject: outside", "Content-Type: message/rfc822", "") + inner
    structure = message_structure(raw)
    assert envelope(structure)[1] == "outside"
    assert structure.root.message is not None
    inner_env = envelope(structure, structure.root.message)
    assert inner_env[1] == "inside"
    assert inner_env[2] == field([None, None, "inner", "example.com"])


def allowed_types(value: object) -> bool:
    if isinstance(value, list | Joined):
        return all(allowed_types(v) for v in value)
    return value is None or type(value) in (str, bytes, int)


def test_values_are_only_lists_joined_strings_bytes_ints_and_none():
    raw = msg(
        "From: G: a@x.org;",
        b"Subject: caf\xe9",
        "Content-Type: multipart/mixed; boundary=b",
        "",
        "--b",
        "Content-Type: message/rfc822",
        "Content-Language: en",
        "",
        "To: b@y.org",
        "",
        "inner",
        "--b--",
    )
    structure = message_structure(raw)
    assert allowed_types(envelope(structure))
    assert allowed_types(body_structure(structure, extensible=True))
