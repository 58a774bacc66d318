"""The POP3 session: the state machine, and one small handler per command.

States and transitions follow RFC 1939 sections 3-6 and live in two tables
(:mod:`.states`: ``VALID_IN``, ``TRANSITIONS``); handlers ask for a transition, never set the
state.
Every ``-ERR`` produced for a command comes from :class:`Refused`, raised by a handler and
turned into a reply in one place, :meth:`Session.handle`.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..._version import __version__
from ...auth import Authenticator, Check, Login, Refusal, credentials, sasl
from ...auth.credentials import Credentials
from ...store import SEEN, Entry, MailboxSnapshot, MessageStore
from . import replies
from .commands import (
    Apop,
    Auth,
    Capa,
    Command,
    Dele,
    List,
    Noop,
    Pass,
    Quit,
    Retr,
    Rset,
    Stat,
    Stls,
    Top,
    Uidl,
    User,
)
from .maildrop import Maildrop, MaildropLocks
from .states import TRANSITIONS, VALID_IN, State, Trigger


class Action(enum.Enum):
    """What the connection must do after sending a response."""

    START_TLS = enum.auto()
    CLOSE = enum.auto()


@dataclass(frozen=True, slots=True)
class Response:
    data: bytes
    action: Action | None = None
    #: Set instead of ``data``: the answer waits for this check (the server's verdict goes to
    #: :meth:`Session.checked`, whose response is the answer).
    check: Check | None = None


def _check(found: Credentials | None) -> Response:
    return Response(b"", check=Check(found))


class Refused(Exception):
    """A command was understood but cannot be carried out: answered ``-ERR [code] text``."""

    def __init__(self, text: str, code: str | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.code = code


class Session:
    """One client's POP3 dialogue over a store; commands in, :class:`Response` out."""

    def __init__(
        self,
        store: MessageStore,
        locks: MaildropLocks,
        *,
        authenticator: Authenticator | None = None,
        hostname: str = "localhost",
        stamp: bytes = b"",
        tls_available: bool = False,
        tls_active: bool = False,
    ) -> None:
        self.store = store
        self.locks = locks
        self.authenticator = authenticator if authenticator is not None else Authenticator()
        self.hostname = hostname
        #: The greeting's APOP timestamp (RFC 1939 section 7).
        self.stamp = stamp
        self.tls_available = tls_available
        self.tls_active = tls_active
        self.state = State.AUTHORIZATION
        self.maildrop: Maildrop | None = None
        #: set after a login on a database: the maildrop's read, for the driver to run off the
        #: loop (the answer waits for :meth:`loaded`)
        self.pending_load: Callable[[], object] | None = None
        #: True while a SASL exchange waits for the client: the next line is its response.
        self.awaiting_sasl = False
        self._exchange: sasl.Mechanism | None = None
        self._user: str | None = None
        self._lock_key: str | None = None

    # -- the state machine ---------------------------------------------------------------------

    def _fire(self, trigger: Trigger) -> None:
        if trigger is Trigger.DROPPED:
            self.state = State.CLOSED
        else:
            self.state = TRANSITIONS[(self.state, trigger)]
        if self.state is State.CLOSED and self._lock_key is not None:
            self.locks.release(self._lock_key)
            self._lock_key = None

    def handle(self, command: Command) -> Response:
        """Answer one command; errors become ``-ERR`` here and the session goes on."""
        if self.state not in VALID_IN[type(command)]:
            name = type(command).__name__.upper()
            return Response(replies.err(f"{name} is not valid in the {self.state.value} state"))
        try:
            return _HANDLERS[type(command)](self, command)
        except Refused as refused:
            return Response(replies.err(refused.text, refused.code))

    def dropped(self) -> None:
        """The connection is gone or timed out: no UPDATE state, nothing deleted (RFC 1939 6)."""
        self.awaiting_sasl = False
        self._exchange = None
        self._fire(Trigger.DROPPED)

    def tls_started(self) -> None:
        """TLS is up after STLS: forget anything learnt in plain text (RFC 2595 section 4)."""
        self.tls_active = True
        self._user = None

    # -- AUTHORIZATION -----------------------------------------------------------------------

    def _login(self, name: str) -> Response | None:
        """Open the maildrop of the account ``name`` (its login checked), locking it."""
        self._user = None
        key = self.locks.acquire(name)
        if key is None:
            # RFC 2449 section 8.1.2: another session holds this maildrop.
            raise Refused("maildrop is already in use", "IN-USE")
        self._lock_key = key
        if self.store.blocking_writes:  # a database: the maildrop is read off the event loop
            self.pending_load = lambda: (name, self.store.open_account(name))
            return None
        return self._opened(name, self.store.open_account(name))

    def loaded(self, result: object) -> Response:
        """The maildrop :attr:`pending_load` read: the login's answer."""
        assert isinstance(result, tuple)
        name, snapshot = result
        self.pending_load = None
        return self._opened(name, snapshot)

    def _opened(self, name: str, snapshot: MailboxSnapshot) -> Response:
        self.maildrop = Maildrop(name, snapshot, self.store.raw)
        self._fire(Trigger.LOGIN)
        count, octets = self.maildrop.stat()
        return Response(
            replies.ok(f"{replies.quote(name)} has {count} message(s) ({octets} octets)")
        )

    def checked(self, login: Login | None) -> Response | None:
        """The authenticator's verdict on the :class:`Check` a command asked for."""
        if login is None:
            # RFC 3206 4: [AUTH] says the credentials failed; the same for every reason.
            return Response(replies.err("authentication failed", "AUTH"))
        try:
            return self._login(login.account)
        except Refused as refused:
            return Response(replies.err(refused.text, refused.code))

    def _on_user(self, command: User) -> Response:
        # RFC 1939 section 7: USER name, then PASS. Any name is taken: PASS says if it works.
        self._user = command.name
        return Response(replies.ok(f"{replies.quote(command.name)} accepted, send PASS"))

    def _on_pass(self, command: Pass) -> Response:
        if self._user is None:
            raise Refused("send USER first")
        name, self._user = self._user, None
        try:
            return _check(credentials.password(name, command.password))
        except Refusal:
            return _check(None)

    def _on_apop(self, command: Apop) -> Response:
        # RFC 1939 section 7: the digest of the greeting's timestamp and the password.
        if not self.authenticator.offers_digests:
            raise Refused("APOP is not offered: use USER and PASS")
        try:
            name = credentials.check_name(command.name)
        except Refusal:
            return _check(None)
        digest = command.digest.lower()
        return _check(credentials.Digest(name, self.stamp, digest, "apop"))

    def _on_auth(self, command: Auth) -> Response:
        # RFC 5034 section 4: AUTH mechanism [initial-response], then + challenges.
        exchange = self.authenticator.exchange(command.mechanism, self.hostname)
        if exchange is None:
            raise Refused("unsupported SASL mechanism")
        initial = command.initial
        return self._step(
            lambda: exchange.start(
                None if initial is None else sasl.decode(initial.encode(), initial=True)
            ),
            exchange,
        )

    def sasl_response(self, line: bytes) -> Response:
        """The client's answer to our ``+`` challenge during ``AUTH``."""
        exchange, self._exchange = self._exchange, None
        self.awaiting_sasl = False
        assert exchange is not None
        return self._step(lambda: exchange.respond(sasl.decode(line)), exchange)

    def _step(self, step: Callable[[], sasl.Step], exchange: sasl.Mechanism) -> Response:
        try:
            result = step()
        except sasl.Malformed as error:
            return Response(replies.err(str(error)))
        except sasl.Cancelled:
            return Response(replies.err("authentication cancelled"))  # RFC 5034 section 4
        except Refusal:
            return _check(None)
        if isinstance(result, sasl.Challenge):
            self.awaiting_sasl = True
            self._exchange = exchange
            return Response(b"+ " + result.line + b"\r\n")
        return _check(result)

    def _on_stls(self, command: Stls) -> Response:
        # RFC 2595 section 4.
        if not self.tls_available:
            raise Refused("TLS is not configured on this server")
        if self.tls_active:
            raise Refused("TLS is already active")
        self._user = None
        return Response(replies.ok("begin TLS negotiation"), Action.START_TLS)

    def _on_capa(self, command: Capa) -> Response:
        # RFC 2449 section 5; USER and SASL stay listed after login ("both" states, section 6);
        # RFC 3206 5: AUTH-RESP-CODE, the [AUTH] code on failed logins.
        sasl_names = " ".join(self.authenticator.mechanisms())
        capabilities = ["TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
        capabilities.append(f"SASL {sasl_names}")
        if self.tls_available and not self.tls_active and self.state is State.AUTHORIZATION:
            capabilities.append("STLS")
        capabilities.append(f"IMPLEMENTATION mailtrap-{__version__}")
        return Response(replies.listing(replies.ok("capability list follows"), capabilities))

    def _on_quit(self, command: Quit) -> Response:
        if self.state is State.AUTHORIZATION:
            self._fire(Trigger.QUIT)
            return Response(replies.ok("mailtrap POP3 signing off"), Action.CLOSE)
        # RFC 1939 section 6: QUIT from TRANSACTION enters UPDATE and removes marked messages.
        self._fire(Trigger.QUIT)
        maildrop = self._open()
        try:
            self.store.expunge(maildrop.address, maildrop.deleted_uids())
        except Exception:
            reply = replies.err("some deleted messages not removed", "SYS/TEMP")
        else:
            left = self.store.folder(maildrop.address)  # the kept count: no read of the folder
            count = left.total if left is not None else 0
            reply = replies.ok(f"mailtrap POP3 signing off ({count} message(s) left)")
        finally:
            self._fire(Trigger.UPDATED)
        return Response(reply, Action.CLOSE)

    # -- TRANSACTION ---------------------------------------------------------------------------

    def _open(self) -> Maildrop:
        assert self.maildrop is not None
        return self.maildrop

    def _message(self, msg: int) -> Maildrop:
        """The maildrop, after checking ``msg`` names a message that is not marked deleted."""
        maildrop = self._open()
        if maildrop.get(msg) is None:
            if maildrop.is_deleted(msg):
                raise Refused(f"message {msg} is marked deleted")
            raise Refused(f"no such message: {msg}")
        return maildrop

    def _on_stat(self, command: Stat) -> Response:
        # RFC 1939 section 5: "+OK count octets", deleted messages not counted.
        count, octets = self._open().stat()
        return Response(replies.ok(f"{count} {octets}"))

    def _on_list(self, command: List) -> Response:
        if command.msg is not None:
            maildrop = self._message(command.msg)
            return Response(replies.ok(f"{command.msg} {maildrop.size(command.msg)}"))
        maildrop = self._open()
        count, octets = maildrop.stat()
        lines = [f"{n} {maildrop.size(n)}" for n in maildrop.visible()]
        status = replies.ok(f"{count} message(s) ({octets} octets)")
        return Response(replies.listing(status, lines))

    def _on_uidl(self, command: Uidl) -> Response:
        if command.msg is not None:
            maildrop = self._message(command.msg)
            return Response(replies.ok(f"{command.msg} {maildrop.unique_id(command.msg)}"))
        maildrop = self._open()
        lines = [f"{n} {maildrop.unique_id(n)}" for n in maildrop.visible()]
        return Response(replies.listing(replies.ok("unique-id listing follows"), lines))

    def _on_retr(self, command: Retr) -> Response:
        maildrop = self._message(command.msg)
        entry = maildrop.get(command.msg)
        assert entry is not None
        raw = self._raw(entry)
        # Like IMAP's BODY[], reading a message sets \Seen in this recipient's mailbox only.
        self.store.store_flags(maildrop.address, [entry.uid], [SEEN], "add")
        status = replies.ok(f"{maildrop.size(command.msg)} octets")
        return Response(replies.multiline(status, replies.with_crlf(raw)))

    def _raw(self, entry: Entry) -> bytes:
        raw = self.store.raw(entry.message.id)
        if raw is None:  # expunged over IMAP (or the API) since this session's login
            raise Refused("message was deleted by another session")
        return raw

    def _on_top(self, command: Top) -> Response:
        maildrop = self._message(command.msg)
        entry = maildrop.get(command.msg)
        assert entry is not None
        body = replies.top(self._raw(entry), command.lines)
        return Response(replies.multiline(replies.ok("top of message follows"), body))

    def _on_dele(self, command: Dele) -> Response:
        maildrop = self._message(command.msg)
        maildrop.mark_deleted(command.msg)
        return Response(replies.ok(f"message {command.msg} deleted"))

    def _on_noop(self, command: Noop) -> Response:
        return Response(replies.ok())

    def _on_rset(self, command: Rset) -> Response:
        maildrop = self._open()
        maildrop.unmark_all()
        count, octets = maildrop.stat()
        return Response(replies.ok(f"maildrop has {count} message(s) ({octets} octets)"))


_HANDLERS: dict[type, Callable[[Session, Any], Response]] = {
    User: Session._on_user,
    Pass: Session._on_pass,
    Apop: Session._on_apop,
    Auth: Session._on_auth,
    Stls: Session._on_stls,
    Capa: Session._on_capa,
    Quit: Session._on_quit,
    Stat: Session._on_stat,
    List: Session._on_list,
    Uidl: Session._on_uidl,
    Retr: Session._on_retr,
    Top: Session._on_top,
    Dele: Session._on_dele,
    Noop: Session._on_noop,
    Rset: Session._on_rset,
}
