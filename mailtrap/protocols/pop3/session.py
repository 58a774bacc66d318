"""The POP3 session: the state machine, and one small handler per command.

States and transitions follow RFC 1939 sections 3-6 and live in two tables below
(:data:`VALID_IN`, :data:`TRANSITIONS`); handlers ask for a transition, never set the state.
Every ``-ERR`` produced for a command comes from :class:`Refused`, raised by a handler and
turned into a reply in one place, :meth:`Session.handle`.
"""

from __future__ import annotations

import binascii
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..._version import __version__
from ...store import SEEN, Entry, MessageStore
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


class State(enum.Enum):
    #: Before login: USER/PASS, APOP, AUTH, STLS, CAPA, QUIT.
    AUTHORIZATION = "AUTHORIZATION"
    #: Logged in, the maildrop locked: the message commands.
    TRANSACTION = "TRANSACTION"
    #: After QUIT from TRANSACTION, while deletions are applied.
    UPDATE = "UPDATE"
    #: Nothing more is read; the connection is to be closed.
    CLOSED = "CLOSED"


class Trigger(enum.Enum):
    LOGIN = enum.auto()
    QUIT = enum.auto()
    UPDATED = enum.auto()
    DROPPED = enum.auto()


AUTH_ONLY = frozenset({State.AUTHORIZATION})
TRANSACTION_ONLY = frozenset({State.TRANSACTION})
BOTH = AUTH_ONLY | TRANSACTION_ONLY

#: Command type -> the states it is valid in (RFC 1939 sections 4-7, RFC 2449 section 5).
VALID_IN: dict[type, frozenset[State]] = {
    User: AUTH_ONLY,
    Pass: AUTH_ONLY,
    Apop: AUTH_ONLY,
    Auth: AUTH_ONLY,
    Stls: AUTH_ONLY,
    Capa: BOTH,
    Quit: BOTH,
    Stat: TRANSACTION_ONLY,
    List: TRANSACTION_ONLY,
    Uidl: TRANSACTION_ONLY,
    Retr: TRANSACTION_ONLY,
    Top: TRANSACTION_ONLY,
    Dele: TRANSACTION_ONLY,
    Noop: TRANSACTION_ONLY,
    Rset: TRANSACTION_ONLY,
}

#: (state, trigger) -> next state. DROPPED leads to CLOSED from anywhere; the rest is invalid.
TRANSITIONS: dict[tuple[State, Trigger], State] = {
    (State.AUTHORIZATION, Trigger.LOGIN): State.TRANSACTION,
    (State.AUTHORIZATION, Trigger.QUIT): State.CLOSED,
    (State.TRANSACTION, Trigger.QUIT): State.UPDATE,
    (State.UPDATE, Trigger.UPDATED): State.CLOSED,
}


class Action(enum.Enum):
    """What the connection must do after sending a response."""

    START_TLS = enum.auto()
    CLOSE = enum.auto()


@dataclass(frozen=True, slots=True)
class Response:
    data: bytes
    action: Action | None = None


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
        tls_available: bool = False,
        tls_active: bool = False,
    ) -> None:
        self.store = store
        self.locks = locks
        self.tls_available = tls_available
        self.tls_active = tls_active
        self.state = State.AUTHORIZATION
        self.maildrop: Maildrop | None = None
        #: True after ``AUTH PLAIN`` without an initial response: the next line is the response.
        self.awaiting_sasl = False
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
        self._fire(Trigger.DROPPED)

    def tls_started(self) -> None:
        """TLS is up after STLS: forget anything learnt in plain text (RFC 2595 section 4)."""
        self.tls_active = True
        self._user = None

    # -- AUTHORIZATION -----------------------------------------------------------------------

    def _login(self, name: str) -> Response:
        """Open the maildrop of ``name`` (any credentials are accepted), locking it."""
        self._user = None
        if not name:
            raise Refused("empty user name")
        key = self.locks.acquire(name)
        if key is None:
            # RFC 2449 section 8.1.2: another session holds this maildrop.
            raise Refused("maildrop is already in use", "IN-USE")
        self._lock_key = key
        self.maildrop = Maildrop(name, self.store.open_account(name), self.store.raw)
        self._fire(Trigger.LOGIN)
        count, octets = self.maildrop.stat()
        return Response(
            replies.ok(f"{replies.quote(name)} has {count} message(s) ({octets} octets)")
        )

    def _on_user(self, command: User) -> Response:
        # RFC 1939 section 7: USER name, then PASS.
        self._user = command.name
        return Response(replies.ok(f"{replies.quote(command.name)} accepted, send PASS"))

    def _on_pass(self, command: Pass) -> Response:
        if self._user is None:
            raise Refused("send USER first")
        return self._login(self._user)

    def _on_apop(self, command: Apop) -> Response:
        # RFC 1939 section 7: any digest is accepted (no users are configured).
        return self._login(command.name)

    def _on_auth(self, command: Auth) -> Response:
        # RFC 5034 section 4.
        if command.mechanism != "PLAIN":
            raise Refused("unsupported SASL mechanism; use PLAIN")
        if command.initial is None:
            self.awaiting_sasl = True
            return Response(replies.continuation())
        return self._plain(command.initial)

    def sasl_response(self, line: bytes) -> Response:
        """The client's answer to our ``+`` challenge during ``AUTH PLAIN``."""
        self.awaiting_sasl = False
        if line.strip() == b"*":
            # RFC 5034 section 4: "*" cancels the exchange.
            return Response(replies.err("authentication cancelled"))
        try:
            return self._plain(line.decode("ascii", "replace").strip())
        except Refused as refused:
            return Response(replies.err(refused.text, refused.code))

    def _plain(self, encoded: str) -> Response:
        # RFC 4616 section 2: message = [authzid] NUL authcid NUL passwd, base64 in POP3.
        try:
            decoded = b"" if encoded == "=" else binascii.a2b_base64(encoded, strict_mode=True)
            authzid, authcid, _password = decoded.decode("utf-8").split("\0")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise Refused("malformed AUTH PLAIN response") from None
        return self._login(authzid or authcid)

    def _on_stls(self, command: Stls) -> Response:
        # RFC 2595 section 4.
        if not self.tls_available:
            raise Refused("TLS is not configured on this server")
        if self.tls_active:
            raise Refused("TLS is already active")
        self._user = None
        return Response(replies.ok("begin TLS negotiation"), Action.START_TLS)

    def _on_capa(self, command: Capa) -> Response:
        # RFC 2449 section 5; USER and SASL stay listed after login ("both" states, section 6).
        capabilities = ["TOP", "UIDL", "USER", "RESP-CODES", "PIPELINING", "SASL PLAIN"]
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
            left = self.store.snapshot(maildrop.address)
            count = len(left.entries) if left is not None else 0
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
