"""The IMAP listener: moves bytes between asyncio streams and the sans-I/O IMAP engine.

Everything protocol-related is in :mod:`mailtrap.protocols.imap`; this adapter adds what needs
I/O: STARTTLS and implicit TLS (IMAPS), the autologout timer (RFC 3501 5.4: at least 30 minutes,
IDLE included, RFC 2177), a connection limit, store events handed from the writer's thread to
the loop (so IDLE hears of new mail at once), and stop.

PYTEST_DONT_REWRITE
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
from .stream import StreamServer

#: RFC 3501 5.4: an autologout timer lasts at least 30 minutes.
DEFAULT_TIMEOUT = 1800.0


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
            writes_first=store.writes_first,
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
        if self.clients and self._loop is not None:
            hand_off(self._loop, self._loop_thread, self._deliver_event, event)

    def _deliver_event(self, event: StoreEvent) -> None:
        for client in list(self.clients.values()):
            connection = client.connection
            assert isinstance(connection, ImapConnection)
            connection.notify(event)
            # While its task waits for input the client has no command running, so whatever
            # the engine produced (an idling client's EXISTS) can go out now; otherwise the
            # task sends it after the command.
            if client.reading and connection.busy and not client.writer.is_closing():
                client.writer.write(connection.data_to_send())

    def connection(self) -> ImapConnection:
        return ImapConnection(
            self.mailboxes,
            tls_available=self._starttls is not None,
            tls_active=self._implicit_tls is not None,
            max_message=self.max_size,
            authenticator=self.authenticator,
            hostname=self.hostname,
        )
