"""Run the Flask (WSGI) app from the ASGI server: one worker-thread hop per request.

Chosen over a2wsgi after a spike (see the issue note): a2wsgi crosses threads for every send
event (three per small response) and reached about 1,100-1,600 requests/s on a trivial route
here; running the whole WSGI call in one hop and sending the collected body from the loop
reached about 1,900-3,800. Small answers are collected in the worker and sent at once;
a larger or streamed body (a 15 MB attachment) continues one chunk per hop, each awaited, so
memory stays bounded by the chunk size and the transport's flow control. Request bodies over
``max_body`` are refused with 413 before they are read.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..priority import WritesFirst
from .access import LOGIN_KEY
from .errors import ApiError, error_answer, send_whole

log = logging.getLogger("mailtrap.api")

#: Bytes of a response collected in the worker before the rest is streamed chunk by chunk.
COLLECT = 256 * 1024
_DONE = object()

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


def environ(scope: Scope, body: bytes) -> dict[str, Any]:
    """The WSGI environ (PEP 3333) of an ASGI HTTP request whose body was read."""
    server = scope.get("server") or ("127.0.0.1", 0)
    client = scope.get("client") or ("", 0)
    env: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] or 0),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name in ("content-length", "transfer-encoding"):  # the body is whole, de-chunked
            continue
        key = "CONTENT_TYPE" if name == "content-type" else "HTTP_" + name.upper().replace("-", "_")
        env[key] = f"{env[key]},{value}" if key in env else value
    if LOGIN_KEY in scope:  # who logged in (see access.py), for the views to filter by
        env[LOGIN_KEY] = scope[LOGIN_KEY]
    return env


class WsgiBridge:
    """An ASGI app that runs a WSGI app in a small thread pool."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        max_body: int,
        workers: int = 8,
        writes_first: WritesFirst | None = None,
    ):
        self.app = app
        #: A database's deliveries in flight: a request waits for them before its worker hop.
        self.writes_first = writes_first
        self.max_body = max_body
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mailtrap-http")

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await self._body(scope, receive)
        if body is None:
            await error_answer(ApiError(413, f"request body over {self.max_body} bytes")).send(send)
            return
        if self.writes_first is not None:  # mail being stored goes first
            await self.writes_first.give_way_async()
        loop = asyncio.get_running_loop()
        status, headers, first, rest = await loop.run_in_executor(
            self.pool, self._start, environ(scope, body)
        )
        if rest is None:
            await send_whole(send, status, headers, first)
            return
        try:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": first, "more_body": True})
            while (chunk := await loop.run_in_executor(self.pool, next, rest, _DONE)) is not _DONE:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            close = getattr(rest, "close", None)
            if close is not None:
                self.pool.submit(close)

    async def _body(self, scope: Scope, receive: Receive) -> bytes | None:
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body:
                return None
        chunks, size = [], 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    def _start(
        self, env: dict[str, Any]
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes, Iterator[bytes] | None]:
        """Call the app in a worker; collect up to :data:`COLLECT` bytes of its body."""
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            started[:] = [int(status[:3]), headers]

        try:
            iterable = self.app(env, start_response)
            chunks, size, rest = [], 0, None
            iterator = iter(iterable)
            for chunk in iterator:
                chunks.append(chunk)
                size += len(chunk)
                if size >= COLLECT:
                    rest = _Remainder(iterator, iterable)
                    break
            else:
                getattr(iterable, "close", lambda: None)()
        except Exception:
            log.exception("the WSGI app failed")
            answer = error_answer(ApiError(500, "internal error"))
            return answer.status, answer.asgi_headers(), answer.body, None
        status, raw_headers = started
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in raw_headers]
        return status, headers, b"".join(chunks), rest


class _Remainder:
    """The rest of a WSGI body: iterate the same iterator, close the original iterable."""

    def __init__(self, iterator: Iterator[bytes], iterable: Iterable[bytes]) -> None:
        self._iterator = iterator
        self._iterable = iterable

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._iterator)

    def close(self) -> None:
        getattr(self._iterable, "close", lambda: None)()
