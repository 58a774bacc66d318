"""SASL inputs every protocol must refuse alike (the rules of mailtrap.auth.credentials)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

#: PLAIN messages that break the rules: refused like a wrong password, by every protocol.
MALFORMED_PLAIN = [
    b"bob@example.com\0alice@example.com\0alice-pw",  # authzid is somebody else
    b"\0\0alice-pw",  # an empty identity
    b"\0" + b"a" * 244 + b"@example.com\0alice-pw",  # 256 octets
    b"\0alice@example.com\0alice\0pw",  # an embedded NUL
    b"\0alice@exa\0mple.com\0alice-pw",
    b"\0alice@example.com\0",  # no password
    b"\0\xff\xfe@example.com\0alice-pw",  # not UTF-8
]


def cram_md5_answer(challenge_line: bytes, name: str, password: bytes) -> bytes:
    """The client's answer (base64) to a ``+ <challenge>`` line of a CRAM-MD5 exchange (RFC
    2195), after checking the challenge has the msg-id form with the server's name."""
    challenge = base64.b64decode(challenge_line[2:].strip())
    assert re.fullmatch(rb"<[0-9a-f]+\.\d+@mail\.test>", challenge), challenge
    digest = hmac.new(password, challenge, hashlib.md5).hexdigest()
    return base64.b64encode(f"{name} {digest}".encode())
