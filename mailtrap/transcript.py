"""SMTP transcripts: the dialogue that delivered a message, recorded cheaply and stored compactly.

A :class:`Recorder` follows one SMTP connection: the server layer hands it every command line
and reply, with AUTH secrets already masked, and it keeps them with their times — never the
message itself (neither DATA's lines nor BDAT's chunks reach it). When a message is delivered,
:meth:`Recorder.delivered` encodes its transcript: the connection's opening (greeting, EHLO, TLS,
AUTH: everything before the first MAIL) and the lines since the previous delivery on the same
connection, then the end of the data and the reply that accepted it. Each of the two parts keeps
at most :data:`PART_LIMIT` octets of lines; lines past that are counted, not kept, so a
transcript never exceeds 8 KB of text, whatever a client sends.

The encoding is text, one record per line, compressed with zlib against a preset dictionary of
common SMTP lines (a typical transcript of 20 lines takes about 100 bytes)::

    <start, µs since the epoch> <client address>
    t<TLS protocol and cipher>         (when TLS is on)
    i<µs since the previous record> <a line the client sent>
    o<µs ...> <a line the server sent>
    d<µs ...>                          (the "." that ended DATA)
    q<µs ...>                          (the reply that accepted the message)
    x<number of lines not kept>

:func:`decode` turns it back into :class:`Line` records for the HTTP API.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field

#: Text kept of each part of a transcript (opening; this message's transaction).
PART_LIMIT = 4096
#: Longest line kept; a longer one is cut (command lines are limited far below this anyway).
LINE_LIMIT = 1000
MASK = b"********"
_FORMAT = b"\x01"  # raw deflate against _DICTIONARY, below
_DICTIONARY = (
    b"o1 334 VXNlciBOYW1lAA==\no1 334 UGFzc3dvcmQA\ni1 AUTH LOGIN\ni1 AUTH PLAIN ********\n"
    b"o1 235 2.7.0 Authentication successful\ni1 STARTTLS\no1 220 Ready to start TLS\n"
    b"i1 RSET\ni1 NOOP\ni1 QUIT\no1 221 Bye\no1 500 Error: bad syntax\n"
    b"o1 503 Error: need RCPT command\no1 553 5.1.3 Error: malformed address\n"
    b"o1 552 Error: Too much mail data\ni1 BDAT 1024 LAST\no1 250 2.0.0 OK: 1024 octets received\n"
    b" BODY=8BITMIME SIZE=1024 SMTPUTF8 BODY=BINARYMIME\n"
    b"1700000000000000 127.0.0.1:50000\nTLSv1.3 TLS_AES_256_GCM_SHA384\n"
    b"o1 220 localhost mailtrap 0.1.0 ESMTP\ni1 EHLO localhost\no1 250-localhost\n"
    b"o1 250-SIZE 26214400\no1 250-8BITMIME\no1 250-SMTPUTF8\no1 250-AUTH LOGIN PLAIN\n"
    b"o1 250-PIPELINING\no1 250-CHUNKING\no1 250-BINARYMIME\no1 250 HELP\n"
    b"i1 MAIL FROM:<app@example.com>\no1 250 OK\ni1 RCPT TO:<user@example.com>\no1 250 OK\n"
    b"i1 DATA\no1 354 End data with <CR><LF>.<CR><LF>\nd1\nq1\n"
)


def queued_reply(message_id: str) -> str:
    """The reply that accepts a message (sent by the SMTP server, shown in transcripts)."""
    return f"250 OK: queued as {message_id}"


class Recorder:
    """The lines of one SMTP connection, with their times, ready to encode per delivered message."""

    __slots__ = (
        "_accepted",
        "_head",
        "_last",
        "_omitted",
        "_opened",
        "_opening",
        "_opening_last",
        "_opening_size",
        "_start",
        "_transaction",
        "_transaction_size",
        "tls",
    )

    def __init__(self, client: str, tls: str | None = None) -> None:
        self._start = time.monotonic()
        self._head = b"%d %s\n" % (time.time_ns() // 1000, client.encode("utf-8", "replace"))
        self.tls = tls
        self._opening: list[bytes] = []
        self._transaction: list[bytes] = []
        self._opening_size = self._transaction_size = 0
        self._omitted = [0, 0]
        self._opened = False  # True from the first MAIL on: lines belong to a transaction
        self._last = self._opening_last = 0
        self._accepted = False  # the reply accepting a message is in its transcript already

    def _record(self, kind: bytes, text: bytes) -> None:
        now = int((time.monotonic() - self._start) * 1_000_000)
        if len(text) > LINE_LIMIT:
            text = text[:LINE_LIMIT] + b"..."
        record = b"%s%d %s\n" % (kind, now - self._last, text)
        if self._opened:
            if self._transaction_size + len(record) > PART_LIMIT:
                self._omitted[1] += 1
                return
            self._transaction.append(record)
            self._transaction_size += len(record)
        else:
            if self._opening_size + len(record) > PART_LIMIT:
                self._omitted[0] += 1
                return
            self._opening.append(record)
            self._opening_size += len(record)
            self._opening_last = now
        self._last = now

    def client(self, line: bytes) -> None:
        """A line the client sent (line ending included or not); AUTH arguments are masked."""
        line = line.rstrip(b"\r\n")
        if not self._opened and line[:4].upper() == b"MAIL":
            self._opened = True
        self._record(b"i", line)

    def secret(self, line: bytes) -> None:
        """A line of an AUTH exchange: only a cancelling ``*`` is kept as sent."""
        self._record(b"i", b"*" if line.strip() == b"*" else MASK)

    def server(self, reply: str | bytes) -> None:
        """A reply line (or lines) the server sent."""
        text = reply.encode("utf-8", "surrogateescape") if isinstance(reply, str) else reply
        if self._accepted:
            self._accepted = False
            if text.startswith(b"250"):
                return
        for line in text.split(b"\r\n"):
            self._record(b"o", line)

    def delivered(self, data_end: bool) -> bytes:
        """The encoded transcript of the message just accepted; ``data_end``: it came by DATA.

        The transaction part then starts again, empty, for the next message.
        """
        now = int((time.monotonic() - self._start) * 1_000_000)
        tail = b"d%d\n" % (now - self._last) if data_end else b""
        tail += b"q%d\n" % (0 if data_end else now - self._last)
        parts = [self._head]
        if self.tls:
            parts.append(b"t%s\n" % self.tls.encode())
        parts += self._opening
        if self._omitted[0]:
            parts.append(b"x%d\n" % self._omitted[0])
        parts += self._transaction
        if self._omitted[1]:
            parts.append(b"x%d\n" % self._omitted[1])
        parts.append(tail)
        self._transaction = []
        self._transaction_size = self._omitted[1] = 0
        self._accepted = True
        # The next transaction's first record counts its time from the opening's last one.
        self._last = self._opening_last
        compressor = zlib.compressobj(
            6, zlib.DEFLATED, -12, 2, zlib.Z_DEFAULT_STRATEGY, _DICTIONARY
        )
        return _FORMAT + compressor.compress(b"".join(parts)) + compressor.flush()


@dataclass(frozen=True)
class Line:
    """One line of a transcript: when (seconds since the epoch), who sent it, and what."""

    time: float
    direction: str  # "in": from the client; "out": from the server
    text: str


@dataclass(frozen=True)
class Transcript:
    client: str
    tls: str | None
    lines: list[Line] = field(default_factory=list)
    #: Lines past the 8 KB limit that were counted but not kept.
    omitted: int = 0


def decode(blob: bytes, message_id: str) -> Transcript:
    """A stored transcript as lines; ``message_id`` fills in the accepting reply. ValueError."""
    if blob[:1] != _FORMAT:
        raise ValueError("unknown transcript format")
    try:
        text = zlib.decompressobj(-15, _DICTIONARY).decompress(blob[1:])
    except zlib.error as error:
        raise ValueError(f"damaged transcript: {error}") from None
    head, _, body = text.partition(b"\n")
    start_text, _, client = head.partition(b" ")
    start = int(start_text) / 1_000_000
    tls = None
    lines: list[Line] = []
    omitted = 0
    clock = 0
    for record in body.splitlines():
        kind = record[:1]
        if kind == b"t":
            tls = record[1:].decode("utf-8", "replace")
            continue
        if kind == b"x":
            omitted += int(record[1:])
            continue
        delta, _, rest = record[1:].partition(b" ")
        clock += int(delta)
        moment = start + clock / 1_000_000
        if kind == b"d":
            lines.append(Line(moment, "in", "."))
        elif kind == b"q":
            lines.append(Line(moment, "out", queued_reply(message_id)))
        else:
            direction = "in" if kind == b"i" else "out"
            lines.append(Line(moment, direction, rest.decode("utf-8", "replace")))
    return Transcript(client.decode("utf-8", "replace"), tls, lines, omitted)
