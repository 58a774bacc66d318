"""SMTP transcripts: the dialogue that delivered a message, recorded cheaply and stored compactly.

A :class:`Recorder` follows one SMTP connection: the server layer hands it every command line
and reply, with AUTH secrets already masked, and it keeps them with their times — never the
message itself (neither DATA's lines nor BDAT's chunks reach it). When a message is delivered,
:meth:`Recorder.delivered` encodes its transcript: the connection's opening (greeting, EHLO, TLS,
AUTH: everything before the first MAIL) and the lines since the previous delivery on the same
connection, then the end of the data and the reply that accepted it. Each of the two parts keeps
at most :data:`PART_LIMIT` octets of lines; lines past that are counted, not kept, so a
transcript never holds more than 8 KB of text, whatever a client sends.

Recording costs a few appends a line; encoding is mostly C (joins, one deflate), because it
runs for every message: the opening is compressed once per connection, at its first delivery,
and each message continues from a copy of that compressor. The text, compressed (raw deflate)
against a preset dictionary of common SMTP lines, is two sections, opening and transaction::

    <start, µs since the epoch> <client address>
    <kinds: one letter a line, i (client) o (server) q (accepting reply)> <lines not kept> [TLS]
    <µs since the line before, comma-separated>
    <the client's lines, each ending in a line feed>
    <the server's lines, each ending in a line feed>

(the transaction's first line carries the TLS protocol and cipher in force, if any). A typical
transcript of 20 lines takes about 120 bytes. :func:`decode` turns it back into :class:`Line`
records for the HTTP API.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

#: Text kept of each part of a transcript (opening; this message's transaction).
PART_LIMIT = 4096
#: Longest line kept; a longer one is cut (command lines are limited far below this anyway).
LINE_LIMIT = 1000
MASK = b"********"
_FORMAT = b"\x02"  # raw deflate against _DICTIONARY, below
_DICTIONARY = (
    b"AUTH LOGIN\nAUTH PLAIN ********\n********\n334 VXNlciBOYW1lAA==\n334 UGFzc3dvcmQA\n"
    b"235 2.7.0 Authentication successful\nSTARTTLS\n220 Ready to start TLS\n"
    b"RSET\nNOOP\nQUIT\n221 Bye\n500 Error: bad syntax\n503 Error: need RCPT command\n"
    b"553 5.1.3 Error: malformed address\n552 Error: Too much mail data\n"
    b"BDAT 1024 LAST\n250 2.0.0 OK: 1024 octets received\n"
    b" BODY=8BITMIME SIZE=1024 SMTPUTF8 BODY=BINARYMIME\n TLSv1.3 TLS_AES_256_GCM_SHA384\n"
    b"1700000000000000 127.0.0.1:50000\noioooooooooo 0\n150,230,50,3,2,2,2,2,2,2,2\n"
    b"EHLO localhost\n220 localhost mailtrap 0.1.0 ESMTP\n250-localhost\n250-SIZE 26214400\n"
    b"250-8BITMIME\n250-SMTPUTF8\n250-AUTH LOGIN PLAIN\n250-PIPELINING\n250-CHUNKING\n"
    b"250-BINARYMIME\n250 HELP\nioioioiq 0\n80000,35,90,30,80,30,400,0\n"
    b"MAIL FROM:<app@example.com>\nRCPT TO:<user@example.com>\nDATA\n.\n"
    b"250 OK\n250 OK\n354 End data with <CR><LF>.<CR><LF>\n"
)
_monotonic = time.monotonic


def queued_reply(message_id: str) -> str:
    """The reply that accepts a message (sent by the SMTP server, shown in transcripts)."""
    return f"250 OK: queued as {message_id}"


class Recorder:
    """The lines of one SMTP connection, with their times, ready to encode per delivered message.

    A part (the opening, then each transaction) is four lists: a letter per line, the times,
    the client's lines, the server's lines.
    """

    __slots__ = (
        "_accepted",
        "_base",
        "_client",
        "_head",
        "_kinds",
        "_last",
        "_omitted",
        "_opened",
        "_prefix",
        "_server",
        "_size",
        "_start",
        "_times",
        "tls",
    )

    def __init__(self, client: str, tls: str | None = None) -> None:
        self._start = _monotonic()
        self._head = b"%d %s\n" % (time.time_ns() // 1000, client.encode("utf-8", "replace"))
        self.tls = tls
        self._opened = False  # True from the first MAIL on: lines belong to a transaction
        self._accepted = False  # the reply accepting a message is in its transcript already
        self._base: Any = None  # a compressor that has taken the opening (first MAIL on)
        self._prefix = b""  # what it made of it
        self._last = self._start  # the time of the opening's last line
        self._new_part()

    def _new_part(self) -> None:
        self._kinds = bytearray()
        self._times: list[float] = []
        self._client: list[bytes] = []
        self._server: list[str] = []
        self._size = self._omitted = 0

    def client(self, line: bytes) -> None:
        """A line the client sent (line ending included or not); mask AUTH arguments first."""
        if not self._opened and line[:4].upper() == b"MAIL":
            self._close_opening()
        if len(line) > LINE_LIMIT or line.find(b"\n", 0, -1) >= 0:
            line = line[:LINE_LIMIT].replace(b"\n", b" ") + b"..."
        if not line.endswith(b"\n"):
            line += b"\n"
        size = len(line)
        if self._size + size > PART_LIMIT:
            self._omitted += 1
            return
        self._size += size
        self._kinds.append(105)  # i
        self._times.append(_monotonic())
        self._client.append(line)

    def secret(self, line: bytes) -> None:
        """A line of an AUTH exchange: only a cancelling ``*`` is kept as sent."""
        self.client(b"*" if line.strip() == b"*" else MASK)

    def server(self, reply: str | bytes) -> None:
        """A reply line (or lines) the server sent."""
        if self._accepted:
            self._accepted = False
            if reply[:3] in ("250", b"250"):
                return
        if not isinstance(reply, str):
            reply = reply.decode("utf-8", "surrogateescape")
        if "\n" in reply:
            for line in reply.splitlines():
                self.server(line)
            return
        if len(reply) > LINE_LIMIT:
            reply = reply[:LINE_LIMIT] + "..."
        size = len(reply) + 1
        if self._size + size > PART_LIMIT:
            self._omitted += 1
            return
        self._size += size
        self._kinds.append(111)  # o
        self._times.append(_monotonic())
        self._server.append(reply)

    def _section(self, extra: bytes = b"") -> bytes:
        """The current part, encoded; its times count from the line before it (``_last``)."""
        times = [self._last, *self._times]
        deltas = ",".join([str(int((b - a) * 1_000_000)) for a, b in pairwise(times)])
        server = "\n".join(self._server) + "\n" if self._server else ""
        return b"%s %d%s\n%s\n%s%s" % (
            self._kinds,
            self._omitted,
            extra,
            deltas.encode(),
            b"".join(self._client),
            server.encode("utf-8", "surrogateescape"),
        )

    def _close_opening(self) -> None:
        """The first MAIL: compress the opening once; transactions continue from there."""
        self._opened = True
        opening = self._head + self._section()
        if self._times:
            self._last = self._times[-1]
        # A 2 KiB window and a small state: cheap to copy, and transcripts are short. Fixed
        # Huffman codes suit blocks this small: the output is smaller than with dynamic ones.
        self._base = zlib.compressobj(6, zlib.DEFLATED, -11, 1, zlib.Z_FIXED, _DICTIONARY)
        self._prefix = self._base.compress(opening) + self._base.flush(zlib.Z_SYNC_FLUSH)
        self._new_part()

    def delivered(self, data_end: bool) -> bytes:
        """The encoded transcript of the message just accepted; ``data_end``: it came by DATA.

        The transaction part then starts again, empty, for the next message.
        """
        if not self._opened:  # (a message always follows a MAIL; this keeps the format whole)
            self._close_opening()
        if data_end:
            self._kinds.append(105)
            self._times.append(_monotonic())
            self._client.append(b".\n")
        self._kinds.append(113)  # q: the reply accepting it
        self._times.append(self._times[-1] if data_end else _monotonic())
        section = self._section(b" " + self.tls.encode() if self.tls else b"")
        self._new_part()
        self._accepted = True
        compressor = self._base.copy()
        return _FORMAT + self._prefix + compressor.compress(section) + compressor.flush()


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
        text = zlib.decompressobj(-15, _DICTIONARY).decompress(blob[1:]).decode("utf-8", "replace")
        head, *rows = text.split("\n")
        start_text, _, client = head.partition(" ")
        clock = int(start_text) / 1_000_000
        lines: list[Line] = []
        tls, omitted = None, 0
        while rows and rows[0]:
            kinds, omitted_text, *tls_words = rows[0].split(" ")
            omitted += int(omitted_text)
            tls = " ".join(tls_words) or None
            deltas = [int(d) for d in rows[1].split(",")] if rows[1] else []
            said = kinds.count("i")
            heard = rows[2 : 2 + said]
            answered = iter(rows[2 + said : 2 + said + kinds.count("o")])
            rows = rows[2 + said + kinds.count("o") :]
            heard_lines = iter(heard)
            for kind, delta in zip(kinds, deltas, strict=True):
                clock += delta / 1_000_000
                if kind == "i":
                    lines.append(Line(clock, "in", next(heard_lines).rstrip("\r")))
                elif kind == "o":
                    lines.append(Line(clock, "out", next(answered)))
                else:
                    lines.append(Line(clock, "out", queued_reply(message_id)))
    except (zlib.error, ValueError, StopIteration) as error:
        raise ValueError(f"damaged transcript: {error}") from None
    return Transcript(client, tls, lines, omitted)
