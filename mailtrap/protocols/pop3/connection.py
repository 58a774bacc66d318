"""The sans-I/O POP3 connection: bytes in, bytes out; the glue of framer, parser and session.

It keeps the connection contract of :mod:`mailtrap.protocols.contract` (the one IMAP keeps; one
driver in ``servers/stream.py`` serves both). One command is answered per
:meth:`Pop3Connection.data_to_send`, so a client that pipelines (RFC 2449 section 6.6) is
answered in order and the driver waits for each answer to drain before the next is made.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from ...auth import Authenticator, Check, Login
from ...store import MessageStore
from ..lines import NEED_DATA, LineFramer, TooLong
from . import replies
from .commands import CommandError, parse_command
from .maildrop import MaildropLocks
from .session import Action, Response, Session
from .states import State

#: The longest command line accepted, CRLF included. RFC 2449 section 4 says 255 octets; we allow
#: more so that long addresses, passwords and AUTH PLAIN responses (RFC 5034 section 4) fit.
MAX_LINE = 2048
CHUNK = 1 << 16


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
        self._framer = LineFramer(max_line)
        self._out = bytearray(self._greeting())
        self._unread = False  # bytes came in that may hold a command not yet answered
        self._tls_pending = False  # STLS was answered: upgrade before reading anything
        #: True once the connection should close (after QUIT, a timeout or end of input).
        self.closed = False

    @property
    def state(self) -> State:
        return self.session.state

    def _greeting(self) -> bytes:
        """The server greeting, with an APOP timestamp (RFC 1939 sections 4 and 7)."""
        return replies.ok(f"mailtrap POP3 ready {self._stamp}".rstrip())

    # -- the driver's side ------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True while output waits, or received bytes may hold a command to answer."""
        if self._out:
            return True
        waiting = self._checking or self.session.pending_load
        return self._unread and not (self.closed or self._tls_pending or waiting)

    @property
    def pending_check(self) -> Check | None:
        """A login to check (after PASS, APOP or AUTH) before anything more is answered."""
        return None if self._out else self._checking

    @property
    def pending_load(self) -> Callable[[], object] | None:
        """The maildrop's read after a login on a database: run it off the loop, then call
        :meth:`loaded` with what it returned (the login's answer waits for it)."""
        return None if self._out else self.session.pending_load

    def loaded(self, result: object) -> None:
        self._respond(self.session.loaded(result))

    def checked(self, login: Login | None) -> None:
        """The verdict on :attr:`pending_check`: its answer is the next output (or, on a
        database, once the maildrop is read: :attr:`pending_load`)."""
        self._checking = None
        response = self.session.checked(login)
        if response is not None:
            self._respond(response)

    @property
    def wants_tls(self) -> bool:
        """True after the ``+OK`` to STLS was taken: upgrade, then call :meth:`tls_started`."""
        return self._tls_pending and not self._out

    def receive_data(self, data: bytes) -> None:
        """Bytes from the client; ``b""`` means the client closed its side."""
        if self.closed or self._tls_pending:
            return
        if not data:
            self.connection_lost()
            return
        self._framer.feed(data)
        self._unread = True

    def data_to_send(self, limit: int = CHUNK) -> bytes:
        """What to send now: pending output, then the answer to the next buffered command."""
        while (
            not self._out
            and self._unread
            and not (self.closed or self._tls_pending or self._checking)
            and self.session.pending_load is None
        ):
            line = self._framer.next_line()
            if line is NEED_DATA:
                self._unread = False
                break
            self._answer(line)  # type: ignore[arg-type]
        data = bytes(self._out)
        self._out.clear()
        return data

    def tls_started(self) -> None:
        """The transport now speaks TLS; read commands again."""
        self._tls_pending = False
        self._framer.clear()
        self.session.tls_started()

    def timed_out(self) -> None:
        """Idle too long (RFC 1939 section 3): closed without UPDATE, so nothing is deleted."""
        self.connection_lost()

    def connection_lost(self) -> None:
        """The transport closed or timed out: release the maildrop, delete nothing."""
        self._framer.clear()
        self._unread = False
        self.closed = True
        if self.session.state is not State.CLOSED:
            self.session.dropped()

    # -- inside -----------------------------------------------------------------------------

    def _answer(self, line: bytes | TooLong) -> None:
        session = self.session
        if isinstance(line, TooLong):
            session.awaiting_sasl = False
            self._out += replies.err("line too long")
            return
        if session.awaiting_sasl:
            response = session.sasl_response(line)
        else:
            try:
                command = parse_command(line)
            except CommandError as error:
                self._out += replies.err(str(error))
                return
            response = session.handle(command)
        if response.check is not None:
            self._checking = response.check
            return
        self._respond(response)

    def _respond(self, response: Response) -> None:
        self._out += response.data
        if response.action is Action.START_TLS:
            # RFC 2595 section 4: nothing the client sent before the handshake may be used.
            self._framer.clear()
            self._tls_pending = True
        elif response.action is Action.CLOSE:
            self._framer.clear()
            self._unread = False
            self.closed = True
