"""The HTTP server: uvicorn on the runtime's loop, one port, a small ASGI router in front.

Routing: the websocket ``/api/events`` and the long-poll ``/api/v1/wait`` are async handlers
on the loop (waiting costs no thread); every other request goes to the Flask app through
:class:`~.wsgi.WsgiBridge`. uvicorn is driven directly (``startup``/our own ``stop``) so it
runs on a socket the runtime bound (port 0 works), never touches logging configuration or
signal handlers, starts in milliseconds and stops promptly: listeners close, long-polls get
503, websockets a close frame, idle keep-alive connections are closed, and whatever is left
after a short grace period is aborted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from importlib.resources.abc import Traversable
from typing import Any

import uvicorn
from uvicorn.lifespan.off import LifespanOff
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from ..relay import Relay
from ..store import MessageStore
from . import live, wait
from .app import create_app, max_body
from .index import MessageIndex
from .respond import ApiState
from .wsgi import WsgiBridge

#: Routes served by async handlers, not Flask: (method, path) as the OpenAPI document names them.
ASYNC_ROUTES = (("GET", live.PATH), ("GET", wait.PATH))
#: How long stop() lets in-flight requests finish before cutting connections.
GRACE = 1.0


class HttpServer:
    """The JSON API, live feed, long-poll and viewer files on one listening socket."""

    def __init__(
        self,
        store: MessageStore,
        *,
        assets: Traversable | None,
        max_size: int,
        version: str,
        relay: Relay | None = None,
    ) -> None:
        self.store = store
        self.assets = assets
        self.max_size = max_size
        self.version = version
        self.relay = relay
        self.state: ApiState | None = None
        self._server: uvicorn.Server | None = None
        self._ticker: asyncio.Task[None] | None = None

    async def start(self, sock: socket.socket) -> None:
        index = MessageIndex(self.store)
        self.state = ApiState(self.store, index, self.assets, self.max_size, self.version)
        self.state.relay = self.relay
        self.bridge = WsgiBridge(create_app(self.state), max_body(self.max_size))
        self.live = live.LiveFeed(self.store, index, self.bridge.pool)
        self.waits = wait.WaitHub(self.store, index, self.bridge.pool)
        self.state.live_stats = lambda: {
            "LiveClients": len(self.live.clients),
            "Waiting": len(self.waits.waiters),
        }
        config = uvicorn.Config(
            self._route,
            http="h11",
            ws=WebSocketsSansIOProtocol,
            ws_max_size=64 * 1024,
            lifespan="off",
            interface="asgi3",
            log_config=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
        )
        config.load()
        server = uvicorn.Server(config)
        server.lifespan = LifespanOff(config)
        await server.startup(sockets=[sock])
        self._server = server
        # uvicorn's tick loop refreshes the Date header once a second; it never exits itself.
        self._ticker = asyncio.create_task(server.main_loop(), name="mailtrap-http-tick")

    async def _route(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind, path = scope["type"], scope.get("path", "")
        if kind == "websocket":
            if path == live.PATH:
                await self.live.serve(scope, receive, send)
            else:
                await send({"type": "websocket.close", "code": 1008})
        elif kind == "http":
            if path == wait.PATH:
                await self.waits.serve(scope, receive, send)
            elif path == live.PATH:
                await _json(send, 426, {"Error": "this is a websocket: connect with ws://"})
            else:
                await self.bridge(scope, receive, send)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        assert self.state is not None
        self.state.ready = False
        for listener in server.servers:
            listener.close()
        self.waits.close()
        await self.live.close()
        for connection in list(server.server_state.connections):
            connection.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GRACE
        while server.server_state.connections and loop.time() < deadline:
            await asyncio.sleep(0.01)
        for connection in list(server.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.abort()
        for task in list(server.server_state.tasks):
            task.cancel()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        self.state.index.close()
        self.bridge.close()
        for listener in server.servers:
            await listener.wait_closed()


async def _json(send: Any, status: int, data: Any) -> None:
    body = json.dumps(data).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
