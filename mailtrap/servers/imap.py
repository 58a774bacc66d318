"""The IMAP listener: moves bytes between asyncio streams and the sans-I/O IMAP engine.

Everything protocol-related is in :mod:`mailtrap.protocols.imap`; this adapter adds what needs
I/O: STARTTLS and implicit TLS (IMAPS), the autologout timer (RFC 3501 5.4: at least 30 minutes,
IDLE included, RFC 2177), a connection limit, store events handed from the writer's thread to
the loop (so IDLE hears of new mail at once), and stop.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Callable

from ..auth import Authenticator
from ..handoff import hand_off
from ..protocols.imap import ImapConnection, Mailboxes, too_many_connections
from ..store import MessageStore, StoreEvent
from .stream import READ_SIZE, StreamServer

#: RFC 3501 5.4: an autologout timer lasts at least 30 minutes.
DEFAULT_TIMEOUT = 1800.0
#: The most a client may send in literals in one command; APPEND's messages count against the
#: message size limit instead (``max_size``, RFC 7889 APPENDLIMIT).
MAX_LITERAL = 1 << 20


class _Client:
    """One connected client: its engine, its writer, and whether its task waits for input."""

    __slots__ = ("connection", "reading", "writer")

    def __init__(self, connection: ImapConnection, writer: asyncio.StreamWriter) -> None:
        self.connection = connection
        self.writer = writer
        self.reading = False


class ImapServer(StreamServer):
    """One listening IMAP socket: plain with optional STARTTLS, or implicit TLS (IMAPS)."""

    protocol = "IMAP"

    def __init__(
        self,
        store: MessageStore,
        *,
        mailboxes: Mailboxes | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_connections: int = 1000,
        max_size: int | None = None,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        authenticator: Authenticator | None = None,
        hostname: str = "localhost",
    ) -> None:
        super().__init__(
            timeout=timeout,
            max_connections=max_connections,
            starttls=starttls,
            implicit_tls=implicit_tls,
            authenticator=authenticator,
        )
        self.store = store
        self.hostname = hostname
        #: The largest message APPEND takes (the server's message size limit).
        self.max_size = max_size
        # Shared by the IMAP and IMAPS listeners of one runtime (\Recent claims).
        self.mailboxes = mailboxes if mailboxes is not None else Mailboxes(store)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._unsubscribe: Callable[[], None] | None = None
        self._clients: dict[asyncio.Task[None], _Client] = {}

    async def start(self, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._unsubscribe = self.store.subscribe(self._on_store_event)
        await super().start(sock)

    async def stop(self) -> None:
        """Stop listening and end every session at once."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await super().stop()

    def too_many_connections(self) -> bytes:
        return too_many_connections()

    # -- store events: called on a writer's thread, after the change --------------------------

    def _on_store_event(self, event: StoreEvent) -> None:
        # Only sessions care, and every session is registered before it can select a mailbox.
        if self._clients and self._loop is not None:
            hand_off(self._loop, self._loop_thread, self._deliver_event, event)

    def _deliver_event(self, event: StoreEvent) -> None:
        for client in list(self._clients.values()):
            connection = client.connection
            connection.notify(event)
            # While its task waits for input the client has no command running, so whatever
            # the engine produced (an idling client's EXISTS) can go out now; otherwise the
            # task sends it after the command.
            if client.reading and connection.busy and not client.writer.is_closing():
                client.writer.write(connection.data_to_send())

    # -- one session --------------------------------------------------------------------------

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connection = ImapConnection(
            self.mailboxes,
            tls_available=self._starttls is not None,
            tls_active=self._implicit_tls is not None,
            max_literal=MAX_LITERAL,
            max_message=self.max_size,
            authenticator=self.authenticator,
            hostname=self.hostname,
        )
        self._clients[task] = client = _Client(connection, writer)
        try:
            await self._drive(client, reader)
        finally:
            del self._clients[task]

    async def _drive(self, client: _Client, reader: asyncio.StreamReader) -> None:
        connection, writer = client.connection, client.writer
        while True:
            while connection.busy:
                writer.write(connection.data_to_send())
                if connection.wants_tls:
                    break  # nothing may yield between STARTTLS's OK and start_tls()
                # Yields to the loop between chunks; a client that stops reading is idle too.
                await asyncio.wait_for(writer.drain(), self.timeout)
            if connection.closed:
                return
            if connection.wants_tls:
                await self.start_tls(reader, writer)
                connection.tls_started()
                continue
            check = connection.pending_check
            if check is not None:
                connection.checked(await self.check(check, writer))
                continue
            client.reading = True
            try:
                data = await asyncio.wait_for(reader.read(READ_SIZE), self.timeout)
            except TimeoutError:
                connection.timed_out()
                continue
            finally:
                client.reading = False
            if not data:
                return
            connection.receive_data(data)
