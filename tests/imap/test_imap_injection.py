"""Response injection: nothing a client (or a message) contains can forge a response line."""

from __future__ import annotations

import re

import pytest

FORGED = b"* OK [ALERT] forged"


def response_lines(data: bytes) -> list[bytes]:
    """The response lines of a stream; literal contents are skipped, as a client reads them."""
    found, position = [], 0
    while position < len(data):
        end = data.index(b"\r\n", position)
        line = data[position:end]
        position = end + 2
        found.append(line)
        while match := re.search(rb"\{(\d+)\}\Z", line):
            position += int(match.group(1))  # the literal's octets are data, not lines
            end = data.index(b"\r\n", position)
            line = data[position:end]
            found[-1] += b"..." + line
            position = end + 2
    return found


def assert_not_forged(data: bytes, tags: set[bytes]) -> None:
    for line in response_lines(data):
        head = line.split(b" ", 1)[0]
        assert head in tags | {b"*", b"+"}, line
        assert not line.startswith(FORGED), line


HOSTILE = [
    b"a SELECT {22+}\r\nx\r\n* OK [ALERT] forged\r\n",
    b"a STATUS {22+}\r\nx\r\n* OK [ALERT] forged (MESSAGES)\r\n",
    b'a LIST "" {22+}\r\nx\r\n* OK [ALERT] forged\r\n',
    b"a SUBSCRIBE {22+}\r\nx\r\n* OK [ALERT] forged\r\n",
    b"a SEARCH SUBJECT {22+}\r\nx\r\n* OK [ALERT] forged\r\n",
    b"a SEARCH CHARSET {22+}\r\nx\r\n* OK [ALERT] forged ALL\r\n",
    b"a FETCH 1 BODY.PEEK[HEADER.FIELDS ({22+}\r\nx\r\n* OK [ALERT] forged)]\r\n",
    b'a ID ({22+}\r\nx\r\n* OK [ALERT] forged "v")\r\n',
    b"a LOGIN {22+}\r\nx\r\n* OK [ALERT] forged pw\r\n",
    b"a FROB {22+}\r\nx\r\n* OK [ALERT] forged\r\n",
    b"a\x00b NOOP\r\n",
]


@pytest.mark.parametrize("data", HOSTILE)
def test_client_strings_never_forge_a_line(client, deliver, data):
    deliver()
    one = client().select()
    out = one.send(data)
    assert out
    assert_not_forged(out, {b"a"})
    assert one.command("z NOOP")[-1] == b"z OK NOOP completed"


def test_tag_with_crlf_cannot_be_sent(client):
    one = client()
    out = one.send(b"* OK [ALERT] forged\r\n")
    assert out == b"* BAD Syntax error: missing or invalid tag\r\n"


def test_message_headers_never_forge_a_line(client, deliver):
    deliver(
        b'Subject: hi\r\n * OK [ALERT] forged\r\nFrom: "x\r\n * OK" <a@b>\r\n'
        b'Content-Type: text/plain; name="a\r\n * OK [ALERT] forged"\r\n\r\nbody\r\n'
    )
    one = client().select()
    out = one.send(b"a FETCH 1 (ENVELOPE BODYSTRUCTURE BODY[HEADER] RFC822.SIZE)\r\n")
    assert_not_forged(out, {b"a"})
    assert out.endswith(b"a OK FETCH completed\r\n")


def test_user_name_is_never_echoed_raw(client):
    one = client()
    out = one.send(b"a LOGIN {22+}\r\nx\r\n* OK [ALERT] forged pw\r\n")
    assert out.startswith(b"a NO [AUTHENTICATIONFAILED]")
