"""SMTP capture: aiosmtpd's ``SMTP`` protocol, built on our loop, delivering into the store.

Differences from aiosmtpd's defaults, each deliberate:
- an explicit hostname (no ``getfqdn()`` DNS look-up at start), SMTPUTF8 and 8BITMIME on;
- AUTH (PLAIN, LOGIN, CRAM-MD5) is offered on plain connections too and checked by the one
  authenticator (in the default ``any`` mode every password works, so apps that always log in
  just work); ``--smtp-auth required`` answers ``530 5.7.0`` to MAIL first: see
  ``servers/smtp_auth.py``;
- DATA is read up to each ``.<CRLF>``, not a line at a time (:class:`DataReader`), and its lines
  may be as long as the size limit allows (aiosmtpd answers ``500 Line too long`` at 1,001
  octets, and a bare-LF message is one long "line" to it); command lines keep the small limit,
  so a client cannot make us buffer a huge command;
- a message over the size limit is answered ``552`` whichever way it is over, and nothing is stored;
- a connection limit, answered ``421`` (RFC 5321 3.8);
- fault-injection rules (``trap.fail(...)``) asked at every stage: see ``servers/faults.py``;
- PIPELINING (RFC 2920), in :mod:`.smtp_pipelining`; CHUNKING and BINARYMIME (RFC 3030), in
  :mod:`.smtp_chunking`; their EHLO keywords added by our ``smtp_EHLO`` (no ``handle_EHLO``
  hook: aiosmtpd would inspect its signature on every connection);
- each delivered message keeps the dialogue that delivered it, in :mod:`.smtp_transcript`.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import SMTP, Envelope, Session, syntax

from .._version import __version__
from ..auth import Authenticator
from ..faults import Faults
from ..store import Delivery, MessageStore
from ..transcript import queued_reply
from ..transcript_shared import Templates
from .connections import Connections
from .faults import FaultHooks, FaultInjection
from .smtp_address import FastAddresses
from .smtp_auth import AuthMixin, auth_options
from .smtp_chunking import KEYWORDS as CHUNKING
from .smtp_chunking import ChunkingMixin
from .smtp_pipelining import KEYWORD as PIPELINING
from .smtp_pipelining import PipeliningMixin
from .smtp_transcript import TranscriptMixin

if TYPE_CHECKING:
    from .committer import Committer

log = logging.getLogger("mailtrap.smtp")


class _DropLoginDataNotice(logging.Filter):
    """aiosmtpd logs a deprecation warning about its own ``login_data`` on every AUTH."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Session.login_data is deprecated")


logging.getLogger("mail.log").addFilter(_DropLoginDataNotice())

_COMMAND_LINE_LIMIT = SMTP.line_length_limit
#: aiosmtpd's reply to a DATA over the size limit (BDAT's says more: smtp_chunking.TOO_MUCH).
DATA_TOO_MUCH = "552 Error: Too much mail data"
#: EHLO keywords of the extensions our mixins add to aiosmtpd's.
EXTENSIONS = (PIPELINING, *CHUNKING)


class StoreHandler(FaultHooks):
    """aiosmtpd handler: every accepted message goes to the store, one mailbox per recipient."""

    def __init__(self, store: MessageStore, faults: Faults) -> None:
        self.store = store
        self.faults = faults
        # A store whose commit waits on a disk is written from another thread, so the loop
        # serves other connections meanwhile and concurrent deliveries share one commit.
        self._committer: Committer | None = None
        if store.blocking_writes:
            from .committer import Committer

            self._committer = Committer(store)

    def close(self) -> None:
        if self._committer is not None:
            self._committer.close()

    async def handle_DATA(self, server: CaptureSMTP, session: Session, envelope: Envelope) -> str:
        # The end of DATA, and the last BDAT chunk (servers/smtp_chunking.py) alike.
        if self.faults.active:
            refusal = await self.refusal_at_end(server, envelope)
            if refusal is not None:  # "" too: a silent hang-up
                return refusal
        raw = envelope.original_content or b""
        transcript = server.transcript(envelope)
        inboxes = server.authenticator.inboxes(envelope.rcpt_tos)  # aliases, catch-alls
        mail_from = envelope.mail_from or ""
        if self._committer is None:
            message = self.store.deliver(
                mail_from, envelope.rcpt_tos, raw, transcript=transcript, inboxes=inboxes
            )
        else:  # 250 only once the message is committed
            delivery = Delivery(mail_from, envelope.rcpt_tos, raw, transcript, inboxes)
            message = await self._committer.deliver(delivery)
        return queued_reply(message.id)


class DataReader:
    """DATA (RFC 5321 4.1.1.4) read up to each ``.<CRLF>`` in the stream, not a line at a time.

    aiosmtpd's own DATA asks its stream reader for one line at a time, with a log call and two
    joins a line: about 1,300 trips for a 100 KB message. This asks for everything up to the
    next ``.<CRLF>``, which ends the data only at the start of a line (else it is read on), so a
    message takes one read or a few. The answers are aiosmtpd's, but for the one reason to refuse
    the data: a message over the size limit, whether as a whole or as one line, is answered
    ``552`` (aiosmtpd answers ``500`` to a line past its 1,000-octet limit) and dropped as it
    arrives, so memory stays bounded. Just above aiosmtpd's ``SMTP``: chunking's rules and the
    fault stage come first, and the transcript's mixin has handed it the connection's own reader.
    """

    _reader: Any
    _writer: Any
    envelope: Any
    session: Any
    event_handler: Any
    push: Any
    data_size_limit: int | None
    #: DATA is read in pieces of at most about this many octets: no step holds the loop long.
    data_piece = 64 * 1024

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed():  # type: ignore[attr-defined]
            return
        if await self.check_auth_needed("DATA"):  # type: ignore[attr-defined]
            return
        envelope = self.envelope
        if not envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            content = await self._read_data()
        except asyncio.CancelledError:  # the connection was lost during DATA
            self._writer.close()
            raise
        if content is None:
            self._set_post_data_state()  # type: ignore[attr-defined]
            await self.push(DATA_TOO_MUCH)
            return
        envelope.content = envelope.original_content = content
        status = await self.event_handler.handle_DATA(self, self.session, envelope)
        self._set_post_data_state()  # type: ignore[attr-defined]
        await self.push(status)

    async def _read_data(self) -> bytes | None:
        """The message, less the dot that starts a line; None when it is over the size limit
        (read to its end all the same)."""
        reader = self._reader
        limit = self.data_size_limit
        kept: list[bytes] = []
        size = 0
        before = b"\r\n"  # the stream's two octets before this piece: DATA's own line end first
        reader._limit = self.data_piece
        try:
            while True:
                try:
                    piece = await reader.readuntil(b".\r\n")
                except asyncio.LimitOverrunError as error:
                    piece = await reader.read(error.consumed)  # no ".\r\n" in it: all data
                    last = False
                else:  # RFC 5321 4.1.1.4: the data ends with a line of just "."
                    last = (before + piece[-5:])[-5:] == b"\r\n.\r\n"
                data = piece[:-3] if last else piece
                size += len(data)
                if limit and size > limit:
                    kept.clear()  # dropped as it comes: memory stays bounded
                else:
                    # RFC 5321 4.5.2: a line's first dot goes (a line may start in `before`)
                    if b"\r\n." in data or b"\r\n." in before + data[:2]:
                        data = (before + data).replace(b"\r\n.", b"\r\n")[2:]
                    kept.append(data)
                if last:
                    break
                before = (before + piece[-2:])[-2:]
        finally:
            reader._limit = _COMMAND_LINE_LIMIT
        return None if limit and size > limit else b"".join(kept)


class CaptureSMTP(
    AuthMixin,
    TranscriptMixin,
    ChunkingMixin,
    FaultInjection,
    FastAddresses,
    PipeliningMixin,
    DataReader,
    SMTP,
):
    """aiosmtpd's SMTP with our limits, connection tracking, our AUTH, faults, transcripts,
    chunking, pipelining, and a fast path for ordinary addresses.

    The mixins' order: the transcript sees DATA first (its lines are no part of it) and hands
    it the connection's own reader, chunking's rules refuse a DATA before the fault stage is
    asked, and DataReader reads the message in place of aiosmtpd's DATA; push() runs ours, then
    the faults' (the greeting, hanging up), then pipelining's, which writes (never aiosmtpd's).
    AUTH reads its responses through the transcript's reader, which masks them.
    """

    #: EHLO keywords to add before aiosmtpd's last EHLO line, while an EHLO is answered.
    _ehlo_keywords: tuple[str, ...] = ()

    _protocol_names: list[str] | None = None

    def __dir__(self) -> list[str]:
        # aiosmtpd's __init__ finds the smtp_* commands and auth_* mechanisms through dir() and
        # inspect.getmembers() on every connection, which costs ~150 us: list just those names,
        # computed once (the class does not change).
        cls = type(self)
        if cls._protocol_names is None:
            cls._protocol_names = [
                name for name in super().__dir__() if name.startswith(("smtp_", "auth_"))
            ]
        return list(cls._protocol_names)

    def __init__(
        self,
        handler: StoreHandler,
        connections: Connections,
        *,
        max_size: int,
        authenticator: Authenticator | None = None,
        smtp_auth: str = "optional",
        templates: Templates | None = None,
        **kwargs: Any,
    ) -> None:
        self._connections = connections
        self.transcript_templates = templates
        self._rejected = False
        self.faults = handler.faults
        self.authenticator = authenticator = authenticator or Authenticator()
        self.login_required = smtp_auth == "required"
        super().__init__(
            handler,
            data_size_limit=max_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            **auth_options(authenticator, smtp_auth),
            **kwargs,
        )
        # aiosmtpd built its reader with the command-line limit; a BDAT chunk may be as long as
        # the size limit allows (ChunkingMixin raises the reader's limit to this while it reads
        # one; DataReader reads DATA in pieces of its own size).
        self.line_length_limit = max_size + 3

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first_call = self._original_transport is None and self.transport is None
        if first_call and not self._connections.add(transport):
            # RFC 5321 3.8: a server that must not serve the client answers 421 and closes.
            self._rejected = True
            transport.write(b"421 4.7.0 Too many connections, try again later\r\n")  # type: ignore[attr-defined]
            transport.close()
            return
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self._rejected:
            return
        self._connections.discard(self._original_transport or self.transport)
        super().connection_lost(error)

    @syntax("EHLO hostname")
    async def smtp_EHLO(self, hostname: str) -> None:
        # The one EHLO path: the fault stage (FaultInjection), then aiosmtpd's reply with our
        # extensions' keywords before its last line (see push).
        self._ehlo_keywords = EXTENSIONS
        try:
            await super().smtp_EHLO(hostname)
        finally:
            self._ehlo_keywords = ()

    async def push(self, status: str | bytes) -> None:
        if self._ehlo_keywords and status == "250 HELP":  # aiosmtpd's last EHLO line
            for keyword in self._ehlo_keywords:
                await super().push(f"250-{keyword}")
        elif status == "250-AUTH ":  # --smtp-auth off: aiosmtpd would list AUTH with nothing
            return
        await super().push(status)


class SmtpServer:
    """One listening SMTP socket (plain with optional STARTTLS, or implicit TLS)."""

    def __init__(
        self,
        store: MessageStore,
        *,
        hostname: str,
        max_size: int,
        timeout: float,
        max_connections: int,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        faults: Faults | None = None,
        authenticator: Authenticator | None = None,
        smtp_auth: str = "optional",
    ) -> None:
        self._handler = StoreHandler(store, faults or Faults())
        self._authenticator = authenticator or Authenticator()
        self._smtp_auth = smtp_auth
        self._connections = Connections(max_connections)
        self._templates = Templates()  # shared by this server's transcripts
        self._implicit_tls = implicit_tls
        self._options = {
            "hostname": hostname,
            "ident": f"mailtrap {__version__} ESMTP",
            "max_size": max_size,
            "timeout": timeout,
            "tls_context": starttls,
        }
        self._server: asyncio.Server | None = None

    def _protocol(self) -> CaptureSMTP:
        return CaptureSMTP(
            self._handler,
            self._connections,
            authenticator=self._authenticator,
            smtp_auth=self._smtp_auth,
            templates=self._templates,
            loop=asyncio.get_running_loop(),
            **self._options,  # type: ignore[arg-type]
        )

    async def start(self, sock: Any) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, sock=sock, ssl=self._implicit_tls)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._connections.close_all()
            await self._server.wait_closed()
            self._server = None
        self._handler.close()
