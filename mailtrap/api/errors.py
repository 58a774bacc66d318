"""The HTTP API's one error type and its one JSON writer, shared by Flask views and ASGI handlers.

Every error the HTTP server sends is an :class:`ApiError` written by :func:`error_answer` as
``{"Error": message}``: a route's bad input, Flask's own 404/405/413, the WSGI bridge's 413/500,
the long-poll's 400/408/503, the router's 405/426. An :class:`Answer` is a whole response
(status, headers, body) that either side can send: Flask wraps it in a ``Response``, an ASGI
handler calls :meth:`Answer.send`.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .serialize import error

#: Headers on every answer.
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

Headers = tuple[tuple[str, str], ...]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class ApiError(Exception):
    """A request the API refuses: answered as ``{"Error": message}`` with ``status``."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class Answer:
    """A complete response: status, headers and body."""

    status: int
    headers: Headers
    body: bytes

    def asgi_headers(self) -> list[tuple[bytes, bytes]]:
        return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers]

    async def send(self, send: Send) -> None:
        """Send the whole answer through an ASGI ``send``."""
        await send_whole(send, self.status, self.asgi_headers(), self.body)


async def send_whole(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    """An ASGI response whose body is all there: start, then the body in one event."""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def json_answer(status: int, data: Any, headers: Iterable[tuple[str, str]] = ()) -> Answer:
    """``data`` as a JSON answer with the common headers (and ``headers``)."""
    body = json.dumps(data).encode()
    return Answer(
        status,
        (
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            *COMMON_HEADERS.items(),
            *headers,
        ),
        body,
    )


def error_answer(problem: ApiError, headers: Iterable[tuple[str, str]] = ()) -> Answer:
    """The JSON answer to ``problem``: the one place an error body is written."""
    return json_answer(problem.status, error(problem.message), (*problem.headers.items(), *headers))
