"""The fast path for single text parts (body facts and the MIME view) gives what the full MIME
parse gives."""

from __future__ import annotations

import pytest

from mailtrap.facts import facts_of, parsed_facts
from mailtrap.mime import parse, parse_full

CASES = {
    "plain ascii": b"Subject: a\r\n\r\nHello World\r\nsecond line\r\n",
    "no content type, 8-bit": b"Subject: a\r\n\r\nGr\xc3\xbc\xc3\x9fe\r\n",
    "utf-8 charset": b"Content-Type: text/plain; charset=utf-8\r\n\r\nGr\xc3\xbc\xc3\x9fe \xff\r\n",
    "latin-1": b"Content-Type: text/plain; charset=iso-8859-1\r\n\r\nGr\xfc\xdfe\r\n",
    "unknown charset": b"Content-Type: text/plain; charset=x-bogus\r\n\r\nabc \xc3\xa9\r\n",
    "quoted-printable": (
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
        b"\r\n\r\ncaf=C3=A9 and a soft=\r\n break=3D\r\n"
    ),
    "base64": (
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8gYmFzZTY0\r\n"
    ),
    "html": (
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<html><head><title>T</title>"
        b"<style>p{}</style></head><body><p>Hi &amp; bye &#65;</p></body></html>\r\n"
    ),
    "blank plain": b"Subject: a\r\n\r\n   \r\n",
    "attachment disposition": (
        b"Content-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nx\r\n"
    ),
    "named part": b'Content-Type: text/plain; name="n.txt"\r\n\r\nx\r\n',
    "rfc 2231 charset": b"Content-Type: text/plain; charset*=utf-8''utf-8\r\n\r\nx\r\n",
    "no separator": b"Subject: a\r\nthis is not a header\r\nmore\r\n",
    "bare lf": b"Subject: a\n\nbody with bare lf\nline\n",
    "multipart": (
        b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain"
        b"\r\n\r\nplain\r\n--b\r\nContent-Type: text/html\r\n\r\n<b>html</b>\r\n--b--\r\n"
    ),
    "image": b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n",
    "long snippet": b"Subject: a\r\n\r\n" + b"word " * 200 + b"\r\n",
    "unknown encoding": b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 a\r\n",
    "empty": b"",
}


@pytest.mark.parametrize("name", CASES)
def test_fast_facts_equal_full_parse_facts(name):
    raw = CASES[name]
    assert facts_of(raw) == parsed_facts(parse_full(raw))


@pytest.mark.parametrize("name", CASES)
def test_fast_view_equals_full_parse_view(name):
    raw = CASES[name]
    assert parse(raw) == parse_full(raw)
