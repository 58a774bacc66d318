"""CHUNKING and BINARYMIME (RFC 3030) for our aiosmtpd subclass: ``BDAT`` and ``BODY=BINARYMIME``.

aiosmtpd has no BDAT and answers ``501`` to ``BODY=BINARYMIME``. This mixin adds both, reading
the chunks from aiosmtpd's stream reader. The rules it keeps:

- a chunk's octets follow its command line at once, so whenever the size parses they are read —
  kept, or discarded when the command fails — before the reply, and never taken for commands
  (RFC 3030 2: a failed BDAT's data is accepted and discarded; so are the chunks a pipelining
  client already sent after a failure);
- ``BDAT`` needs ``MAIL`` and an accepted ``RCPT`` (a pipelined ``BDAT`` after failed
  recipients is refused after its data is read); ``BDAT 0 LAST`` ends a message without data;
  a ``LAST`` chunk ends the transaction even when it is refused;
- ``DATA`` after ``BDAT`` in one transaction, and ``DATA`` for a ``BODY=BINARYMIME``
  transaction, are refused with ``503`` and the transaction is dropped;
- the size limit counts every chunk of the message: past it the reply is ``552``, the data is
  discarded as it arrives (memory stays bounded), and so are the message's later chunks;
- the stored message is the chunks joined, byte for byte: no dot-stuffing, no line rules.

aiosmtpd members used beyond its public interface (allowed for this issue, pinned in
pyproject.toml, and checked by tests/smtp/test_aiosmtpd_members.py): ``_reader`` (and the
stream reader's ``_limit``), ``_create_envelope``, ``_getparams``, ``_set_post_data_state``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from aiosmtpd.smtp import Envelope, syntax

#: The EHLO keywords this module implements.
KEYWORDS = ("CHUNKING", "BINARYMIME")

# RFC 3030 2: bdat-cmd ::= "BDAT" SP chunk-size [ SP end-marker ] CR LF
# (compiled on first use, by re's cache: most sessions never send BDAT)
_BDAT = r"(?i)([0-9]{1,18})(?: +(LAST))?"
#: Discarded chunk data is read (and dropped) in pieces of at most this many octets.
_DISCARD_PIECE = 64 * 1024
BDAT_SYNTAX = "501 5.5.4 Syntax: BDAT chunk-size [LAST]"
TOO_MUCH = "552 5.3.4 Error: Too much mail data"


class ChunkedEnvelope(Envelope):
    """aiosmtpd's envelope plus the BDAT chunks received so far."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[bytes] = []
        self.chunked_size = 0
        #: True once a BDAT command was given in this transaction.
        self.chunked = False
        #: The reply every further chunk gets after one failed (e.g. the 552 of a too-big message).
        self.failed: str | None = None

    @property
    def binary(self) -> bool:
        """``MAIL FROM`` declared ``BODY=BINARYMIME`` (aiosmtpd keeps options upper-cased)."""
        return "BODY=BINARYMIME" in self.mail_options


class ChunkingMixin:
    """``BDAT`` chunks, ``BODY=BINARYMIME``, and the RFC 3030 rules on mixing them with DATA."""

    _reader: Any
    envelope: ChunkedEnvelope | None
    session: Any
    event_handler: Any
    data_size_limit: int | None
    line_length_limit: int
    _grouped: bool

    def _create_envelope(self) -> ChunkedEnvelope:
        return ChunkedEnvelope()

    def _getparams(self, params: Sequence[str]) -> dict[str, str | bool] | None:
        result = super()._getparams(params)  # type: ignore[misc]
        if result is not None and result.get("BODY") == "BINARYMIME":
            # RFC 3030 3: BODY=BINARYMIME is allowed. aiosmtpd's MAIL accepts only 7BIT and
            # 8BITMIME, so it is shown one of those; the option itself stays in mail_options.
            result["BODY"] = "8BITMIME"
        return result

    @syntax("DATA")
    async def smtp_DATA(self, arg: str | None) -> None:
        envelope = self.envelope
        assert envelope is not None
        # RFC 3030 2: DATA and BDAT cannot be mixed in one transaction; 3: BINARYMIME needs BDAT.
        if envelope.chunked or envelope.binary:
            why = "BDAT was used" if envelope.chunked else "BODY=BINARYMIME needs BDAT"
            self._set_post_data_state()  # type: ignore[attr-defined]
            await self.push(f"503 5.5.1 Error: no DATA in this transaction ({why}); send RSET")
            return
        await super().smtp_DATA(arg)  # type: ignore[misc]

    @syntax("BDAT chunk-size [LAST]")
    async def smtp_BDAT(self, arg: str | None) -> None:
        match = re.fullmatch(_BDAT, arg or "")
        if match is None:
            await self.push(BDAT_SYNTAX)
            return
        size, last = int(match[1]), match[2] is not None
        envelope = self.envelope
        assert envelope is not None
        problem = self._chunk_problem(envelope, size)
        if problem is not None:
            if not await self._discard(size):
                return
            if last:  # the transaction is over, failed: the next MAIL starts afresh
                self._set_post_data_state()  # type: ignore[attr-defined]
            await self.push(problem)
            return
        await self._keep(envelope, size)
        if not last:
            self._grouped = True  # RFC 2920: replies to chunks before the last may go together
            try:
                await self.push(f"250 2.0.0 OK: {size} octets received")
            finally:
                self._grouped = False
            return
        envelope.content = envelope.original_content = b"".join(envelope.chunks)
        envelope.chunks.clear()
        status = await self.event_handler.handle_DATA(self, self.session, envelope)
        self._set_post_data_state()  # type: ignore[attr-defined]
        await self.push(status)

    def _chunk_problem(self, envelope: ChunkedEnvelope, size: int) -> str | None:
        """The reply refusing this chunk, or None to keep it."""
        if not self.session.host_name:
            return "503 5.5.1 Error: send EHLO first"
        if envelope.failed is not None:
            return envelope.failed
        if not envelope.rcpt_tos:
            return "503 5.5.1 Error: need RCPT command"
        limit = self.data_size_limit
        if limit and envelope.chunked_size + size > limit:
            envelope.failed = TOO_MUCH
            return TOO_MUCH
        return None

    async def _keep(self, envelope: ChunkedEnvelope, size: int) -> None:
        envelope.chunked = True
        if not size:
            return
        reader = self._reader
        # Like aiosmtpd's DATA, let the reader buffer a whole chunk before pausing the socket.
        before, reader._limit = reader._limit, self.line_length_limit
        try:
            envelope.chunks.append(await reader.readexactly(size))
        finally:
            reader._limit = before
        envelope.chunked_size += size

    async def _discard(self, size: int) -> bool:
        """Read and drop ``size`` octets; False when the connection ended first."""
        reader = self._reader
        while size > 0:
            piece = await reader.read(min(size, _DISCARD_PIECE))
            if not piece:
                return False
            size -= len(piece)
        return True

    push: Any
