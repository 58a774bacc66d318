"""A small real HTTP client for the API tests (tests/http, tests/hostile)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        assert self.headers.get_content_type() == "application/json", (self.status, self.body)
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


class Api:
    """A real HTTP client over loopback (one connection per request)."""

    def __init__(self, base: str, timeout: float = 10) -> None:
        parts = urlsplit(base)
        self.timeout = timeout
        self.base = base
        self.host, self.port = parts.hostname, parts.port

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        body: Any = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        if params:
            path += "?" + urlencode(params)
        headers = dict(headers or {})
        if body is not None:
            raw = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=raw, headers=headers)
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def get(self, path: str, **params: Any) -> Reply:
        return self.request("GET", path, params or None)

    def ok_json(self, path: str, **params: Any) -> Any:
        reply = self.get(path, **params)
        assert reply.status == 200, (reply.status, reply.body)
        return reply.json()
