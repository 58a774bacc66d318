"""Who may use the HTTP server: the Host allow-list, CORS, and basic auth.

The ASGI router asks :meth:`Access.admit` once per request and websocket, before any route:

- **Host** (against DNS rebinding): with an allow-list (``--http-allowed-hosts``, on by default
  when the server is bound to loopback: ``localhost``, ``*.localhost``, ``127.0.0.1``,
  ``[::1]``), a request whose ``Host`` names another host is answered 403; ``*.domain`` allows
  its subdomains, ``*`` anything.
- **Basic auth** (RFC 7617) when the authenticator asks for it (``own``/``users`` mode, or
  ``--ui-auth``): every route but ``/livez`` and ``/readyz``; 401 with ``WWW-Authenticate``
  otherwise, after the failure delay when credentials were wrong. The login is put in the scope
  (:func:`login_of`): an ``--ui-auth`` user sees everything, an account only itself.
- **CORS**: off unless ``--api-cors ORIGINS`` (``*`` or a comma list, as Mailpit names it);
  then those origins get ``Access-Control-Allow-Origin`` (and, being explicit, credentials) on
  every answer, and preflight ``OPTIONS`` requests are answered. The websocket keeps its own
  same-origin check (:mod:`.live`).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..auth import Authenticator, Login, Refusal, basic_credentials
from ..logins import check, peer_host
from ..message import mailbox_key
from ..store import INBOX, MailboxId, MessageStore
from ..store.query import Filter, Tagged
from ..tags import sort_tags
from .errors import ApiError, Send, error_answer, send_whole

#: Routes open to anybody who reaches the port (health probes).
OPEN_PATHS = frozenset({"/livez", "/readyz"})
#: The allow-list when bound to loopback and none is given.
LOOPBACK_HOSTS = ("localhost", "*.localhost", "127.0.0.1", "[::1]")
#: Where the login goes in an ASGI scope (and the WSGI environ the bridge makes of it).
LOGIN_KEY = "mailtrap.login"
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_CHALLENGE = {"WWW-Authenticate": 'Basic realm="mailtrap", charset="UTF-8"'}
_PREFLIGHT_MAX_AGE = "600"


def default_allowed_hosts(bound_host: str) -> tuple[str, ...]:
    """The allow-list in force without ``--http-allowed-hosts``: loopback names when bound to
    loopback, none (any Host) otherwise (a container or a LAN name must work there)."""
    return LOOPBACK_HOSTS if bound_host in _LOOPBACK or bound_host.startswith("127.") else ()


def login_of(scope_or_environ: dict[str, Any]) -> Login | None:
    """The login the request came with; None when HTTP asks for none (everything is open)."""
    return scope_or_environ.get(LOGIN_KEY)


def confined_account(login: Login | None) -> str | None:
    """The account a login is confined to (an account holder in ``own``/``users`` mode), or
    None when it may see everything."""
    return login.account if login is not None and login.confined else None


def may_see(store: MessageStore, login: Login | None, message_id: str) -> bool:
    """Whether a login may see a stored message: everything, or (confined) a message linked
    into one of its account's folders."""
    account = confined_account(login)
    if account is None:
        return True
    key = mailbox_key(account)
    return any(mailbox_key(box.owner) == key for box in store.links(message_id))


def visible_tags(store: MessageStore, login: Login | None) -> dict[str, int]:
    """Every tag in use and how many messages carry it, sorted by name: in the whole store, or
    (a confined login) on the messages in its account's folders only."""
    account = confined_account(login)
    if account is None:
        return store.tags()
    carried: dict[str, tuple[str, ...]] = {}
    for folder in store.folders(account):
        for message in store.query(Filter((Tagged(),), folder.mailbox)).messages:
            carried[message.id] = store.tags_of(message.id)
    counts = Counter(tag for tags in carried.values() for tag in tags)
    return {name: counts[name] for name in sort_tags(counts)}


def chosen_mailbox(
    store: MessageStore, address: str, folder: str, login: Login | None
) -> MailboxId | None:
    """The mailbox ``mailbox=`` (an account) and ``folder=`` (INBOX when not given) name, for
    every route that takes them; None for every stored message.

    A confined login always gets a mailbox of its own account (its INBOX by default); another
    account's is answered 404 whether it exists or not.
    """
    account = confined_account(login)
    if account is not None:
        if address and mailbox_key(address) != mailbox_key(account):
            raise ApiError(404, "no such mailbox")
        address = account
    if not address:
        if folder:
            raise ApiError(400, "folder= needs mailbox= (the account it belongs to)")
        return None
    return store.resolve(MailboxId(address, folder or INBOX))


class Access:
    """The checks of one HTTP server."""

    def __init__(
        self,
        authenticator: Authenticator,
        *,
        allowed_hosts: Iterable[str] = (),
        cors: Iterable[str] = (),
    ) -> None:
        self.authenticator = authenticator
        self.allowed_hosts = tuple(h.lower() for h in allowed_hosts)
        self.cors = tuple(cors)

    async def admit(self, scope: dict[str, Any], send: Send) -> Send | None:
        """Check one request or websocket. Returns the ``send`` to answer it through (adding
        CORS headers), or None when it was refused or was a preflight, already answered."""
        headers = _headers(scope)
        websocket = scope["type"] == "websocket"
        if not self._host_allowed(headers.get("host", "")):
            await _refuse(scope, send, ApiError(403, "this Host is not allowed here"))
            return None
        origin = headers.get("origin")
        allowed_origin = None if websocket or origin is None else self._origin(origin)
        preflight = "access-control-request-method" in headers
        if allowed_origin and scope["method"] == "OPTIONS" and preflight:
            await self._preflight(send, allowed_origin, headers)
            return None
        if self.authenticator.viewer_needs_login and scope["path"] not in OPEN_PATHS:
            login = await self._login(scope, headers)
            if login is None:
                await _refuse(scope, send, ApiError(401, "log in first", _CHALLENGE))
                return None
            scope[LOGIN_KEY] = login
        return send if allowed_origin is None else _with_cors(send, allowed_origin)

    async def _login(self, scope: dict[str, Any], headers: dict[str, str]) -> Login | None:
        header = headers.get("authorization")
        if header is None:
            return None  # asked for, not failed: no delay
        try:
            credentials = basic_credentials(header)
        except Refusal:
            credentials = None
        peer = peer_host(scope.get("client"))
        return await check(self.authenticator, credentials, peer, self.authenticator.verify_viewer)

    def _host_allowed(self, host: str) -> bool:
        if not self.allowed_hosts:
            return True
        name = host.lower()
        if name.startswith("["):
            name = name[: name.find("]") + 1]
        else:
            name = name.rpartition(":")[0] if ":" in name else name
        for allowed in self.allowed_hosts:
            if allowed in ("*", name):
                return True
            if allowed.startswith("*.") and name.endswith(allowed[1:]):
                return True
        return False

    def _origin(self, origin: str) -> str | None:
        if "*" in self.cors:
            return "*"
        return origin if origin in self.cors else None

    async def _preflight(self, send: Send, origin: str, headers: dict[str, str]) -> None:
        # Fetch standard, CORS protocol: a preflight is answered without credentials.
        answer = [
            (b"access-control-allow-methods", b"GET, POST, PUT, DELETE, OPTIONS"),
            (b"access-control-max-age", _PREFLIGHT_MAX_AGE.encode()),
            (b"content-length", b"0"),
        ]
        wanted = headers.get("access-control-request-headers")
        if wanted:
            answer.append((b"access-control-allow-headers", wanted.encode("latin-1")))
        await send_whole(send, 204, answer + _cors_headers(origin), b"")


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _cors_headers(origin: str) -> list[tuple[bytes, bytes]]:
    headers = [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]
    if origin != "*":  # credentials may go only to a named origin
        headers.append((b"access-control-allow-credentials", b"true"))
    return headers


def _with_cors(send: Send, origin: str) -> Send:
    async def sending(event: dict[str, Any]) -> None:
        if event["type"] == "http.response.start":
            event = {**event, "headers": [*event.get("headers", []), *_cors_headers(origin)]}
        await send(event)

    return sending


async def _refuse(scope: dict[str, Any], send: Send, problem: ApiError) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})  # uvicorn answers 403
    else:
        await error_answer(problem).send(send)
