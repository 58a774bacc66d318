"""Mailpit's link check: the status of every link and image URL of a message, never a way in.

Each URL gets a ``HEAD`` request (as Mailpit sends), at most :data:`WORKERS` at a time, each
bounded by :data:`TIMEOUT` seconds and the whole check by :data:`DEADLINE` (a request still
running then is cut off: its connection is closed). It runs in the worker thread of the
request that asked, never on the event loop.

Not a way into the network it runs in (Mailpit's GHSA-6jxm-fv7w-rw5j and its follow-up through
IPv6 transition addresses): a host name is resolved once, every address it resolves to must be
public, and the connection goes to that vetted address (so a second resolution cannot point it
elsewhere); each redirect is vetted the same way. Refused: loopback, private, shared, link-local,
multicast, reserved and unspecified addresses, and IPv6 that can carry an IPv4 address inside
(IPv4-mapped and -compatible, 6to4, Teredo, NAT64) — unless ``--allow-internal-http-requests``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

from .._version import __version__

#: Requests in flight at once for one check.
WORKERS = 5
#: Seconds one request may take (connecting, and each read).
TIMEOUT = 5.0
#: Seconds a whole check may take; requests still running then are cut off.
DEADLINE = 20.0
#: Links checked per message (the rest are listed as not checked).
MAX_LINKS = 200
#: Redirects followed per link (with ``follow``).
MAX_REDIRECTS = 10

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
_SCHEMES = ("http", "https")
_PREFIXES = ("http://", "https://")
#: IPv6 ranges that embed an IPv4 address, through which a public-looking address reaches an
#: internal one: 6to4 (RFC 3056), Teredo (RFC 4380), NAT64 (RFC 6052, RFC 8215), IPv4-compatible.
_CARRIERS = tuple(
    ipaddress.IPv6Network(net)
    for net in ("2002::/16", "2001::/32", "64:ff9b::/96", "64:ff9b:1::/48", "::/96")
)


def is_internal(ip: IP) -> bool:
    """True for any address a link check must not reach (see the module's docstring)."""
    if isinstance(ip, ipaddress.IPv6Address) and (
        ip.ipv4_mapped is not None or any(ip in net for net in _CARRIERS)
    ):
        return True
    return not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified


class Refused(Exception):
    """The URL may not be requested; the message says why."""


@dataclass(frozen=True)
class LinkStatus:
    url: str
    status_code: int
    status: str

    def json(self) -> dict[str, object]:
        return {"URL": self.url, "StatusCode": self.status_code, "Status": self.status}


class _Resources(HTMLParser):
    """Image and stylesheet URLs of an HTML body (links come from the MIME view)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.urls.append((values.get("src") or "").strip())
        elif tag == "link" and (values.get("rel") or "").lower() == "stylesheet":
            self.urls.append((values.get("href") or "").strip())


def urls_of(links: Iterable[str], html: str) -> list[str]:
    """The message's http(s) links, then its image and stylesheet URLs, each once."""
    resources = _Resources()
    try:
        resources.feed(html)
        resources.close()
    except Exception:  # broken HTML: the links still count
        pass
    found = (*links, *resources.urls)
    return list(dict.fromkeys(u for u in found if u.lower().startswith(_PREFIXES)))


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to a host name, over a connection to the address vetted for it."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(_PinnedHTTP):
    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, address, timeout)
        self.tls = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self.tls.wrap_socket(self.sock, server_hostname=self.host)


class LinkChecker:
    """Checks URLs; ``allowed(ip)`` says which addresses may be reached (tests narrow it)."""

    def __init__(self, allow_internal: bool, allowed: Callable[[IP], bool] | None = None) -> None:
        self.allowed = allowed or (lambda ip: allow_internal or not is_internal(ip))

    def check(self, urls: list[str], follow: bool) -> list[LinkStatus]:
        """Every URL's status, in the order given; never longer than :data:`DEADLINE`."""
        checked, skipped = urls[:MAX_LINKS], urls[MAX_LINKS:]
        results: dict[str, LinkStatus] = {}
        open_connections: set[http.client.HTTPConnection] = set()
        lock = threading.Lock()

        def one(url: str) -> None:
            results[url] = self._status(url, follow, open_connections, lock)

        if checked:
            pool = ThreadPoolExecutor(min(WORKERS, len(checked)), "mailtrap-linkcheck")
            futures = [pool.submit(one, url) for url in checked]
            wait(futures, timeout=DEADLINE)
            with lock:  # cut off what is still running
                for connection in open_connections:
                    connection.close()
            pool.shutdown(wait=False, cancel_futures=True)
        answer = [results.get(url) or LinkStatus(url, 0, "timed out") for url in checked]
        too_many = f"not checked (over {MAX_LINKS} links)"
        return answer + [LinkStatus(url, 0, too_many) for url in skipped]

    def _status(
        self,
        url: str,
        follow: bool,
        open_connections: set[http.client.HTTPConnection],
        lock: threading.Lock,
    ) -> LinkStatus:
        current = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                connection = self._connection(current)
                with lock:
                    open_connections.add(connection)
                try:
                    code, location = _head(connection, current)
                finally:
                    connection.close()
                    with lock:
                        open_connections.discard(connection)
                if not (follow and location and 300 <= code < 400):
                    return LinkStatus(url, code, _phrase(code))
                current = urljoin(current, location)
            return LinkStatus(url, 0, f"more than {MAX_REDIRECTS} redirects")
        except Refused as problem:
            return LinkStatus(url, 0, str(problem))
        except TimeoutError:
            return LinkStatus(url, 0, "timed out")
        except (OSError, http.client.HTTPException, ValueError) as problem:
            return LinkStatus(url, 0, _summary(problem))

    def _connection(self, url: str) -> http.client.HTTPConnection:
        """A connection for ``url`` to an address it may reach; Refused when there is none."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES or not parts.hostname:
            raise Refused(f"not an http(s) URL: {url[:200]}")
        port = parts.port or (443 if scheme == "https" else 80)
        try:
            found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as problem:
            raise Refused(f"cannot resolve {parts.hostname}: {_summary(problem)}") from None
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
        blocked = [ip for ip in addresses if not self.allowed(ip)]
        if blocked or not addresses:
            raise Refused(
                f"{blocked[0] if blocked else parts.hostname} is an internal address: "
                "not checked (allow with --allow-internal-http-requests)"
            )
        kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
        return kind(parts.hostname, port, str(addresses[0]), TIMEOUT)


def _head(connection: http.client.HTTPConnection, url: str) -> tuple[int, str | None]:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection.request("HEAD", target, headers={"User-Agent": f"mailtrap/{__version__}"})
    response = connection.getresponse()
    return response.status, response.getheader("Location")


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""


def _summary(problem: BaseException) -> str:
    """A short reason: ``connection refused``, ``timed out``, ..."""
    if isinstance(problem, ConnectionRefusedError):
        return "connection refused"
    if isinstance(problem, socket.gaierror):
        return problem.strerror or str(problem)
    text = getattr(problem, "strerror", None) or str(problem) or type(problem).__name__
    return text[:200]
