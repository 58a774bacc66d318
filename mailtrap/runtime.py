"""The runtime: every server on one asyncio loop, started and stopped together.

Sockets are bound before any server starts, so port 0 works, the real ports are known, and a
busy port fails the start cleanly. Stop runs in reverse order, is bounded and idempotent, and
closes every connection and listening socket it opened.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol, TypeVar

from mailtrap_web import ASSETS

from ._version import __version__
from .api import HttpServer
from .auth import Authenticator, Throttle
from .config import SERVICES, Config, Listen, Service
from .faults import Faults
from .servers.imap import ImapServer, Mailboxes
from .servers.pop3 import MaildropLocks, Pop3Server
from .servers.smtp import SmtpServer
from .store import MessageStore
from .tls import TlsMaterial

log = logging.getLogger("mailtrap.runtime")

STOP_TIMEOUT = 5.0
T = TypeVar("T")


class Server(Protocol):
    """What the runtime needs of a server: start on a bound socket, stop."""

    async def start(self, sock: socket.socket) -> None: ...

    async def stop(self) -> None: ...


class BindError(OSError):
    """A service's address could not be bound (usually: the port is in use)."""

    def __init__(self, service: Service, listen: Listen, error: OSError) -> None:
        super().__init__(error.errno, error.strerror)
        self.service = service
        self.listen = listen
        self.in_use = error.errno == 98 or "in use" in str(error).lower()

    def __str__(self) -> str:
        problem = "is already in use" if self.in_use else f"cannot be bound: {self.strerror}"
        return f"{self.service.name.upper()} address {self.listen} {problem}"


def _tls(runtime: Runtime, implicit: bool) -> dict[str, Any]:
    """The ``starttls`` / ``implicit_tls`` contexts for a plain or an implicit-TLS listener."""
    context = runtime.tls.server_context if runtime.tls else None
    if implicit:
        assert context is not None, "implicit-TLS services only run with TLS on"
        return {"starttls": None, "implicit_tls": context}
    return {"starttls": context, "implicit_tls": None}


def _smtp(runtime: Runtime, implicit: bool = False) -> Server:
    config = runtime.config
    return SmtpServer(
        runtime.store,
        hostname=config.hostname,
        max_size=config.max_size,
        timeout=config.smtp_timeout,
        max_connections=config.max_connections,
        faults=runtime.faults,
        authenticator=runtime.authenticator,
        smtp_auth=config.smtp_auth,
        **_tls(runtime, implicit),
    )


def _pop3(runtime: Runtime, implicit: bool = False) -> Server:
    config = runtime.config
    return Pop3Server(
        runtime.store,
        hostname=config.hostname,
        locks=runtime.shared("pop3", MaildropLocks),
        timeout=config.pop3_timeout,
        max_connections=config.max_connections,
        **_tls(runtime, implicit),
    )


def _imap(runtime: Runtime, implicit: bool = False) -> Server:
    return ImapServer(
        runtime.store,
        mailboxes=runtime.shared("imap", lambda: Mailboxes(runtime.store)),
        max_connections=runtime.config.max_connections,
        **_tls(runtime, implicit),
    )


def _http(runtime: Runtime) -> Server:
    return HttpServer(
        runtime.store,
        assets=ASSETS,
        max_size=runtime.config.max_size,
        version=__version__,
        faults=runtime.faults,
        access=_access(runtime),
    )


def _access(runtime: Runtime) -> Any:
    from .api.access import Access, default_allowed_hosts

    config = runtime.config
    allowed = config.http_allowed_hosts
    if allowed is None:
        listen = config.listen(next(s for s in SERVICES if s.name == "http"))
        allowed = default_allowed_hosts(listen.host if listen is not None else config.host)
    return Access(runtime.authenticator, allowed_hosts=allowed, cors=config.api_cors)


#: service name -> how to build its server.
BUILDERS: dict[str, Callable[[Runtime], Server]] = {
    "smtp": _smtp,
    "smtps": partial(_smtp, implicit=True),
    "http": _http,
    "pop3": _pop3,
    "pop3s": partial(_pop3, implicit=True),
    "imap": _imap,
    "imaps": partial(_imap, implicit=True),
}


def bind(service: Service, listen: Listen) -> socket.socket:
    """Bind a listening TCP socket for ``service`` (port 0 = ephemeral)."""
    family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
    # proto=IPPROTO_TCP (socket.create_server leaves it 0): asyncio only sets TCP_NODELAY on
    # accepted sockets whose proto says TCP, and without it multi-write replies wait on Nagle.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((listen.host, listen.port))
        sock.listen(512)
    except OSError as error:
        sock.close()
        raise BindError(service, listen, error) from error
    return sock


class Runtime:
    """Runs the configured servers on the running loop: ``async with Runtime(config, store)``."""

    def __init__(self, config: Config, store: MessageStore) -> None:
        self.config = config
        self.store = store
        #: the fault-injection rules and refused-mail log of every SMTP server here
        self.faults = Faults()
        self.faults.add_all(config.rules)
        #: who may log in, for every front-end here
        self.authenticator = Authenticator(
            config.auth,
            config.users,
            viewers=config.ui_auth,
            throttle=Throttle(enabled=config.auth_delays),
        )
        self.tls: TlsMaterial | None = None
        #: service name -> the address it really listens on (ports resolved).
        self.addresses: dict[str, Listen] = {}
        self._servers: list[Server] = []
        self._stopped = False
        self._shared: dict[str, Any] = {}

    def shared(self, name: str, make: Callable[[], T]) -> T:
        """State the listeners of one protocol share (plain and implicit TLS), made once."""
        if name not in self._shared:
            self._shared[name] = make()
        return self._shared[name]

    async def start(self) -> None:
        config = self.config
        plan = [(s, listen) for s in SERVICES if (listen := config.listen(s)) is not None]
        if config.tls_enabled:
            self.tls = (
                TlsMaterial.from_files(config.tls_cert, config.tls_key or config.tls_cert)
                if config.tls_cert
                else TlsMaterial.self_signed(config.hostname)
            )
        sockets: list[tuple[Service, socket.socket]] = []
        try:
            for service, listen in plan:
                sock = bind(service, listen)
                sockets.append((service, sock))
                self.addresses[service.name] = Listen(listen.host, sock.getsockname()[1])
            while sockets:
                service, sock = sockets.pop(0)
                server = BUILDERS[service.name](self)
                try:
                    await server.start(sock)
                except BaseException:
                    sock.close()
                    raise
                self._servers.append(server)
        except BaseException:
            for _, sock in sockets:
                sock.close()
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop every server, newest first; bounded and idempotent."""
        servers, self._servers = self._servers, []
        for server in reversed(servers):
            try:
                await asyncio.wait_for(server.stop(), STOP_TIMEOUT)
            except Exception:
                log.exception("stopping %r failed", server)
        if self.tls is not None and not self._stopped:
            self.tls.close()
        self._stopped = True

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()
