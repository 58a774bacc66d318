"""What the POP3 and IMAP listeners share: asyncio streams on a bound socket, a connection limit,
the one drive loop that moves bytes between a socket and a protocol engine (the connection
contract of :mod:`mailtrap.protocols.contract`), checking logins (the authenticator off the
loop when a hash is involved, the failure delay: :mod:`mailtrap.logins`), the idle timeout,
sessions that end quietly when the client goes away, STARTTLS without a plaintext-injection
hole, closing that flushes and then aborts, and a stop that ends every session at once.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl

from .. import logins
from ..auth import Authenticator
from ..logins import peer_host
from ..priority import WritesFirst
from ..protocols import Connection

log = logging.getLogger("mailtrap.servers")

READ_SIZE = 65536


class Client:
    """One connected client: its engine, its writer, and whether it waits for input."""

    __slots__ = ("connection", "reading", "writer")

    def __init__(self, connection: Connection, writer: asyncio.StreamWriter) -> None:
        self.connection = connection
        self.writer = writer
        #: True while the drive loop waits for input: no command is running.
        self.reading = False


class StreamServer:
    """One listening socket serving sessions over asyncio streams; subclasses implement
    :meth:`connection` (a new engine) and :meth:`too_many_connections` (the refusal line)."""

    #: Names the protocol in log messages.
    protocol = "stream"

    def __init__(
        self,
        *,
        timeout: float,
        max_connections: int,
        starttls: ssl.SSLContext | None,
        implicit_tls: ssl.SSLContext | None,
        authenticator: Authenticator | None = None,
        writes_first: WritesFirst | None = None,
    ) -> None:
        #: Who may log in (the runtime's; any password by default).
        self.authenticator = authenticator if authenticator is not None else Authenticator()
        self.timeout = timeout
        self.max_connections = max_connections
        self._starttls = starttls
        self._implicit_tls = implicit_tls
        self._server: asyncio.Server | None = None
        #: live sessions: task -> its client (so stop can abort the transport).
        self.clients: dict[asyncio.Task[None], Client] = {}
        #: A database's deliveries in flight: long answers and reads off the loop wait for them.
        self.writes_first = writes_first

    async def start(self, sock: socket.socket) -> None:
        self._server = await asyncio.start_server(
            self._session, sock=sock, ssl=self._implicit_tls, limit=READ_SIZE
        )

    async def stop(self) -> None:
        """Stop listening and end every session at once."""
        if self._server is None:
            return
        self._server.close()
        sessions = dict(self.clients)
        for client in sessions.values():
            client.writer.transport.abort()
        if sessions:
            _, pending = await asyncio.wait(sessions, timeout=2)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    def too_many_connections(self) -> bytes:
        """The line sent to a client refused for the connection limit."""
        raise NotImplementedError

    def connection(self) -> Connection:
        """A protocol engine for a new session."""
        raise NotImplementedError

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self.clients) >= self.max_connections:
            writer.write(self.too_many_connections())
            writer.close()
            return
        client = self.clients[task] = Client(self.connection(), writer)
        try:
            await self._drive(client, reader)
        except (OSError, ssl.SSLError, TimeoutError, asyncio.IncompleteReadError):
            pass  # the client went away, stalled, or failed the TLS handshake
        except asyncio.CancelledError:
            # Only stop() cancels, and only a stuck session; asyncio's stream callback would
            # log a cancelled connection task as an error, so end it quietly.
            pass
        except Exception:
            log.exception("%s session failed", self.protocol)
        finally:
            del self.clients[task]
            client.connection.connection_lost()  # a dropped POP3 session deletes nothing
            await self._close(writer)

    async def _drive(self, client: Client, reader: asyncio.StreamReader) -> None:
        """Move bytes between the socket and the engine until the engine closes."""
        connection, writer = client.connection, client.writer
        while True:
            while connection.busy:
                data = connection.data_to_send()
                writer.write(data)
                if connection.wants_tls:
                    break  # nothing may yield between the go-ahead and start_tls()
                # A client that stops reading is as idle as one that stops writing.
                async with asyncio.timeout(self.timeout):
                    await writer.drain()
                # drain() returns at once while the socket takes everything: give the other
                # clients their turn between chunks and slices of a long answer.
                await asyncio.sleep(0)
                if self.writes_first is not None:  # and mail being stored goes first
                    await self.writes_first.give_way_async()
            if connection.closed:
                return
            if connection.wants_tls:
                await self.start_tls(reader, writer)
                connection.tls_started()
                continue
            check = connection.pending_check
            if check is not None:
                peer = peer_host(writer.get_extra_info("peername"))
                connection.checked(await logins.check(self.authenticator, check.credentials, peer))
                continue
            load = connection.pending_load
            if load is not None:  # a read that grows with a mailbox, on a database: off the loop
                if self.writes_first is not None:
                    await self.writes_first.give_way_async()
                connection.loaded(await asyncio.get_running_loop().run_in_executor(None, load))
                continue
            client.reading = True
            try:
                async with asyncio.timeout(self.timeout):
                    data = await reader.read(READ_SIZE)
            except TimeoutError:  # silent too long (RFC 1939 3, RFC 3501 5.4)
                connection.timed_out()
                continue
            finally:
                client.reading = False
            connection.receive_data(data)

    async def start_tls(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Upgrade the session to TLS right after the protocol's go-ahead was written.

        Plain text the client pipelined after its STARTTLS/STLS must not be read as if it came
        over TLS (RFC 2595 4, RFC 3501 6.2.1; CVE-2011-0411). Nothing yields between writing the
        go-ahead and start_tls() pausing the plain transport, so what asyncio has buffered by
        now was sent before the client saw it: drop it.
        """
        assert self._starttls is not None
        reader._buffer.clear()  # type: ignore[attr-defined]
        await writer.start_tls(self._starttls, ssl_handshake_timeout=min(self.timeout, 60))

    @staticmethod
    async def _close(writer: asyncio.StreamWriter) -> None:
        """Close after flushing what is queued (a goodbye); abort a client that won't read."""
        writer.close()
        try:
            async with asyncio.timeout(5):
                await writer.wait_closed()
        except (OSError, ssl.SSLError, TimeoutError):
            writer.transport.abort()
