"""The part locator behind streamed downloads agrees with mailtrap.mime on numbers and bytes
(both read the core's one MIME walk, mailtrap.mimetree)."""

from __future__ import annotations

import base64
import quopri

import pytest

from mailtrap.api.parts import decoded_chunks, find_leaf, leaves
from mailtrap.mime import parse


def _mime_parts(raw: bytes) -> dict[str, bytes]:
    parsed = parse(raw)
    return {a.part_id: a.data for a in (*parsed.attachments, *parsed.inline)}


def _located(raw: bytes, chunk: int) -> dict[str, bytes]:
    return {leaf.part_id: b"".join(decoded_chunks(raw, leaf, chunk)) for leaf in leaves(raw)}


def _b64(data: bytes, width: int = 76) -> bytes:
    text = base64.b64encode(data)
    return b"\r\n".join(text[i : i + width] for i in range(0, len(text), width))


NESTED = (
    b"From: a@example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\npreamble text\r\n'
    b'--outer\r\nContent-Type: multipart/alternative; boundary="inner"\r\n\r\n'
    b"--inner\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
    b"--inner\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--inner--\r\n"
    b"--outer\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
    b'Content-Disposition: attachment; filename="bin.dat"\r\n\r\n'
    + _b64(bytes(range(256)) * 7, width=60)
    + b"\r\n--outer\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b'Content-Disposition: attachment; filename="note.txt"\r\n\r\n'
    + quopri.encodestring(("caf\u00e9 " * 200 + "\r\nend line\r\n").encode())
    + b"\r\n--outer\r\nContent-Type: message/rfc822\r\n"
    b'Content-Disposition: attachment; filename="fwd.eml"\r\n\r\n'
    b"Subject: inner\r\n\r\ninner body\r\n"
    b"--outer--\r\nepilogue\r\n"
)  # fmt: skip

LF_ONLY = NESTED.replace(b"\r\n", b"\n")

PREFIX_TRAP = (
    b'Content-Type: multipart/mixed; boundary="ab"\r\n\r\n'
    b"--ab\r\nContent-Type: text/plain\r\n\r\nbody\r\n--abc is not a boundary\r\n"
    b"--ab\r\nContent-Type: application/x-thing\r\n"
    b'Content-Disposition: attachment; filename="t.bin"\r\n\r\npayload\r\n--ab--\r\n'
)  # fmt: skip


@pytest.mark.parametrize("raw", [NESTED, LF_ONLY, PREFIX_TRAP], ids=["crlf", "lf", "prefix"])
@pytest.mark.parametrize("chunk", [7, 64, 65536])
def test_locator_matches_mime_parts(raw, chunk):
    expected = _mime_parts(raw)
    located = _located(raw, chunk)
    assert expected, "the sample must have attachments"
    assert set(expected) <= set(located)
    for part_id, data in expected.items():
        assert located[part_id] == data, part_id


def test_numbers_follow_imap_part_numbering():
    assert [leaf.part_id for leaf in leaves(NESTED)] == ["1.1", "1.2", "2", "3", "4"]
    assert find_leaf(NESTED, "4").content_type == "message/rfc822"
    assert find_leaf(NESTED, "2").filename == "bin.dat"
    assert find_leaf(NESTED, "9") is None


def test_message_attachment_is_served_as_received():
    leaf = find_leaf(NESTED, "4")
    assert b"".join(decoded_chunks(NESTED, leaf)) == b"Subject: inner\r\n\r\ninner body"


def test_single_part_and_headerless_messages():
    assert [leaf.part_id for leaf in leaves(b"Subject: x\r\n\r\nbody")] == ["1"]
    [leaf] = leaves(b"\r\nno headers at all")
    assert b"".join(decoded_chunks(b"\r\nno headers at all", leaf)) == b"no headers at all"


def test_broken_multipart_degrades_to_one_leaf():
    raw = b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\nno boundary ever appears\r\n'
    assert [leaf.part_id for leaf in leaves(raw)] == ["1"]


def test_unpadded_and_dirty_base64():
    raw = (
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"aGVs\r\n  bG8g*d2\r\n9ybGQ\r\n"
    )
    [leaf] = leaves(raw)
    assert b"".join(decoded_chunks(raw, leaf, 5)) == b"hello world"
