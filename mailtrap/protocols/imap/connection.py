"""ImapConnection: the sans-I/O IMAP server connection (bytes in, bytes out; no sockets).

It glues the lexer, the parser and the session, and keeps the connection contract that POP3
keeps too (:class:`mailtrap.protocols.Connection`, driven by ``servers/stream.py``): long answers
such as ``FETCH 1:* BODY[]`` are produced a chunk at a time and long searches a slice at a time,
so one client cannot hold the event loop. Store events go to :meth:`notify`.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ...auth import Authenticator, Check, Login
from ...store import StoreEvent
from . import format as fmt
from .cmd_write import append_target_missing
from .format import Atom
from .lexer import (
    MAX_COMMAND,
    MAX_LINE,
    MORE,
    NEED_DATA,
    CommandLexer,
    NeedContinuation,
    Record,
    Refused,
    tag_of,
)
from .mailboxes import Mailboxes
from .outcomes import Slices
from .parser import CommandError, known_command, parse_command
from .session import Session
from .states import State

#: At most about this much answer per turn of the drive loop (the loop is shared by everyone).
CHUNK = 1 << 14
_TOOBIG = Atom("TOOBIG")


def too_many_connections() -> bytes:
    """What a server says instead of a greeting when it is full (RFC 3501 7.1.5)."""
    return fmt.status(b"*", "BYE", "Too many connections, try again later")


class ImapConnection:
    """One client connection to the IMAP server."""

    def __init__(
        self,
        mailboxes: Mailboxes,
        *,
        tls_available: bool = False,
        tls_active: bool = False,
        max_line: int = MAX_LINE,
        max_command: int = MAX_COMMAND,
        max_message: int | None = None,
        authenticator: Authenticator | None = None,
        hostname: str = "localhost",
    ) -> None:
        self.session = Session(
            mailboxes,
            tls_available=tls_available,
            tls_active=tls_active,
            append_limit=max_message,
            authenticator=authenticator,
            hostname=hostname,
        )
        self._lexer = CommandLexer(
            max_line=max_line, max_command=max_command, max_message=max_message
        )
        self._out = bytearray()
        self._job: Iterator[bytes] | None = None
        self._unread = False  # received commands not yet looked at (input is taken in slices)
        #: True once the connection should close (after LOGOUT or a timeout), when sent.
        self.closed = False
        # RFC 3501 7.1.1: the greeting; capabilities included to save a round trip.
        self._out += fmt.status(
            b"*", "OK", "mailtrap IMAP4rev1 ready", self.session.capability_code()
        )

    # -- the driver's side ------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """True while output is waiting to be taken with :meth:`data_to_send`."""
        return bool(self._out) or self._job is not None or self._unread

    @property
    def wants_tls(self) -> bool:
        """True after STARTTLS was answered: start TLS, then call :meth:`tls_started`."""
        return self.session.starttls_requested and not self.busy

    @property
    def pending_check(self) -> Check | None:
        """A login to check before anything more is read or answered: check it, then call
        :meth:`checked` with the verdict."""
        return None if self.busy else self.session.pending_check

    def checked(self, login: Login | None) -> None:
        """The verdict on :attr:`pending_check`: the command goes on."""
        self._job = self.session.verified(login)

    @property
    def pending_load(self) -> Callable[[], object] | None:
        """A store read to run off the event loop before anything more is answered: run it,
        then call :meth:`loaded` with what it returned."""
        return None if self.busy else self.session.pending_load

    def loaded(self, result: object) -> None:
        """What :attr:`pending_load` returned: the command goes on."""
        self._job = self.session.loaded(result)

    def receive_data(self, data: bytes) -> None:
        """Take bytes from the client; ``b""`` means it closed its side."""
        if not data:
            self.closed = True
            return
        if self.closed or self.session.starttls_requested:
            return  # RFC 3501 6.2.1: nothing sent before the TLS handshake may be used
        self._lexer.feed(data)
        self._advance()

    def data_to_send(self, limit: int = CHUNK) -> bytes:
        """Up to about ``limit`` bytes of output (more if one response is longer).

        Returns early, perhaps with nothing, when a long command pauses between slices of
        its work (:data:`~.outcomes.PAUSE`); it goes on at the next call while :attr:`busy`.
        """
        if self._job is None and self._unread:
            self._advance()
        while self._job is not None and len(self._out) < limit:
            try:
                chunk = next(self._job)
            except StopIteration:
                self._job = None
                self._after_command()
                continue
            if not chunk:  # PAUSE: the handler gives the other clients a turn
                break
            self._out += chunk
        data = bytes(self._out)
        self._out.clear()
        return data

    def notify(self, event: StoreEvent) -> None:
        """A store change; an idling client hears about it at once (RFC 2177)."""
        if self.session.pending_load is not None:  # the command that waits takes it over
            self.session.hold(event)
            return
        selected = self.session.selected
        if selected is not None and selected.notify(event) and self._job is None:
            self._out += b"".join(self.session.idle_updates())

    def tls_started(self) -> None:
        """The TLS handshake after STARTTLS completed."""
        self.session.starttls_requested = False
        self.session.tls_active = True
        self._advance()

    def connection_lost(self) -> None:
        """The transport is gone: nothing more is read or sent."""
        self._job = None
        self._out.clear()
        self._lexer.clear()
        self.closed = True

    def timed_out(self) -> None:
        """The client was silent too long (RFC 3501 5.4: at least 30 minutes)."""
        self._job = None
        self._out += fmt.status(b"*", "BYE", "Autologout; idle for too long")
        self.closed = True

    # -- inside -----------------------------------------------------------------------------

    def _after_command(self) -> None:
        if self.session.state is State.LOGOUT:
            self.closed = True
        elif self.session.starttls_requested:
            self._lexer.clear()  # RFC 3501 6.2.1: drop anything pipelined after STARTTLS
        else:
            self._advance()

    def _advance(self) -> None:
        """Take commands from the input until one runs, or the slice of time is up (a read can
        hold thousands of lines: they are looked at a slice at a time, as long answers are)."""
        self._unread = False
        slices = Slices()
        while self._job is None and not self.closed and not self.session.starttls_requested:
            if self.session.pending_check is not None or self.session.pending_load is not None:
                return  # a login is being checked, or a read done: nothing more until then
            event = self._lexer.next_event()
            if event is NEED_DATA:
                return
            if event is MORE:
                pass
            elif isinstance(event, NeedContinuation):
                self._continuation()
            elif isinstance(event, Refused):
                self._refused(event)
            elif isinstance(event, Record):
                self._dispatch(event)
            if slices.due():
                self._unread = True
                return

    def _continuation(self) -> None:
        refusal = None if self.session.waiting else self._refusal(self._lexer.command_start())
        if refusal is None:
            self._out += fmt.continuation("Ready for literal data")
            return
        tag = self._lexer.refuse_pending_literal().tag or b"*"
        self._out += fmt.status(tag, *refusal)

    def _refusal(self, start: bytes) -> tuple[str, str, Atom | None] | None:
        """Why a command must be refused before the client sends its literal, if it must."""
        if not known_command(start):  # RFC 3501 7.5's example
            return "BAD", "Unknown command", None
        if append_target_missing(self.session, start):  # RFC 3502 6's example
            return "NO", "No such mailbox", Atom("TRYCREATE")
        return None

    def _refused(self, refused: Refused) -> None:
        if self.session.waiting:  # an over-long SASL response or IDLE line ends that command
            self._job = self.session.resume(b"*")
            return
        tag = refused.tag or b"*"
        if refused.message:  # RFC 7889 4: NO [TOOBIG] for a message over APPENDLIMIT
            self._out += fmt.status(tag, "NO", "Message too large", _TOOBIG)
            return
        what = "Literal too large" if refused.literal else "Command line too long"
        self._out += fmt.status(tag, "BAD", what, _TOOBIG)

    def _dispatch(self, record: Record) -> None:
        if self.session.waiting:
            line = record.segments[0] if not record.literals else b"*"
            self._job = self.session.resume(line)
            return
        try:
            tag, command = parse_command(record)
        except CommandError as error:
            tag = error.tag or tag_of(record.segments[0]) or b"*"
            self._out += fmt.status(tag, "BAD", f"Syntax error: {error.message}")
            return
        self._job = self.session.run(tag, command)
