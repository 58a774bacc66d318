"""The POP3 listener: the sans-I/O POP3 engine on a :class:`~.stream.StreamServer`.

Everything protocol-related is in :mod:`mailtrap.protocols.pop3`, everything about streams in
:mod:`.stream`; this adds the maildrop locks every POP3 listener over a store shares, and the idle
timeout's length (RFC 1939 section 3: a session idle that long is closed without entering UPDATE,
so nothing is deleted).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import ssl

from ..auth import Authenticator
from ..protocols.pop3 import MaildropLocks, Pop3Connection
from ..protocols.pop3.replies import err
from ..store import MessageStore
from .stream import StreamServer

#: RFC 1939 section 3: an inactivity timer, if any, lasts at least 10 minutes.
DEFAULT_TIMEOUT = 600.0


class Pop3Server(StreamServer):
    """One listening POP3 socket: plain with optional STLS, or implicit TLS (POP3S)."""

    protocol = "POP3"

    def __init__(
        self,
        store: MessageStore,
        *,
        hostname: str,
        locks: MaildropLocks | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_connections: int = 1000,
        starttls: ssl.SSLContext | None = None,
        implicit_tls: ssl.SSLContext | None = None,
        authenticator: Authenticator | None = None,
    ) -> None:
        super().__init__(
            timeout=timeout,
            max_connections=max_connections,
            starttls=starttls,
            implicit_tls=implicit_tls,
            authenticator=authenticator,
            writes_first=store.writes_first,
        )
        self.store = store
        # Shared by the POP3 and POP3S listeners of one runtime (RFC 1939 section 8).
        self.locks = locks if locks is not None else MaildropLocks()
        self.hostname = hostname

    def too_many_connections(self) -> bytes:
        # RFC 3206 section 4: SYS/TEMP, a temporary problem on the server side.
        return err("too many connections, try again later", "SYS/TEMP")

    def connection(self) -> Pop3Connection:
        return Pop3Connection(
            self.store,
            self.locks,
            hostname=self.hostname,
            authenticator=self.authenticator,
            tls_available=self._starttls is not None,
            tls_active=self._implicit_tls is not None,
        )
