"""SMTP transcripts for our aiosmtpd subclass: feed each connection's dialogue to a Recorder.

Commands are seen where aiosmtpd reads them: its stream reader is wrapped, for the connection's
life, in a :class:`RecordingReader` that records the lines aiosmtpd asks for by ``readuntil()``
(commands) and ``readline()`` (AUTH responses, masked) and passes everything else through. DATA
reads the unwrapped reader, and BDAT chunks are read with ``readexactly``/``read``, so a message
never reaches the transcript. Replies are recorded as ``push`` writes them (its ``replied``
hook); AUTH arguments are masked with aiosmtpd's own ``sanitize``. See
:mod:`mailtrap.transcript` for what is kept and how.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from aiosmtpd.smtp import Envelope, sanitize, syntax

from ..transcript import LINE_LIMIT, Recorder


class RecordingReader:
    """aiosmtpd's stream reader, recording the command and AUTH lines read through it."""

    __slots__ = ("_overlong", "inner", "recorder")

    def __init__(self, inner: asyncio.StreamReader, recorder: Recorder) -> None:
        object.__setattr__(self, "inner", inner)
        object.__setattr__(self, "recorder", recorder)
        object.__setattr__(self, "_overlong", False)

    async def readuntil(self, separator: bytes = b"\n") -> bytes:
        try:
            line = await self.inner.readuntil(separator)
        except asyncio.LimitOverrunError:
            # An over-long command: keep its start; aiosmtpd reads and refuses the rest.
            if not self._overlong:
                start = bytes(self.inner._buffer[:LINE_LIMIT])  # type: ignore[attr-defined]
                self.recorder.client(start + b"...")
                object.__setattr__(self, "_overlong", True)
            raise
        if self._overlong:  # the tail of that over-long line
            object.__setattr__(self, "_overlong", False)
        elif line[:4].upper() == b"AUTH":
            self.recorder.client(sanitize(line))
        else:
            self.recorder.client(line)
        return line

    async def readline(self) -> bytes:
        line = await self.inner.readline()  # aiosmtpd reads AUTH responses this way
        self.recorder.secret(line)
        return line

    # Everything else is the wrapped reader's: reads that are no command (DATA's lines, BDAT's
    # chunks) and the private members aiosmtpd and our mixins use. The ones used on every
    # message are spelled out, as a failed attribute look-up before __getattr__ costs a raise.
    def read(self, n: int = -1) -> Awaitable[bytes]:
        return self.inner.read(n)

    def readexactly(self, n: int) -> Awaitable[bytes]:
        return self.inner.readexactly(n)

    @property
    def _buffer(self) -> bytearray:
        return self.inner._buffer  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.inner, name, value)


def _tls(transport: asyncio.BaseTransport) -> str | None:
    ssl_object = transport.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    cipher = ssl_object.cipher()
    return " ".join(filter(None, (ssl_object.version(), cipher[0] if cipher else None)))


def _address(peer: Any) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        host, port = peer[0], peer[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(peer or "")


class TranscriptMixin:
    """Records each connection's dialogue; :meth:`transcript` encodes a delivered message's."""

    _reader: Any
    session: Any
    transcript_recorder: Recorder | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        recorder = self.transcript_recorder
        if recorder is None:
            recorder = self.transcript_recorder = Recorder(
                _address(transport.get_extra_info("peername")), _tls(transport)
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

    def transcript(self, envelope: Envelope) -> bytes | None:
        """The encoded transcript of the message in ``envelope``, as it is delivered."""
        recorder = self.transcript_recorder
        if recorder is None:
            return None
        return recorder.delivered(data_end=not getattr(envelope, "chunked", False))
