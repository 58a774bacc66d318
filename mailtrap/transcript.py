"""SMTP transcripts: the dialogue that delivered a message, recorded cheaply and kept compactly.

A :class:`Recorder` follows one SMTP connection: the server layer hands it every command line
and reply, with AUTH secrets already masked, and it keeps them with their times — never the
message itself (neither DATA's lines nor BDAT's chunks reach it). When a message is delivered,
:meth:`Recorder.delivered` encodes its transcript: the connection's opening (greeting, EHLO, TLS,
AUTH: everything before the first MAIL) and the lines since the previous delivery on the same
connection, then the end of the data and the reply that accepted it. Each of the two parts keeps
at most :data:`PART_LIMIT` octets of lines; lines past that are counted, not kept, so a
transcript never holds more than 8 KB of text, whatever a client sends.

Recording costs a few appends a line. At a delivery the text goes to the server's table of
shared templates and the message keeps a reference to one and a few bytes of its own (its times
and client port), or, the first time a text is seen, a self-contained compressed form: see
:mod:`mailtrap.transcript_shared`, which also describes the text. :func:`decode` turns either
back into :class:`Line` records for the HTTP API.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import time
import zlib
from typing import Any

from .record import Record
from .transcript_shared import Connection, Encoded, Part, Templates, text_of

#: Text kept of each part of a transcript (opening; this message's transaction).
PART_LIMIT = 4096
#: Longest line kept; a longer one is cut (command lines are limited far below this anyway).
LINE_LIMIT = 1000
MASK = b"********"
#: Lines recorded unchecked at most: then the limits are applied to them (see ``_check``).
CHECK_EVERY = 32
_monotonic_ns = time.monotonic_ns


def queued_reply(message_id: str) -> str:
    """The reply that accepts a message (sent by the SMTP server, shown in transcripts)."""
    return f"250 OK: queued as {message_id}"


class Recorder:
    """The lines of one SMTP connection, with their times, ready to encode per delivered message.

    ``client`` is ``"host:port"`` or the socket's peer address; ``templates`` the server's
    table of shared templates (without one, every transcript is self-contained).

    A part (the opening, then each transaction) is four lists: a letter per line, the times
    (ns, monotonic), the client's lines, the server's lines. Recording a line only appends to
    them: the limits (:data:`PART_LIMIT`, :data:`LINE_LIMIT`, one line a list item) are applied
    later, to the lines recorded since, when the part is done or :data:`CHECK_EVERY` lines
    have come (which bounds what a connection holds). Most parts need no change, as a few
    joins show (:meth:`_finish`); otherwise each line is taken in order (:meth:`_check`), to
    the same result. A transaction recorded as one before it (on this connection, or the
    server's last) has that one's text, told by comparing the lists.
    """

    __slots__ = (
        "_accepted",
        "_address",
        "_check_at",
        "_checked",
        "_client",
        "_connection",
        "_kinds",
        "_omitted",
        "_port",
        "_server",
        "_size",
        "_start",
        "_started",
        "_templates",
        "_times",
        "tls",
    )

    def __init__(
        self,
        client: str | tuple[Any, ...],
        tls: str | None = None,
        templates: Templates | None = None,
    ) -> None:
        self._started = _monotonic_ns()
        self._start = time.time_ns() // 1000  # µs since the epoch
        self._address, self._port = _client(client)
        self.tls = tls
        self._templates = templates
        self._accepted = False  # the next reply may be the one accepting the last message
        self._connection: Connection | None = None  # from the first MAIL on
        self._new_part()

    def _new_part(self) -> None:
        self._kinds = bytearray()
        self._times: list[int] = []
        self._client: list[bytes] = []
        self._server: list[str | bytes] = []
        self._checked = self._size = self._omitted = 0  # lines checked; their size; left out
        self._check_at = CHECK_EVERY

    def command(self, line: bytes) -> None:
        """A command line as read: one line, its line feed included; AUTH's masked first."""
        if self._connection is None and line[:4].upper() == b"MAIL":
            self._close_opening()
        if len(line) > LINE_LIMIT:
            self.client(line)
            return
        kinds = self._kinds
        kinds.append(105)  # i
        self._times.append(_monotonic_ns())
        self._client.append(line)
        if len(kinds) > self._check_at:
            self._check()

    def client(self, line: bytes) -> None:
        """A line the client sent (line ending included or not); mask AUTH arguments first."""
        if self._connection is None and line[:4].upper() == b"MAIL":
            self._close_opening()
        if len(line) > LINE_LIMIT or line.find(b"\n", 0, -1) >= 0:
            line = line[:LINE_LIMIT].replace(b"\n", b" ") + b"..."
        if not line.endswith(b"\n"):
            line += b"\n"
        self._kinds.append(105)
        self._times.append(_monotonic_ns())
        self._client.append(line)
        if len(self._kinds) > self._check_at:
            self._check()

    def secret(self, line: bytes) -> None:
        """A line of an AUTH exchange: only a cancelling ``*`` is kept as sent."""
        self.client(b"*" if line.strip() == b"*" else MASK)

    def server(self, reply: str | bytes) -> None:
        """A reply line (or lines) the server sent. (Each reply follows a line of the client's
        or starts the connection, so the client's lines bound how many wait unchecked.)"""
        if self._accepted:  # the reply after a delivery: the one accepting it, if a 250
            self._accepted = False
            if reply[:3] in ("250", b"250"):
                return
        self._kinds.append(111)  # o
        self._times.append(_monotonic_ns())
        self._server.append(reply)

    def _finish(self) -> Part:
        """The current part, checked: its kinds, lines left out, client lines, server lines."""
        if self._checked == 0:
            server = self._server
            try:
                replies = "\n".join(server)  # type: ignore[arg-type]
            except TypeError:  # a reply given as bytes
                pass
            else:
                lines = b"".join(self._client)
                count = len(server)
                size = len(lines) + len(replies) + 1 if count else len(lines)
                if (
                    size <= PART_LIMIT
                    and (count == 0 or replies.count("\n") == count - 1)
                    and (size <= LINE_LIMIT or max(map(len, server)) <= LINE_LIMIT)
                ):
                    return bytes(self._kinds), 0, self.tls, lines, replies
        self._check()
        replies = "\n".join(self._server)  # type: ignore[arg-type]
        return bytes(self._kinds), self._omitted, self.tls, b"".join(self._client), replies

    def _check(self) -> None:
        """Apply the limits to the lines recorded since the last check, one by one."""
        kinds, times, client, server = self._kinds, self._times, self._client, self._server
        start = self._checked
        first_client, first_server = kinds.count(105, 0, start), kinds.count(111, 0, start)
        lines = list(zip(kinds[start:], times[start:], strict=True))
        said, replies = iter(client[first_client:]), iter(server[first_server:])
        del kinds[start:], times[start:], client[first_client:], server[first_server:]
        size, omitted = self._size, self._omitted
        for kind, moment in lines:
            if kind == 105:
                line = next(said)
                if size + len(line) > PART_LIMIT:
                    omitted += 1
                    continue
                size += len(line)
                kinds.append(105)
                times.append(moment)
                client.append(line)
                continue
            reply = next(replies)
            if not isinstance(reply, str):
                reply = reply.decode("utf-8", "surrogateescape")
            for whole in reply.splitlines() if "\n" in reply else (reply,):
                text = whole[:LINE_LIMIT] + "..." if len(whole) > LINE_LIMIT else whole
                if size + len(text) + 1 > PART_LIMIT:
                    omitted += 1
                    continue
                size += len(text) + 1
                kinds.append(111)
                times.append(moment)
                server.append(text)
        self._size, self._omitted, self._checked = size, omitted, len(kinds)
        self._check_at = len(kinds) + CHECK_EVERY

    def _close_opening(self) -> Connection:
        """The first MAIL: the opening is done; transactions follow it."""
        lines: tuple[Any, ...] | None = (self._kinds, self._client, self._server)
        table = self._templates
        last = table.last() if table is not None else None
        if (
            last is not None
            and last.lines is not None
            and last.lines[0] == lines
            and self._checked == 0
            and last.key[:2] == self._address
        ):  # as the last shared transcript's opening
            opening = last.key[2]
        else:
            kinds, omitted, _, client, server = self._finish()
            opening = (kinds, omitted, None, client, server)
            if omitted or self._checked:
                lines = None
        connection = self._connection = Connection(
            table,
            self._address,
            self._port,
            self._start,
            opening,
            lines,
            [self._started, *self._times],
        )
        self._new_part()
        return connection

    def delivered(self, data_end: bool) -> Encoded:
        """The encoded transcript of the message just accepted; ``data_end``: it came by DATA.

        The transaction part then starts again, empty, for the next message.
        """
        now = _monotonic_ns()  # the data's end (the accepting reply's: the same, left out)
        connection = self._connection
        if connection is None:  # (a message always follows a MAIL; this keeps it whole)
            connection = self._close_opening()
        times = self._times
        lines = (self._kinds, self._client, self._server, self.tls, data_end)
        self._accepted = True
        if self._checked == 0:
            encoded = connection.again(lines, times, now)
            if encoded is not None:  # recorded as an earlier message: the same text
                self._kinds = bytearray()
                self._times = []
                self._client = []
                self._server = []
                return encoded
        kinds, omitted, tls, client, server = self._finish()
        clean = omitted == 0 and self._checked == 0
        if data_end:  # the end of the data, and the reply accepting the message
            transaction = (kinds + b"iq", omitted, tls, client + b".\n", server)
        else:
            transaction = (kinds + b"q", omitted, tls, client, server)
        times.append(now)
        self._new_part()
        return connection.encode(transaction, times, lines if clean else None)


def _client(client: str | tuple[Any, ...]) -> tuple[tuple[bytes, bool], bytes]:
    """A client's address as its text less the port and whether a port follows, and the port
    (2 octets, or none)."""
    if isinstance(client, tuple) and len(client) >= 2 and type(client[1]) is int:
        host = str(client[0])
        text = f"[{host}]:" if ":" in host else f"{host}:"
        return (text.encode("utf-8", "replace"), True), client[1].to_bytes(2, "big")
    address = str(client or "").encode("utf-8", "replace")
    host, colon, port = address.rpartition(b":")
    if colon and port.isdigit() and len(port) <= 5 and port[:1] != b"0" and int(port) < 65536:
        return (host + colon, True), int(port).to_bytes(2, "big")
    return (address, False), b""


class Line(Record):
    """One line of a transcript: when (seconds since the epoch), who sent it, and what."""

    time: float
    direction: str  # "in": from the client; "out": from the server
    text: str


class Transcript(Record):
    """A decoded transcript (for the HTTP API): the client, TLS in force, and the lines."""

    client: str
    tls: str | None
    lines: list[Line]
    #: Lines past the 8 KB limit that were counted but not kept.
    omitted: int = 0


def decode(encoded: Encoded, message_id: str) -> Transcript:
    """A kept transcript as lines; ``message_id`` fills in the accepting reply. ValueError."""
    try:
        text = text_of(encoded).decode("utf-8", "replace")
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
    except (zlib.error, ValueError, IndexError, StopIteration) as error:
        raise ValueError(f"damaged transcript: {error}") from None
    return Transcript(client, tls, lines, omitted)
