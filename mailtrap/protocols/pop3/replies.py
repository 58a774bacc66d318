"""Everything the POP3 server writes: status lines, multi-line responses, quoting, dot-stuffing.

This is the only place reply bytes are made. Status text is ours; anything that came from the
client goes through :func:`quote` first, so it can never end a line or forge another reply.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re

CRLF = b"\r\n"
#: RFC 2449 section 4: a status line is at most 512 octets, CRLF included.
MAX_STATUS = 512
_BARE_LF = re.compile(rb"(?<!\r)\n")
_UNSAFE = re.compile(r"[^\x21-\x7e]")
_QUOTE_LIMIT = 80


def quote(value: str) -> str:
    """A client-supplied string made safe for a status line: printable ASCII, bounded length.

    Anything else (spaces, controls, CR, LF, non-ASCII) becomes a ``\\xNN``-style escape.
    """
    if len(value) > _QUOTE_LIMIT:
        value = value[:_QUOTE_LIMIT] + "..."
    return _UNSAFE.sub(_escape, value)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _status(indicator: str, text: str, code: str | None) -> bytes:
    parts = [indicator]
    if code:
        # RFC 2449 section 8: the response code comes first, in brackets.
        parts.append(f"[{code}]")
    if text:
        parts.append(text)
    line = " ".join(parts).encode("ascii", "backslashreplace")
    line = line.replace(b"\r", b" ").replace(b"\n", b" ")[: MAX_STATUS - 2]
    return line + CRLF


def ok(text: str = "") -> bytes:
    """A positive status line, ``+OK text``."""
    return _status("+OK", text, None)


def err(text: str, code: str | None = None) -> bytes:
    """A negative status line, ``-ERR [CODE] text`` (code per RFC 2449 section 8 / RFC 3206)."""
    return _status("-ERR", text, code)


def continuation(challenge: str = "") -> bytes:
    """A SASL server challenge, ``+ base64`` (RFC 5034 section 4)."""
    return b"+ " + challenge.encode("ascii") + CRLF


def with_crlf(raw: bytes) -> bytes:
    """Stored message bytes with every line ending in CRLF and a final line end added.

    Only line ends change: a bare LF becomes CRLF (RFC 1939 section 3), nothing else is touched.
    """
    if b"\n" in raw and raw.count(b"\n") != raw.count(b"\r\n"):
        raw = _BARE_LF.sub(CRLF, raw)
    if raw and not raw.endswith(b"\n"):
        raw += CRLF
    return raw


def crlf_size(raw: bytes) -> int:
    """``len(with_crlf(raw))`` without building it."""
    size = len(raw) + raw.count(b"\n") - raw.count(b"\r\n")
    if raw and not raw.endswith(b"\n"):
        size += 2
    return size


def multiline(status: bytes, body: bytes) -> bytes:
    """A status line, then ``body`` (CRLF lines) dot-stuffed, then the terminating ``.``.

    RFC 1939 section 3: every line that starts with "." gets another one, the first included.
    """
    if body.startswith(b"."):
        body = b"." + body
    body = body.replace(b"\r\n.", b"\r\n..")
    return status + body + b".\r\n"


def listing(status: bytes, lines: list[str]) -> bytes:
    """A multi-line response made of short lines of our own (LIST, UIDL, CAPA)."""
    body = "".join(f"{line}\r\n" for line in lines).encode("ascii")
    return multiline(status, body)


def top(raw: bytes, lines: int) -> bytes:
    """The header block, the blank line and the first ``lines`` body lines (RFC 1939 section 7)."""
    message = with_crlf(raw)
    if message.startswith(CRLF):
        header_end = 0
    else:
        header_end = message.find(b"\r\n\r\n")
        if header_end < 0:
            return message
        header_end += 2
    start = header_end + 2
    end = start
    for _ in range(lines):
        nxt = message.find(b"\r\n", end)
        if nxt < 0:
            break
        end = nxt + 2
    return message[:end]
