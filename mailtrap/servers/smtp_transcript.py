"""SMTP transcripts for our aiosmtpd subclass: feed each connection's dialogue to a Recorder.

Commands are seen where aiosmtpd reads them: its stream reader is wrapped, for the connection's
life, in a :class:`RecordingReader` that records the lines aiosmtpd asks for by ``readuntil()``
(commands) and ``readline()`` (AUTH responses, masked) and passes everything else through. DATA
reads the unwrapped reader, and BDAT chunks are read with ``readexactly``/``read``, so a message
never reaches the transcript. Replies are recorded as ``push`` writes them (its ``replied``
hook); AUTH arguments are masked with aiosmtpd's own ``sanitize``. See
:mod:`mailtrap.transcript` for what is kept and how.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from aiosmtpd.smtp import Envelope, sanitize, syntax

from ..transcript import LINE_LIMIT, Recorder
from ..transcript_shared import Encoded, Templates


class RecordingReader:
    """aiosmtpd's stream reader, recording the command and AUTH lines read through it.

    It has just the members aiosmtpd and our mixins use (tests/smtp/test_aiosmtpd_members.py
    pins aiosmtpd's): no ``__getattr__``, so that reading one of its own is a plain slot read.
    """

    __slots__ = ("_buffer", "_command", "_overlong", "inner", "recorder")

    def __init__(self, inner: asyncio.StreamReader, recorder: Recorder) -> None:
        self.inner = inner
        self.recorder = recorder
        self._command = recorder.command
        self._overlong = False
        #: The wrapped reader's buffer: the one bytearray it keeps for its life (asyncio only
        #: ever changes it in place; tests/smtp/test_aiosmtpd_members.py checks).
        self._buffer: bytearray = inner._buffer  # type: ignore[attr-defined]

    async def readuntil(self, separator: bytes = b"\n") -> bytes:
        try:
            line = await self.inner.readuntil(separator)
        except asyncio.LimitOverrunError:
            # An over-long command: keep its start; aiosmtpd reads and refuses the rest.
            if not self._overlong:
                start = bytes(self.inner._buffer[:LINE_LIMIT])  # type: ignore[attr-defined]
                self.recorder.client(start + b"...")
                self._overlong = True
            raise
        if self._overlong:  # the tail of that over-long line
            self._overlong = False
        elif line[:1] in _A and line[:4].upper() == b"AUTH":
            self.recorder.client(sanitize(line))
        else:
            self._command(line)
        return line

    async def readline(self) -> bytes:
        line = await self.inner.readline()  # aiosmtpd reads AUTH responses this way
        self.recorder.secret(line)
        return line

    # The wrapped reader's: reads that are no command (DATA's lines, BDAT's chunks) and the
    # private members aiosmtpd (STARTTLS) and our mixins use.
    def read(self, n: int = -1) -> Awaitable[bytes]:
        return self.inner.read(n)

    def readexactly(self, n: int) -> Awaitable[bytes]:
        return self.inner.readexactly(n)

    @property
    def _limit(self) -> int:
        return self.inner._limit  # type: ignore[attr-defined]

    @_limit.setter
    def _limit(self, limit: int) -> None:
        self.inner._limit = limit  # type: ignore[attr-defined]

    @property
    def _transport(self) -> asyncio.BaseTransport | None:
        return self.inner._transport  # type: ignore[attr-defined]

    @_transport.setter
    def _transport(self, transport: asyncio.BaseTransport) -> None:
        self.inner._transport = transport  # type: ignore[attr-defined]


#: (A tuple: ``in`` a bytes object would try its argument as an int first.)
_A = (b"A", b"a")


def _tls(transport: asyncio.BaseTransport) -> str | None:
    ssl_object = transport.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    cipher = ssl_object.cipher()
    return " ".join(filter(None, (ssl_object.version(), cipher[0] if cipher else None)))


class TranscriptMixin:
    """Records each connection's dialogue; :meth:`transcript` encodes a delivered message's."""

    _reader: Any
    session: Any
    transcript_recorder: Recorder | None = None
    #: The server's table of shared templates (see :mod:`mailtrap.transcript_shared`).
    transcript_templates: Templates | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        recorder = self.transcript_recorder
        if recorder is None:
            recorder = self.transcript_recorder = Recorder(
                transport.get_extra_info("peername"), _tls(transport), self.transcript_templates
            )
            self._reader = RecordingReader(self._reader, recorder)
            # push's hook (see smtp_pipelining) goes straight to the recorder: no call between
            self.replied = recorder.server  # type: ignore[method-assign]
        else:  # STARTTLS done: the same connection, now over TLS
            recorder.tls = _tls(transport)

    @syntax("DATA")
    async def smtp_DATA(self, arg: str | None) -> None:
        reader = self._reader
        if isinstance(reader, RecordingReader):
            self._reader = reader.inner  # message lines are no part of a transcript
        try:
            await super().smtp_DATA(arg)  # type: ignore[misc]
        finally:
            self._reader = reader

    def transcript(self, envelope: Envelope) -> Encoded | None:
        """The encoded transcript of the message in ``envelope``, as it is delivered."""
        recorder = self.transcript_recorder
        if recorder is None:
            return None
        return recorder.delivered(not getattr(envelope, "chunked", False))
