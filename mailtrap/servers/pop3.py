"""The POP3 listener: moves bytes between asyncio streams and the sans-I/O POP3 engine.

Everything protocol-related is in :mod:`mailtrap.protocols.pop3`; this adapter adds what needs
I/O: STLS and implicit TLS (POP3S), the idle timeout (RFC 1939 section 3: a session idle that long
is closed without entering UPDATE, so nothing is deleted), a connection limit, and stop.
"""

from __future__ import annotations

import asyncio
import ssl

from ..auth import Authenticator
from ..protocols.pop3 import (
    NEED_DATA,
    CheckLogin,
    Close,
    MaildropLocks,
    Pop3Connection,
    Send,
    StartTls,
)
from ..protocols.pop3.replies import err
from ..store import MessageStore
from .stream import READ_SIZE, StreamServer

#: RFC 1939 section 3: an inactivity timer, if any, lasts at least 10 minutes.
DEFAULT_TIMEOUT = 600.0


class Pop3Server(StreamServer):
    """One listening POP3 socket: plain with optional STLS, or implicit TLS (POP3S)."""

    protocol = "POP3"

    def __init__(
        self,
        store: MessageStore,
        *,
        hostname: str,
        locks: MaildropLocks | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_connections: int = 1000,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        authenticator: Authenticator | None = None,
    ) -> None:
        super().__init__(
            timeout=timeout,
            max_connections=max_connections,
            starttls=starttls,
            implicit_tls=implicit_tls,
            authenticator=authenticator,
        )
        self.store = store
        # Shared by the POP3 and POP3S listeners of one runtime (RFC 1939 section 8).
        self.locks = locks if locks is not None else MaildropLocks()
        self.hostname = hostname

    def too_many_connections(self) -> bytes:
        # RFC 3206 section 4: SYS/TEMP, a temporary problem on the server side.
        return err("too many connections, try again later", "SYS/TEMP")

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = Pop3Connection(
            self.store,
            self.locks,
            hostname=self.hostname,
            authenticator=self.authenticator,
            tls_available=self._starttls is not None,
            tls_active=self._implicit_tls is not None,
        )
        try:
            await self._drive(connection, reader, writer)
        finally:
            connection.connection_lost()  # a dropped session deletes nothing

    async def _drive(
        self,
        connection: Pop3Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        await self._send(writer, connection.greeting())
        while True:
            event = connection.next_event()
            if event is NEED_DATA:
                # A silent client is logged out without UPDATE (TimeoutError ends the session).
                async with asyncio.timeout(self.timeout):
                    data = await reader.read(READ_SIZE)
                connection.receive_data(data)
            elif isinstance(event, Send):
                await self._send(writer, event.data)
            elif isinstance(event, StartTls):
                writer.write(event.data)  # the +OK, then the upgrade with nothing in between
                await self.start_tls(reader, writer)
                connection.tls_started()
            elif isinstance(event, CheckLogin):
                connection.checked(await self.check(event.check, writer))
            elif isinstance(event, Close):
                return

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        # A client that stops reading is as idle as one that stops writing.
        async with asyncio.timeout(self.timeout):
            await writer.drain()
