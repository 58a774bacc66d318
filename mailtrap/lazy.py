"""Front-ends built on first use: a bound socket whose server is imported and built only when
its first client connects.

Until then nothing accepts on the socket: the first client's connection waits in the listen
backlog (the kernel has completed its handshake, so the client sees a connected socket), the
server's modules are imported and its app built in a worker thread while the loop keeps serving
everyone else, and the real server then accepts that connection and every later one. A front-end
that fails to build logs the cause once and answers each of its clients with its protocol's own
error, so the other front-ends keep working.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Protocol

    class Server(Protocol):
        """What the runtime needs of a server: start on a bound socket, stop."""

        async def start(self, sock: socket.socket) -> None: ...

        async def stop(self) -> None: ...


log = logging.getLogger("mailtrap.runtime")

#: How long a refused HTTP client may take to send its request head before it is answered anyway.
REQUEST_HEAD_TIMEOUT = 2.0


class Refusal:
    """What a front-end that failed to build says to each client, in its own protocol."""

    __slots__ = ("after_request", "reply")

    def __init__(self, reply: bytes, after_request: bool = False) -> None:
        self.reply = reply
        #: Read the client's request head first (HTTP): closing a socket with unread input
        #: resets the connection, and the client could lose the answer.
        self.after_request = after_request


class LazyServer:
    """A :class:`Server` whose real server is built by ``build`` on the first connection."""

    def __init__(
        self,
        name: str,
        build: Callable[[], Server],
        refusal: Refusal,
        implicit_tls: ssl.SSLContext | None = None,
    ) -> None:
        self.name = name
        self._build = build
        self._refusal = refusal
        self._implicit_tls = implicit_tls
        #: the real server, once built and started
        self.server: Server | None = None
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watching = False
        self._building: asyncio.Task[None] | None = None
        self._refusing: asyncio.Server | None = None

    def __repr__(self) -> str:
        return f"<LazyServer {self.name} {self.server!r}>"

    async def start(self, sock: socket.socket) -> None:
        self._loop = asyncio.get_running_loop()
        self._sock = sock
        # Readable listening socket = a connection waits in the backlog: time to build.
        self._loop.add_reader(sock.fileno(), self._first_connection)
        self._watching = True

    def _first_connection(self) -> None:
        assert self._loop is not None and self._sock is not None
        self._loop.remove_reader(self._sock.fileno())
        self._watching = False
        self._building = self._loop.create_task(self._start_real(), name=f"mailtrap-{self.name}")

    async def _start_real(self) -> None:
        assert self._loop is not None and self._sock is not None
        try:
            # Imports and app construction take up to a few hundred milliseconds: never on the loop.
            server = await self._loop.run_in_executor(None, self._build)
            await server.start(self._sock)
        except Exception:
            log.exception("the %s server could not start; its clients get an error", self.name)
            await self._refuse()
            return
        self.server = server

    async def _refuse(self) -> None:
        assert self._loop is not None and self._sock is not None
        try:
            self._refusing = await self._loop.create_server(
                lambda: _Refuse(self._refusal), sock=self._sock, ssl=self._implicit_tls
            )
        except OSError:  # the failed server closed the socket: its clients see a reset
            log.exception("the %s socket cannot even answer with an error", self.name)
            self._sock.close()

    async def stop(self) -> None:
        """Stop the real server (waiting for one being built), or close the unused socket."""
        if self._watching and self._loop is not None and self._sock is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._watching = False
        if self._building is not None:
            await asyncio.shield(self._building)
        if self.server is not None:
            await self.server.stop()
            self.server = None
        elif self._refusing is not None:
            self._refusing.close()
            await self._refusing.wait_closed()
            self._refusing = None
        elif self._sock is not None:
            self._sock.close()
        self._sock = None


class _Refuse(asyncio.Protocol):
    """One client of a front-end that failed to build: answer with the protocol's error, close."""

    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal
        self.transport: asyncio.Transport | None = None
        self.tail = b""
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if self.refusal.after_request:
            loop = asyncio.get_running_loop()
            self.timer = loop.call_later(REQUEST_HEAD_TIMEOUT, self.answer)
        else:
            self.answer()

    def data_received(self, data: bytes) -> None:
        seen, self.tail = self.tail + data, (self.tail + data)[-3:]
        if b"\r\n\r\n" in seen or b"\n\n" in seen:
            self.answer()

    def eof_received(self) -> bool:
        self.answer()
        return False

    def answer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(self.refusal.reply)
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
