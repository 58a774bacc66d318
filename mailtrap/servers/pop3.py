"""The POP3 listener: moves bytes between asyncio streams and the sans-I/O POP3 engine.

Everything protocol-related is in :mod:`mailtrap.protocols.pop3`; this adapter adds what needs
I/O: STLS and implicit TLS (POP3S), the idle timeout (RFC 1939 section 3: a session idle that long
is closed without entering UPDATE, so nothing is deleted), a connection limit, and stop.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import weakref

from ..protocols.pop3 import NEED_DATA, Close, MaildropLocks, Pop3Connection, Send, StartTls
from ..protocols.pop3.replies import err
from ..store import MessageStore

log = logging.getLogger("mailtrap.pop3")

READ_SIZE = 65536
#: RFC 1939 section 3: an inactivity timer, if any, lasts at least 10 minutes.
DEFAULT_TIMEOUT = 600.0

# One lock table per store, so POP3 and POP3S sessions exclude each other (RFC 1939 section 8).
_LOCKS: weakref.WeakKeyDictionary[MessageStore, MaildropLocks] = weakref.WeakKeyDictionary()


def locks_for(store: MessageStore) -> MaildropLocks:
    """The maildrop locks shared by every POP3 listener over ``store``."""
    locks = _LOCKS.get(store)
    if locks is None:
        locks = _LOCKS[store] = MaildropLocks()
    return locks


class Pop3Server:
    """One listening POP3 socket: plain with optional STLS, or implicit TLS (POP3S)."""

    def __init__(
        self,
        store: MessageStore,
        *,
        hostname: str,
        timeout: float = DEFAULT_TIMEOUT,
        max_connections: int = 1000,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
    ) -> None:
        self.store = store
        self.locks = locks_for(store)
        self.hostname = hostname
        self.timeout = timeout
        self.max_connections = max_connections
        self._starttls = starttls
        self._implicit_tls = implicit_tls
        self._server: asyncio.Server | None = None
        #: live sessions: task -> its writer (so stop can abort the transport).
        self._sessions: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    async def start(self, sock: socket.socket) -> None:
        self._server = await asyncio.start_server(
            self._serve, sock=sock, ssl=self._implicit_tls, limit=READ_SIZE
        )

    async def stop(self) -> None:
        """Stop listening and end every session at once (a dropped session deletes nothing)."""
        if self._server is None:
            return
        self._server.close()
        sessions = dict(self._sessions)
        for writer in sessions.values():
            writer.transport.abort()
        if sessions:
            _, pending = await asyncio.wait(sessions, timeout=2)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._sessions) >= self.max_connections:
            # RFC 3206 section 4: SYS/TEMP, a temporary problem on the server side.
            writer.write(err("too many connections, try again later", "SYS/TEMP"))
            writer.close()
            return
        self._sessions[task] = writer
        connection = Pop3Connection(
            self.store,
            self.locks,
            hostname=self.hostname,
            tls_available=self._starttls is not None,
            tls_active=self._implicit_tls is not None,
        )
        try:
            await self._drive(connection, reader, writer)
        except (OSError, ssl.SSLError, TimeoutError, asyncio.IncompleteReadError):
            pass  # the client went away, stalled, or failed the TLS handshake
        except asyncio.CancelledError:
            # Only stop() cancels, and only a stuck session; asyncio's stream callback would
            # log a cancelled connection task as an error, so end it quietly.
            pass
        except Exception:
            log.exception("POP3 session failed")
        finally:
            connection.connection_lost()
            del self._sessions[task]
            await self._close(writer)

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
                await self._start_tls(writer, reader, event.data)
                connection.tls_started()
            elif isinstance(event, Close):
                return

    async def _start_tls(
        self, writer: asyncio.StreamWriter, reader: asyncio.StreamReader, reply: bytes
    ) -> None:
        assert self._starttls is not None
        # RFC 2595 section 4: plain text the client sent before our +OK must not be read as if
        # it came over TLS (CVE-2011-0411). From writing +OK to start_tls() pausing the plain
        # transport nothing yields to the loop, so what asyncio has buffered by then was sent
        # before the client saw +OK: drop it. (wait_for() would yield: use the handshake timeout.)
        writer.write(reply)
        reader._buffer.clear()  # type: ignore[attr-defined]
        await writer.start_tls(self._starttls, ssl_handshake_timeout=self.timeout)

    @staticmethod
    async def _close(writer: asyncio.StreamWriter) -> None:
        """Close after flushing what is queued (the QUIT reply); abort a client that won't read."""
        writer.close()
        try:
            async with asyncio.timeout(5):
                await writer.wait_closed()
        except (OSError, ssl.SSLError, TimeoutError):
            writer.transport.abort()

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        # A client that stops reading is as idle as one that stops writing.
        async with asyncio.timeout(self.timeout):
            await writer.drain()
