"""Configuration: one immutable record for the command line, the Python API and the fixture.

A record (``mailtrap.record``) rather than a frozen dataclass or a named tuple: defining a
30-field dataclass costs about 1 ms at import, a fifth of what a test suite that only sends mail
pays for the package, and a named tuple a third of that.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .auth import Mode
from .record import Record

if TYPE_CHECKING:
    from .auth import Htpasswd, Users
    from .faults import RuleSpec

MiB = 1024 * 1024
SMTP_AUTH_MODES = ("off", "optional", "required")


def names(text: str) -> tuple[str, ...]:
    """A list option's text (``--http-allowed-hosts``, ``--api-cors``): commas or spaces."""
    return tuple(text.replace(",", " ").split())


class Service(Record):
    """A listening server the runtime can start: its name and command-line default port."""

    name: str
    default_port: int
    implicit_tls: bool = False
    description: str = ""


#: Every server, in start order. Implicit-TLS services only run when TLS is configured.
SERVICES: tuple[Service, ...] = (
    Service("smtp", 1025, description="SMTP (STARTTLS when TLS is on)"),
    Service("smtps", 1465, implicit_tls=True, description="SMTP over implicit TLS"),
    Service("http", 8025, description="HTTP API and web viewer"),
    Service("pop3", 1110, description="POP3 (STLS when TLS is on)"),
    Service("pop3s", 1995, implicit_tls=True, description="POP3 over implicit TLS"),
    Service("imap", 1143, description="IMAP4rev1 (STARTTLS when TLS is on)"),
    Service("imaps", 1993, implicit_tls=True, description="IMAP over implicit TLS"),
)
SERVICE_NAMES = tuple(s.name for s in SERVICES)


class Listen(Record):
    """Where one server listens. Port 0 asks the system for a free port."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> float:
    """``90m``, ``24h``, ``7d``, ``2w``, ``30s`` or plain seconds, as seconds."""
    value = text.strip().lower()
    unit = _DURATION_UNITS.get(value[-1:]) if value else None
    number = value[:-1] if unit is not None else value
    try:
        seconds = float(number) * (unit or 1)
    except ValueError:
        raise ValueError(f"expected a duration such as 90m, 24h or 7d, got {text!r}") from None
    if not seconds > 0:
        raise ValueError(f"a duration must be more than nothing, got {text!r}")
    return seconds


_NONE: Mapping[str, Any] = MappingProxyType({})


class Config(Record):
    """Everything the runtime needs to know. In-process defaults: every port ephemeral."""

    host: str = "127.0.0.1"
    hostname: str = "localhost"
    #: service name -> port (0 = ephemeral, None = off); missing services use port 0.
    ports: Mapping[str, int | None] = _NONE
    #: service name -> host, overriding ``host`` for that service.
    hosts: Mapping[str, str] = _NONE
    max_size: int = 25 * MiB
    max_messages: int | None = None
    tls: bool = False
    tls_cert: str | None = None
    tls_key: str | None = None
    smtp_timeout: float = 300.0
    #: seconds a POP3 session may stay idle (RFC 1939 section 3: at least 10 minutes by default)
    pop3_timeout: float = 600.0
    max_connections: int = 1000
    #: fault-injection rules in force from the start (``--rules FILE``)
    rules: tuple[RuleSpec, ...] = ()
    #: an SQLite database file to keep mail in (``--db``); None keeps it in memory
    db: str | None = None
    #: ``normal`` (safe against a process crash) or ``full`` (also against losing power)
    db_sync: str = "normal"
    #: seconds after which mail is pruned (``--max-age``); None keeps it
    max_age: float | None = None
    #: --relay HOST:PORT and its companions (see mailtrap.relay); None: no relay.
    relay: str | None = None
    relay_tls: str | None = None
    relay_auth: str | None = None
    relay_match: str | None = None
    #: who may log in, and to what (``--auth``): ``any``, ``own`` or ``users``
    auth: str = "any"
    #: the accounts of ``users`` mode (``--users``, ``MailTrap(users={address: password})``)
    users: Users | None = None
    #: SMTP AUTH (``--smtp-auth``): ``off``, ``optional`` or ``required``
    smtp_auth: str = "optional"
    #: wait after repeated failed logins from a peer (on for the command line; in-process
    #: only when asked, as tests share one loopback peer)
    auth_delays: bool = False
    #: the viewer's and API's own users (``--ui-auth FILE``, htpasswd): they see everything
    ui_auth: Htpasswd | None = None
    #: the ``Host`` names HTTP answers (``--http-allowed-hosts``); None: loopback names when
    #: bound to loopback, any otherwise
    http_allowed_hosts: tuple[str, ...] | None = None
    #: origins allowed to call the API from a browser (``--api-cors``): ``*`` or names
    api_cors: tuple[str, ...] = ()
    #: ``HOST:PORT`` of a spamd for ``/api/v1/message/{ID}/sa-check`` (``--spamassassin``)
    spamassassin: str | None = None
    #: let the link check reach loopback, private and other internal addresses
    allow_internal_http_requests: bool = False

    def __new__(cls, *args: Any, **fields: Any) -> Config:
        self = super().__new__(cls, *args, **fields)
        Mode(self.auth)  # ValueError naming the bad value
        if not self.max_size >= 1:
            raise ValueError(f"max_size must be at least 1 byte, got {self.max_size!r}")
        if self.smtp_auth not in SMTP_AUTH_MODES:
            raise ValueError(f"smtp_auth must be one of {', '.join(SMTP_AUTH_MODES)}")
        if self.users is not None and self.auth != "users":
            raise ValueError("users are for auth='users'")
        return self

    @property
    def tls_enabled(self) -> bool:
        return self.tls or bool(self.tls_cert)

    def listen(self, service: Service) -> Listen | None:
        """The address ``service`` listens on, or None when it is off."""
        if service.implicit_tls and not self.tls_enabled:
            return None
        port = self.ports.get(service.name, 0)
        if port is None:
            return None
        return Listen(self.hosts.get(service.name, self.host), port)

    def with_options(self, **options: Any) -> Config:
        return Config(**{**self._asdict(), **options})

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> Config:
        """Build from the keyword arguments ``MailTrap(...)`` takes.

        Besides the fields above, ``<service>_port=N`` (e.g. ``smtp_port=2525``, ``None`` = off)
        sets one service's port; ``rules`` may also be given in their JSON shape (dicts), and
        ``users`` as a dict of address to plain password, ``ui_auth`` as an htpasswd file's path,
        ``http_allowed_hosts`` and ``api_cors`` as comma-separated text.
        """
        ports = dict(kwargs.pop("ports", {}))
        for name in SERVICE_NAMES:
            key = f"{name}_port"
            if key in kwargs:
                ports[name] = kwargs.pop(key)
        unknown = set(kwargs) - set(cls._fields)
        if unknown:
            raise TypeError(f"unknown MailTrap option(s): {', '.join(sorted(unknown))}")
        if kwargs.get("tls_cert") and not kwargs.get("tls_key"):
            raise ValueError("tls_cert needs tls_key")
        if isinstance(kwargs.get("max_age"), str):
            kwargs["max_age"] = parse_duration(kwargs["max_age"])
        if kwargs.get("db") is not None:
            kwargs["db"] = str(kwargs["db"])
        if isinstance(kwargs.get("users"), dict):  # address -> plain password
            from .auth import Users

            kwargs["users"] = Users.of_passwords(kwargs["users"])
        if isinstance(kwargs.get("ui_auth"), str):  # an htpasswd file's path
            from .auth import read_htpasswd

            kwargs["ui_auth"] = read_htpasswd(kwargs["ui_auth"])
        for name in ("http_allowed_hosts", "api_cors"):
            if isinstance(kwargs.get(name), str):
                kwargs[name] = names(kwargs[name])
        if "rules" in kwargs:  # RuleSpecs, or rules in their JSON shape
            from .faults import RuleSpec
            from .faults.schema import spec_from_json

            kwargs["rules"] = tuple(
                r if isinstance(r, RuleSpec) else spec_from_json(r) for r in kwargs["rules"]
            )
        return cls(ports=ports, **kwargs)
