"""The HTTP server: uvicorn on the runtime's loop, one port, a small ASGI router in front.

Routing follows the route table (:mod:`.routes`): the routes it gives an async ``handler`` (the
websocket ``/api/events``, the long-poll ``/api/v1/wait``) are served on the loop, where
waiting costs no thread; every other request goes to the Flask app through
:class:`~.wsgi.WsgiBridge`.

uvicorn is driven through its documented interface only: a ``uvicorn.Config`` of documented
settings (lifespan off, no logging configuration, no ``Server`` header) and
``uvicorn.Server.serve`` on the socket the runtime bound (``sockets=[sock]``, so port 0
works), stopped by setting ``should_exit``. pyproject.toml bounds uvicorn to the versions the
tests have run against. Stopping: long-polls get 503 and websockets a close frame first; then
uvicorn closes the listener and idle keep-alive connections, lets requests in flight finish
for up to :data:`GRACE` seconds and cancels the rest. (On the main thread, ``serve`` catches
SIGINT/SIGTERM while it runs and raises them again once it has stopped.)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

import uvicorn

from ..auth import Authenticator
from ..config import Config
from ..faults import Faults
from ..store import MessageStore
from . import live, wait
from .access import Access
from .app import create_app, max_body
from .errors import ApiError, error_answer
from .respond import ApiState
from .routes import ROUTES, Route
from .wsgi import WsgiBridge

if TYPE_CHECKING:
    from ..relay import Relay

#: Routes served by async handlers, not Flask: (method, path) as the OpenAPI document names them.
ASYNC_ROUTES = tuple((route.method, route.path) for route in ROUTES if route.handler)
#: Seconds stop() lets requests in flight finish before they are cancelled (uvicorn takes an int).
GRACE = 1
#: Seconds start() waits for uvicorn to listen.
START_TIMEOUT = 5.0

Handler = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


class HttpServer:
    """The JSON API, live feed, long-poll and viewer files on one listening socket."""

    def __init__(
        self,
        store: MessageStore,
        *,
        assets: Traversable | None,
        max_size: int,
        version: str,
        faults: Faults | None = None,
        access: Access | None = None,
        config: Config | None = None,
        relay: Relay | None = None,
    ) -> None:
        self.store = store
        #: the Host allow-list, CORS and basic auth, checked before every route
        self.access = access or Access(Authenticator())
        self.faults = faults or Faults()
        self.config = config or Config()
        self.assets = assets
        self.max_size = max_size
        self.version = version
        self.relay = relay
        self.state: ApiState | None = None
        self._config: uvicorn.Config | None = None
        self._server: uvicorn.Server | None = None
        self._serving: asyncio.Task[None] | None = None
        #: path -> method -> (route, handler), for the routes with an async handler.
        self._async: dict[str, dict[str, tuple[Route, Handler]]] = {}

    def prepare(self) -> None:
        """Build the Flask app and uvicorn's configuration: the part of starting that needs no
        loop, so the runtime may run it in a worker thread."""
        self.state = ApiState(
            self.store, self.assets, self.max_size, self.version, self.faults, self.config
        )
        self.state.inboxes = self.access.authenticator.inboxes
        self.state.relay = self.relay
        self.bridge = WsgiBridge(
            create_app(self.state), max_body(self.max_size), writes_first=self.store.writes_first
        )
        self._config = uvicorn.Config(
            self._route,
            http="h11",
            ws="websockets-sansio",
            ws_max_size=64 * 1024,
            lifespan="off",
            interface="asgi3",
            log_config=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
            timeout_graceful_shutdown=GRACE,
        )
        self._config.load()  # imports the protocol modules here, not on the loop in serve()

    async def start(self, sock: socket.socket) -> None:
        if self._config is None:
            self.prepare()
        assert self.state is not None and self._config is not None
        self.live = live.LiveFeed(self.store, self.bridge.pool)
        self.waits = wait.WaitHub(self.store, self.bridge.pool)
        self.state.live_stats = lambda: {
            "LiveClients": len(self.live.clients),
            "Waiting": len(self.waits.waiters),
        }
        handlers: dict[str, Handler] = {"live": self.live.serve, "wait": self.waits.serve}
        for route in ROUTES:
            if route.handler is not None:
                methods = self._async.setdefault(route.path, {})
                methods[route.method] = (route, handlers[route.handler])
        server = uvicorn.Server(self._config)
        self._server = server
        self._serving = asyncio.create_task(server.serve(sockets=[sock]), name="mailtrap-http")
        try:
            await _until_started(server, self._serving)
        except BaseException:
            await self.stop()
            raise

    async def _route(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            return
        send = await self.access.admit(scope, send)
        if send is None:  # refused, or a CORS preflight: answered
            return
        if scope["type"] == "websocket":
            route, handler = self._async.get(scope["path"], {}).get("GET", (None, None))
            if route is not None and handler is not None and route.websocket:
                await handler(scope, receive, send)
            else:
                await send({"type": "websocket.close", "code": 1008})
        elif scope["type"] == "http":
            await _answered_when_cut(self._http, scope, receive, send)

    async def _http(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        methods = self._async.get(scope["path"])
        if methods is None:  # a Flask route, or Flask's 404
            await self.bridge(scope, receive, send)
            return
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        if any(route.websocket for route, _ in methods.values()):
            problem = ApiError(426, "this is a websocket: connect with ws://")
        elif method not in methods:
            allowed = [*methods, "HEAD"] if "GET" in methods else list(methods)
            problem = ApiError(405, "Method Not Allowed", {"Allow": ", ".join(allowed)})
        else:
            await methods[method][1](scope, receive, send)
            return
        await error_answer(problem).send(send)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        assert self.state is not None and self._serving is not None
        self.state.ready = False
        self.waits.close()
        await self.live.close()
        server.should_exit = True
        try:
            # uvicorn notices within a tick (0.1 s), then takes at most GRACE for what is left.
            await asyncio.wait_for(self._serving, GRACE + 2.0)
        finally:
            self.bridge.close()


async def _answered_when_cut(
    handler: Handler, scope: dict[str, Any], receive: Any, send: Any
) -> None:
    """Run ``handler``; if a stop cuts it (uvicorn cancels what is left after the grace period)
    before it started answering, the client still gets a JSON 503, not uvicorn's text 500."""
    started = False

    async def tracked(event: dict[str, Any]) -> None:
        nonlocal started
        started = started or event["type"] == "http.response.start"
        await send(event)

    try:
        await handler(scope, receive, tracked)
    except asyncio.CancelledError:
        if started:
            raise
        await error_answer(ApiError(503, "the server is stopping")).send(send)


async def _until_started(server: uvicorn.Server, serving: asyncio.Task[None]) -> None:
    """Return once ``server`` listens; re-raise its start-up error if it fails first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    spins = 0
    while not server.started:
        if serving.done():
            serving.result()
            raise RuntimeError("the HTTP server stopped while starting")
        if loop.time() > deadline:
            raise TimeoutError(f"the HTTP server did not start in {START_TIMEOUT:g}s")
        spins += 1
        # Starting on a bound socket takes a few loop turns: yield, and only then sleep.
        await asyncio.sleep(0 if spins < 20 else 0.001)
