"""The HTTP front-end: Mailpit-compatible JSON API, live websocket feed, wait long-poll, viewer.

Named ``api`` (not ``http``) so it never shadows the standard library. It reads the store and
the MIME view only; it never imports ``servers`` (and ``servers`` never imports it). Importing
this package loads nothing: Flask and uvicorn come with :mod:`.asgi`, which the runtime imports
when the HTTP server is first needed.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import Any

__all__ = ["ASYNC_ROUTES", "HttpServer"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import asgi

        return getattr(asgi, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
