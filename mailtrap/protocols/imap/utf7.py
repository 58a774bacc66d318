"""Modified UTF-7 mailbox names (RFC 3501 5.1.3), both ways.

Printable US-ASCII stands for itself except ``&``, written ``&-``; any other run of characters
is UTF-16BE in base64 (``,`` for ``/``, no padding) between ``&`` and ``-``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import binascii


def encode_utf7(name: str) -> bytes:
    """The modified UTF-7 form of a folder name."""
    out = bytearray()
    run: list[str] = []

    def flush() -> None:
        if run:
            data = "".join(run).encode("utf-16-be")
            out.extend(b"&" + base64.b64encode(data).rstrip(b"=").replace(b"/", b",") + b"-")
            run.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.extend(b"&-" if char == "&" else char.encode("ascii"))
        else:
            run.append(char)
    flush()
    return bytes(out)


def decode_utf7(name: bytes) -> str:
    """The folder name a modified UTF-7 name stands for; ValueError when it is malformed.

    Malformed: 8-bit or control octets, an unterminated or empty-but-not-``&-`` shift, base64
    that does not decode to UTF-16, or a shift that encodes only printable ASCII (RFC 3501
    5.1.3 requires those to stand for themselves, so each name has one spelling).
    """
    out: list[str] = []
    i = 0
    while i < len(name):
        octet = name[i]
        if not 0x20 <= octet <= 0x7E:
            raise ValueError("mailbox names are 7-bit printable in modified UTF-7")
        if octet != 0x26:  # "&"
            out.append(chr(octet))
            i += 1
            continue
        end = name.find(b"-", i + 1)
        if end < 0:
            raise ValueError("unterminated modified UTF-7 shift")
        encoded = name[i + 1 : end]
        i = end + 1
        if not encoded:
            out.append("&")
            continue
        out.append(_decode_run(encoded))
    return "".join(out)


def _decode_run(encoded: bytes) -> str:
    padded = encoded.replace(b",", b"/") + b"=" * (-len(encoded) % 4)
    try:
        data = base64.b64decode(padded, validate=True)
        text = data.decode("utf-16-be")
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("bad modified UTF-7 run") from None
    if any(0x20 <= ord(char) <= 0x7E for char in text):
        raise ValueError("printable ASCII must not be encoded")
    if encode_utf7(text)[1:-1] != encoded:
        raise ValueError("modified UTF-7 run is not in its one canonical form")
    return text
