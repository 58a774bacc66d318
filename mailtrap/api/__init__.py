"""The HTTP front-end: Mailpit-compatible JSON API, live websocket feed, wait long-poll, viewer.

Named ``api`` (not ``http``) so it never shadows the standard library. It reads the store and
the MIME view only; it never imports ``servers`` (and ``servers`` never imports it).
"""

from .asgi import ASYNC_ROUTES, HttpServer

__all__ = ["ASYNC_ROUTES", "HttpServer"]
