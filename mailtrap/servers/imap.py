"""The IMAP listener: moves bytes between asyncio streams and the sans-I/O IMAP engine.

Everything protocol-related is in :mod:`mailtrap.protocols.imap`; this adapter adds what needs
I/O: STARTTLS and implicit TLS (IMAPS), the autologout timer (RFC 3501 5.4: at least 30 minutes,
IDLE included, RFC 2177), a connection limit, store events handed from the writer's thread to
the loop (so IDLE hears of new mail at once), and stop.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import threading
import weakref

from ..handoff import hand_off
from ..protocols.imap import ImapConnection, Mailboxes, too_many_connections
from ..store import MessageStore, StoreEvent

log = logging.getLogger("mailtrap.imap")

READ_SIZE = 65536
#: RFC 3501 5.4: an autologout timer lasts at least 30 minutes.
DEFAULT_TIMEOUT = 1800.0
#: The most a client may send in literals in one command (part 2's APPEND will use max_size).
MAX_LITERAL = 1 << 20

# One Mailboxes per store, so IMAP and IMAPS sessions share \Recent claims and subscriptions.
_MAILBOXES: weakref.WeakKeyDictionary[MessageStore, Mailboxes] = weakref.WeakKeyDictionary()


def mailboxes_for(store: MessageStore) -> Mailboxes:
    """The IMAP mailbox state shared by every IMAP listener over ``store``."""
    found = _MAILBOXES.get(store)
    if found is None:
        found = _MAILBOXES[store] = Mailboxes(store)
    return found


class _Client:
    """One connected client: its engine, its writer, and whether its task waits for input."""

    __slots__ = ("connection", "reading", "writer")

    def __init__(self, connection: ImapConnection, writer: asyncio.StreamWriter) -> None:
        self.connection = connection
        self.writer = writer
        self.reading = False


class ImapServer:
    """One listening IMAP socket: plain with optional STARTTLS, or implicit TLS (IMAPS)."""

    def __init__(
        self,
        store: MessageStore,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_connections: int = 1000,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
    ) -> None:
        self.store = store
        self.mailboxes = mailboxes_for(store)
        self.timeout = timeout
        self.max_connections = max_connections
        self._starttls = starttls
        self._implicit_tls = implicit_tls
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._unsubscribe = None
        self._clients: dict[asyncio.Task[None], _Client] = {}

    async def start(self, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._unsubscribe = self.store.subscribe(self._on_store_event)
        self._server = await asyncio.start_server(
            self._serve, sock=sock, ssl=self._implicit_tls, limit=READ_SIZE
        )

    async def stop(self) -> None:
        """Stop listening and end every session at once."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._server is None:
            return
        self._server.close()
        clients = dict(self._clients)
        for client in clients.values():
            client.writer.transport.abort()
        if clients:
            _, pending = await asyncio.wait(clients, timeout=2)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    # -- store events: called on the writer's thread, under the store's lock ------------------

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

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._clients) >= self.max_connections:
            writer.write(too_many_connections())
            writer.close()
            return
        connection = ImapConnection(
            self.mailboxes,
            tls_available=self._starttls is not None,
            tls_active=self._implicit_tls is not None,
            max_literal=MAX_LITERAL,
        )
        client = self._clients[task] = _Client(connection, writer)
        try:
            await self._drive(client, reader)
        except (OSError, ssl.SSLError, TimeoutError, asyncio.IncompleteReadError):
            pass  # the client went away, stalled, or failed the TLS handshake
        except asyncio.CancelledError:
            pass  # only stop() cancels, and only a stuck session
        except Exception:
            log.exception("IMAP session failed")
        finally:
            del self._clients[task]
            await self._close(writer)

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
                await self._start_tls(writer, reader)
                connection.tls_started()
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

    async def _start_tls(self, writer: asyncio.StreamWriter, reader: asyncio.StreamReader) -> None:
        assert self._starttls is not None
        # RFC 3501 6.2.1 (CVE-2011-0411): plain text pipelined after STARTTLS must not be read
        # as if it came over TLS. Nothing yields between our tagged OK and start_tls() pausing
        # the plain transport, so what asyncio has buffered by now came before it: drop it.
        reader._buffer.clear()  # type: ignore[attr-defined]
        await writer.start_tls(self._starttls, ssl_handshake_timeout=60)

    @staticmethod
    async def _close(writer: asyncio.StreamWriter) -> None:
        """Close after flushing what is queued (the BYE); abort a client that won't read."""
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 5)
        except (OSError, ssl.SSLError, TimeoutError):
            writer.transport.abort()
