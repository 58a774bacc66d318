"""One route of the HTTP server: a method on a path, its OpenAPI operation and who answers it.

The route table (:mod:`.routes`) lists them; the modules of an API surface that is not
Mailpit's (fault injection, MailHog's) list theirs beside their views.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response

from .openapi import Json


@dataclass(frozen=True)
class Route:
    """One method on one path."""

    method: str
    path: str
    operation: Json
    #: The Flask view answering it, called with the path's parameters ...
    view: Callable[..., Response] | None = None
    #: ... or the name of the HTTP server's async handler that does ("wait", "live").
    handler: str | None = None
    #: Served as a websocket (a plain HTTP request to it is answered 426).
    websocket: bool = False
    #: Server-wide settings and logs: refused (403) to a login confined to its account.
    admin: bool = False

    @property
    def rule(self) -> str:
        """The path as a werkzeug rule: ``{ID}`` becomes ``<ID>``."""
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)
