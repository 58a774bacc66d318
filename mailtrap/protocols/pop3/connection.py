"""The sans-I/O POP3 connection: bytes in, events out; the glue of buffer, parser and session.

The I/O loop that drives it (``mailtrap.servers.pop3``) does, in order::

    send(conn.greeting())
    loop: event = conn.next_event()
        NEED_DATA -> read; conn.receive_data(data) (b"" at end of stream)
        Send      -> write event.data
        StartTls  -> write event.data, upgrade the transport, then conn.tls_started()
        CheckLogin-> check event.check's credentials, then conn.checked(login or None)
        Close     -> close the transport

One command is answered per :meth:`Pop3Connection.next_event`, so a client that pipelines
(RFC 2449 section 6.6) is answered in order, and the writer can wait for each reply to drain.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from dataclasses import dataclass

from ...auth import Authenticator, Check, Login
from ...store import MessageStore
from . import replies
from .commands import CommandError, parse_command
from .lines import NEED_DATA, TOO_LONG, LineBuffer, Marker
from .maildrop import MaildropLocks
from .session import Action, Response, Session, State

#: The longest command line accepted, CRLF included. RFC 2449 section 4 says 255 octets; we allow
#: more so that long addresses, passwords and AUTH PLAIN responses (RFC 5034 section 4) fit.
MAX_LINE = 2048


@dataclass(frozen=True, slots=True)
class Send:
    """Write these bytes to the client."""

    data: bytes


@dataclass(frozen=True, slots=True)
class StartTls:
    """Write ``data`` (the ``+OK`` to STLS), then upgrade the transport to TLS at once.

    Nothing the client sent before the ``+OK`` may be read after it (RFC 2595 section 4), so the
    driver must not read, or let its I/O layer read, between writing ``data`` and the upgrade.
    """

    data: bytes


@dataclass(frozen=True, slots=True)
class CheckLogin:
    """Check a login (``mailtrap.logins``), then hand the verdict to ``checked``; nothing more
    is answered meanwhile."""

    check: Check


@dataclass(frozen=True, slots=True)
class Close:
    """Close the connection; nothing more will be produced."""


Event = Send | StartTls | CheckLogin | Close


class Pop3Connection:
    """One POP3 connection's protocol state, independent of any socket."""

    def __init__(
        self,
        store: MessageStore,
        locks: MaildropLocks,
        *,
        hostname: str = "localhost",
        tls_available: bool = False,
        tls_active: bool = False,
        max_line: int = MAX_LINE,
        authenticator: Authenticator | None = None,
    ) -> None:
        authenticator = authenticator if authenticator is not None else Authenticator()
        # RFC 1939 7: the greeting's timestamp, when APOP is offered.
        stamp = f"<{secrets.token_hex(8)}.{int(time.time())}@{hostname}>"
        self._stamp = stamp if authenticator.offers_digests else ""
        self.session = Session(
            store,
            locks,
            authenticator=authenticator,
            hostname=hostname,
            stamp=self._stamp.encode("utf-8", "replace"),
            tls_available=tls_available,
            tls_active=tls_active,
        )
        self.hostname = hostname
        self._checking: Check | None = None
        self._buffer = LineBuffer(max_line)
        self._events: deque[Event] = deque()
        self._eof = False
        self._waiting_for_tls = False

    @property
    def state(self) -> State:
        return self.session.state

    def greeting(self) -> bytes:
        """The server greeting, with an APOP timestamp (RFC 1939 sections 4 and 7)."""
        return replies.ok(f"mailtrap POP3 ready {self._stamp}".rstrip())

    def checked(self, login: Login | None) -> None:
        """The verdict on the :class:`CheckLogin` event: its answer is the next event."""
        self._checking = None
        self._respond(self.session.checked(login))

    def receive_data(self, data: bytes) -> None:
        """Bytes from the client; ``b""`` means the client closed its side."""
        if self.session.state is State.CLOSED or self._waiting_for_tls:
            return
        if data:
            self._buffer.feed(data)
        else:
            self._eof = True

    def next_event(self) -> Event | Marker:
        """The next thing to do, or :data:`NEED_DATA` until more bytes arrive."""
        while not self._events:
            if self.session.state is State.CLOSED:
                return Close()
            if self._checking is not None:
                return CheckLogin(self._checking)
            if self._waiting_for_tls:
                return NEED_DATA
            line = self._buffer.next_line()
            if line is NEED_DATA:
                if self._eof:
                    self.connection_lost()
                    return Close()
                return NEED_DATA
            self._answer(line)
        return self._events.popleft()

    def _answer(self, line: bytes | Marker) -> None:
        session = self.session
        if line is TOO_LONG:
            session.awaiting_sasl = False
            self._events.append(Send(replies.err("line too long")))
            return
        assert isinstance(line, bytes)
        if session.awaiting_sasl:
            response = session.sasl_response(line)
        else:
            try:
                command = parse_command(line)
            except CommandError as error:
                self._events.append(Send(replies.err(str(error))))
                return
            response = session.handle(command)
        if response.check is not None:
            self._checking = response.check
            return
        self._respond(response)

    def _respond(self, response: Response) -> None:
        if response.action is Action.START_TLS:
            # RFC 2595 section 4: nothing the client sent before the handshake may be used.
            self._buffer.clear()
            self._waiting_for_tls = True
            self._events.append(StartTls(response.data))
            return
        self._events.append(Send(response.data))
        if response.action is Action.CLOSE:
            self._buffer.clear()
            self._events.append(Close())

    def tls_started(self) -> None:
        """The transport now speaks TLS; read commands again."""
        self._waiting_for_tls = False
        self._buffer.clear()
        self.session.tls_started()

    def connection_lost(self) -> None:
        """The transport closed or timed out: release the maildrop, delete nothing."""
        self._events.clear()
        self._buffer.clear()
        if self.session.state is not State.CLOSED:
            self.session.dropped()
