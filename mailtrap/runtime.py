"""The runtime: every server on the running asyncio loop (SMTP on one of its own when eager),
started and stopped together.

Sockets are bound before any server starts, so port 0 works, the real ports are known, and a
busy port fails the start cleanly. Stop runs in reverse order, is bounded and idempotent, and
closes every connection and listening socket it opened.

Eager (the command line, the container): every server is built at start, so a broken front-end
fails the start, and SMTP runs on a loop of its own (:class:`OwnLoop`). Lazy (in-process): SMTP
is built at start; HTTP, POP3 and IMAP are imported and built on their first connection (see
:mod:`.lazy`), so a test that only sends and waits never loads Flask, uvicorn or a protocol
engine. Server modules are only ever imported by a builder.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import threading
from collections.abc import Callable, Coroutine
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from ._version import __version__
from .auth import Authenticator
from .config import SERVICES, Config, Listen, Service
from .faults import Faults
from .lazy import LazyServer, Refusal
from .store import MessageStore

if TYPE_CHECKING:
    from .lazy import Server
    from .relay import Relay
    from .tls import TlsMaterial

log = logging.getLogger("mailtrap.runtime")

STOP_TIMEOUT = 5.0
#: The thread switch interval of a process that is only a mailtrap server (seconds; Python's
#: default is 0.005). Each message goes from the loop to the SQLite committer and back, each
#: handing the GIL over: at 5 ms the committer waits for it behind the busy loop, and every
#: 250 waits with it (SQLite ingest on 20 connections: about 3,400/s at 5 ms, 4,000-4,200/s at
#: 0.5 ms; the memory store's within noise).
SERVER_SWITCH_INTERVAL = 0.0005
#: How often (seconds) mail older than ``--max-age`` is looked for.
PRUNE_EVERY = 30.0
T = TypeVar("T")


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
    from .servers.smtp import SmtpServer

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
    from .servers.pop3 import MaildropLocks, Pop3Server

    config = runtime.config
    return Pop3Server(
        runtime.store,
        hostname=config.hostname,
        locks=runtime.shared("pop3", MaildropLocks),
        timeout=config.pop3_timeout,
        max_connections=config.max_connections,
        authenticator=runtime.authenticator,
        **_tls(runtime, implicit),
    )


def _imap(runtime: Runtime, implicit: bool = False) -> Server:
    from .servers.imap import ImapServer, Mailboxes

    return ImapServer(
        runtime.store,
        mailboxes=runtime.shared("imap", lambda: Mailboxes(runtime.store)),
        max_connections=runtime.config.max_connections,
        max_size=runtime.config.max_size,
        authenticator=runtime.authenticator,
        hostname=runtime.config.hostname,
        **_tls(runtime, implicit),
    )


def _http(runtime: Runtime) -> Server:
    from mailtrap_web import ASSETS

    from .api.asgi import HttpServer

    server = HttpServer(
        runtime.store,
        assets=ASSETS,
        max_size=runtime.config.max_size,
        version=__version__,
        faults=runtime.faults,
        access=_access(runtime),
        config=runtime.config,
        relay=runtime.relay,
    )
    server.prepare()
    return server


def _access(runtime: Runtime) -> Any:
    from .api.access import Access, default_allowed_hosts

    config = runtime.config
    allowed = config.http_allowed_hosts
    if allowed is None:
        listen = config.listen(next(s for s in SERVICES if s.name == "http"))
        allowed = default_allowed_hosts(listen.host if listen is not None else config.host)
    return Access(runtime.authenticator, allowed_hosts=allowed, cors=config.api_cors)


#: service name -> how to build its server (imports included: may take a few hundred ms).
BUILDERS: dict[str, Callable[[Runtime], Server]] = {
    "smtp": _smtp,
    "smtps": partial(_smtp, implicit=True),
    "http": _http,
    "pop3": _pop3,
    "pop3s": partial(_pop3, implicit=True),
    "imap": _imap,
    "imaps": partial(_imap, implicit=True),
}

#: Built at start even when lazy: the fixture's tests send mail first of all.
EAGER = frozenset({"smtp", "smtps"})


class OwnLoop:
    """An event loop in a thread of its own. An eager runtime (the command line) runs SMTP on
    one: long answers to readers on the main loop (IMAP FETCH, the HTTP API) then never queue
    a ``250``. Readers' load moved the 250's median from 0.3 ms to 7.8 ms on a shared loop,
    and to 0.7-0.9 ms on its own."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            self.loop.run_forever()
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
        finally:
            self.loop.close()

    async def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on this loop, waiting for it from the caller's loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    def close(self) -> None:
        """Stop the loop and its thread (after every server on it has stopped)."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(STOP_TIMEOUT)


def _http_error(status: str, text: str) -> bytes:
    body = f'{{"Error": "{text}"}}'.encode()  # our own constant text: nothing to escape
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nx-content-type-options: nosniff\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


_BROKEN = "the {} server could not start: see the mailtrap log"
_HTTP_REFUSAL = Refusal(_http_error("500 Internal Server Error", _BROKEN.format("HTTP")), True)
# RFC 3206 4: a -ERR greeting with SYS/PERM, a lasting problem on the server's side.
_POP3_REFUSAL = Refusal(f"-ERR [SYS/PERM] {_BROKEN.format('POP3')}\r\n".encode())
# RFC 3501 7.1.5: BYE as the greeting refuses the connection; RFC 5530 3: UNAVAILABLE.
_IMAP_REFUSAL = Refusal(f"* BYE [UNAVAILABLE] {_BROKEN.format('IMAP')}\r\n".encode())
#: What a lazy front-end that failed to build answers each client, in its own protocol.
REFUSALS = {
    "http": _HTTP_REFUSAL,
    "pop3": _POP3_REFUSAL,
    "pop3s": _POP3_REFUSAL,
    "imap": _IMAP_REFUSAL,
    "imaps": _IMAP_REFUSAL,
}


def tune_server_process() -> None:
    """Settings for a process that is only a mailtrap server (the command line, the container;
    never the fixture, which shares its process with the tests)."""
    sys.setswitchinterval(SERVER_SWITCH_INTERVAL)


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
    """Runs the configured servers on the running loop: ``async with Runtime(config, store)``.

    ``lazy=True`` builds HTTP, POP3 and IMAP on their first connection instead of at start.
    """

    def __init__(self, config: Config, store: MessageStore, *, lazy: bool = False) -> None:
        self.config = config
        self.store = store
        self.lazy = lazy
        #: the fault-injection rules and refused-mail log of every SMTP server here
        self.faults = Faults()
        if config.rules:
            self.faults.add_all(config.rules)
        throttle = None
        if config.auth_delays:  # else the authenticator makes a disabled one if ever asked
            from .auth import Throttle

            throttle = Throttle()
        #: who may log in, for every front-end here
        self.authenticator = Authenticator(
            config.auth, config.users, viewers=config.ui_auth, throttle=throttle
        )
        self.tls: TlsMaterial | None = None
        #: service name -> the address it really listens on (ports resolved).
        self.addresses: dict[str, Listen] = {}
        #: service name -> how to build its server; this runtime's own copy of :data:`BUILDERS`.
        self.builders = dict(BUILDERS)
        #: service name -> its server, in start order
        self._servers: dict[str, Server] = {}
        #: SMTP's own loop, when eager (see :class:`OwnLoop`); servers not in it run here
        self._smtp_loop: OwnLoop | None = None
        self._stopped = False
        self._shared: dict[str, Any] = {}
        self._pruning: asyncio.Task[None] | None = None
        # Lazy builders run in worker threads: IMAP and IMAPS may be built at the same time.
        self._shared_lock = threading.Lock()
        #: Release and automatic relay (None without --relay).
        self.relay: Relay | None = None
        relay_options = (config.relay, config.relay_tls, config.relay_auth, config.relay_match)
        if any(relay_options):  # smtplib and the relay load only when asked for
            from .relay import Relay, RelaySettings

            settings = RelaySettings.parse(*relay_options)
            self.relay = Relay(settings, store) if settings else None

    def shared(self, name: str, make: Callable[[], T]) -> T:
        """State the listeners of one protocol share (plain and implicit TLS), made once."""
        with self._shared_lock:
            if name not in self._shared:
                self._shared[name] = make()
            return self._shared[name]

    def server(self, name: str) -> Server | None:
        """The running server of service ``name``: None when it is off, or lazy and not built."""
        server = self._servers.get(name)
        return server.server if isinstance(server, LazyServer) else server

    def _server_for(self, service: Service) -> Server:
        build = partial(self.builders[service.name], self)
        if not self.lazy or service.name in EAGER:
            return build()
        context = _tls(self, True)["implicit_tls"] if service.implicit_tls else None
        return LazyServer(service.name, build, REFUSALS[service.name], context)

    async def start(self) -> None:
        config = self.config
        plan = [(s, listen) for s in SERVICES if (listen := config.listen(s)) is not None]
        if config.tls_enabled:
            from .tls import TlsMaterial

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
                try:
                    server = self._server_for(service)
                    await self._on_its_loop(service.name, server.start(sock))
                except BaseException:
                    sock.close()
                    raise
                self._servers[service.name] = server
            if self.relay is not None:
                self.relay.start()
        except BaseException:
            for _, sock in sockets:
                sock.close()
            await self.stop()
            raise
        if config.max_age is not None:
            self._pruning = asyncio.create_task(self._prune(config.max_age))
        if self._smtp_loop is not None and self.store.blocking_writes:
            from .priority import lower_this_thread  # readers' threads: SMTP's get the cores first

            lower_this_thread()

    async def _on_its_loop(self, name: str, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run a server's start or stop where the server runs: SMTP's own loop when eager."""
        if self.lazy or name not in EAGER:
            await coroutine
            return
        if self._smtp_loop is None:
            self._smtp_loop = OwnLoop("mailtrap-smtp")
        await self._smtp_loop.run(coroutine)

    async def _prune(self, max_age: float) -> None:
        """Old mail goes even when none arrives (it also goes as new mail comes in)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(PRUNE_EVERY, max_age / 4))
            try:
                await loop.run_in_executor(None, self.store.prune)
            except Exception:
                log.exception("pruning old mail failed")

    async def stop(self) -> None:
        """Stop every server, newest first; bounded and idempotent."""
        pruning, self._pruning = self._pruning, None
        if pruning is not None:
            pruning.cancel()
        servers, self._servers = self._servers, {}
        if self.relay is not None:
            self.relay.close()
        for name, server in reversed(servers.items()):
            try:
                await asyncio.wait_for(self._on_its_loop(name, server.stop()), STOP_TIMEOUT)
            except Exception:
                log.exception("stopping %r failed", server)
        smtp_loop, self._smtp_loop = self._smtp_loop, None
        if smtp_loop is not None:
            smtp_loop.close()
        if self.tls is not None and not self._stopped:
            self.tls.close()
        self._stopped = True

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()
