"""What the POP3 and IMAP listeners share: asyncio streams on a bound socket, a connection limit,
sessions that end quietly when the client goes away, STARTTLS without a plaintext-injection hole,
checking logins (the authenticator off the loop, the failure delay), closing that flushes and
then aborts, and a stop that ends every session at once.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl

from .. import logins
from ..auth import Authenticator, Check, Login
from ..logins import peer_host

log = logging.getLogger("mailtrap.servers")

READ_SIZE = 65536


class StreamServer:
    """One listening socket serving sessions over asyncio streams; subclasses implement
    :meth:`serve` (one session) and :meth:`too_many_connections` (the refusal line)."""

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
    ) -> None:
        #: Who may log in (the runtime's; any password by default).
        self.authenticator = authenticator if authenticator is not None else Authenticator()
        self.timeout = timeout
        self.max_connections = max_connections
        self._starttls = starttls
        self._implicit_tls = implicit_tls
        self._server: asyncio.Server | None = None
        #: live sessions: task -> its writer (so stop can abort the transport).
        self._sessions: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    async def start(self, sock: socket.socket) -> None:
        self._server = await asyncio.start_server(
            self._session, sock=sock, ssl=self._implicit_tls, limit=READ_SIZE
        )

    async def stop(self) -> None:
        """Stop listening and end every session at once."""
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

    async def check(self, check: Check, writer: asyncio.StreamWriter) -> Login | None:
        """The verdict on a login a session waits for (see :func:`mailtrap.logins.check`)."""
        peer = peer_host(writer.get_extra_info("peername"))
        return await logins.check(self.authenticator, check.credentials, peer)

    def too_many_connections(self) -> bytes:
        """The line sent to a client refused for the connection limit."""
        raise NotImplementedError

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Run one session until the protocol ends it."""
        raise NotImplementedError

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._sessions) >= self.max_connections:
            writer.write(self.too_many_connections())
            writer.close()
            return
        self._sessions[task] = writer
        try:
            await self.serve(reader, writer)
        except (OSError, ssl.SSLError, TimeoutError, asyncio.IncompleteReadError):
            pass  # the client went away, stalled, or failed the TLS handshake
        except asyncio.CancelledError:
            # Only stop() cancels, and only a stuck session; asyncio's stream callback would
            # log a cancelled connection task as an error, so end it quietly.
            pass
        except Exception:
            log.exception("%s session failed", self.protocol)
        finally:
            del self._sessions[task]
            await self._close(writer)

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
