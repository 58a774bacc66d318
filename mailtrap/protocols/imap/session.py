"""One IMAP session: runs each command's handler and maps its outcome to the tagged response.

This is the one place where OK/NO/BAD are produced, the state table is applied, and the
selected mailbox's pending updates are sent (before the tagged response, RFC 3501 7.4.1).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterator

from ..._version import __version__
from ...auth import Authenticator, Check, Login
from ...store import MessageStore, StoreEvent
from . import (  # noqa: F401 (register handlers)
    cmd_any,
    cmd_auth,
    cmd_folders,
    cmd_mailbox,
    cmd_selected,
    cmd_write,
    listing,
)
from . import commands as c
from . import format as fmt
from .format import Atom
from .mailboxes import Mailboxes
from .outcomes import Bad, Done, Load, No, Suspend, Verify
from .selected import SelectedMailbox
from .states import HANDLERS, State, next_state

log = logging.getLogger("mailtrap.imap")

BASE_CAPABILITIES = (
    "IMAP4rev1",
    "LITERAL+",
    "SASL-IR",
    "ID",
    "ENABLE",
    "IDLE",
    "NAMESPACE",
    "UNSELECT",
    "CHILDREN",
    "UIDPLUS",
    "MOVE",
    "MULTIAPPEND",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "SPECIAL-USE",
    "CREATE-SPECIAL-USE",
)
#: Commands during whose answer no EXPUNGE may be sent (RFC 3501 7.4.1); their UID forms may.
_NO_EXPUNGE = (c.Fetch, c.Store, c.Search)


def command_name(command: c.Command) -> str:
    """The command's name as the client wrote it (``UID MOVE``, ``EXAMINE``, ``LSUB``, ...)."""
    if isinstance(command, c.ListMailboxes):
        return "LSUB" if command.lsub else "LIST"
    if isinstance(command, c.Subscribe):
        return "SUBSCRIBE" if command.subscribe else "UNSUBSCRIBE"
    if isinstance(command, c.Select):
        return "EXAMINE" if command.readonly else "SELECT"
    if isinstance(command, c.UidExpunge):
        return "UID EXPUNGE"
    name = "MOVE" if isinstance(command, c.Copy) and command.move else type(command).__name__
    return ("UID " if getattr(command, "uid", False) else "") + name.upper()


class Session:
    """The state of one client's session and the handlers' access to the server."""

    def __init__(
        self,
        mailboxes: Mailboxes,
        *,
        tls_available: bool = False,
        tls_active: bool = False,
        append_limit: int | None = None,
        authenticator: Authenticator | None = None,
        hostname: str = "localhost",
    ) -> None:
        self.mailboxes = mailboxes
        #: Who may log in (the runtime's; any password by default).
        self.authenticator = authenticator if authenticator is not None else Authenticator()
        self.hostname = hostname
        #: The largest message APPEND takes (RFC 7889 APPENDLIMIT), when there is a limit.
        self.append_limit = append_limit
        self.state = State.NOT_AUTHENTICATED
        self.user: str | None = None
        self.selected: SelectedMailbox | None = None
        self.tls_available = tls_available
        self.tls_active = tls_active
        #: Set by STARTTLS: the connection must upgrade before reading anything more.
        self.starttls_requested = False
        self.server_id = {"name": "mailtrap", "version": __version__}
        self._waiting: tuple[bytes, c.Command, Suspend] | None = None
        self._verifying: tuple[bytes, c.Command, Verify] | None = None
        self._loading: tuple[bytes, c.Command, Load] | None = None
        #: store events that came while a command waited for its load
        self._held: list[StoreEvent] = []

    @property
    def store(self) -> MessageStore:
        return self.mailboxes.store

    def capabilities(self) -> list[str]:
        caps = list(BASE_CAPABILITIES)
        caps += (f"AUTH={name}" for name in self.authenticator.mechanisms())
        if self.append_limit is not None:
            caps.append(f"APPENDLIMIT={self.append_limit}")
        if self.tls_available and not self.tls_active and self.state is State.NOT_AUTHENTICATED:
            caps.append("STARTTLS")
        return caps

    def capability_code(self) -> list[Atom]:
        return [Atom("CAPABILITY"), *(Atom(cap) for cap in self.capabilities())]

    def require_selected(self) -> SelectedMailbox:
        if self.selected is None:
            raise Bad("no mailbox selected")
        return self.selected

    # -- running commands -------------------------------------------------------------------

    @property
    def waiting(self) -> bool:
        """True while a command waits for a client line (IDLE, a SASL exchange)."""
        return self._waiting is not None

    @property
    def idling(self) -> bool:
        return self._waiting is not None and isinstance(self._waiting[1], c.Idle)

    def run(self, tag: bytes, command: c.Command) -> Iterator[bytes]:
        """The responses to one command, untagged first and the tagged one last."""
        handler = HANDLERS[type(command)]
        if self.state not in handler.states:
            yield fmt.status(tag, "BAD", f"{command_name(command)} is not valid in this state")
            return
        yield from self._finish(tag, command, handler.run(self, command))

    @property
    def pending_check(self) -> Check | None:
        """The login a command waits to have checked (see :meth:`verified`), or None."""
        return self._verifying[2].check if self._verifying is not None else None

    def verified(self, login: Login | None) -> Iterator[bytes]:
        """The server's verdict on :attr:`pending_check`: the command goes on."""
        assert self._verifying is not None
        tag, command, verify = self._verifying
        self._verifying = None
        yield from self._finish(tag, command, verify.resume(login))

    @property
    def pending_load(self) -> Callable[[], object] | None:
        """A store read a command waits to have run off the loop (see :meth:`loaded`)."""
        return self._loading[2].load if self._loading is not None else None

    def hold(self, event: StoreEvent) -> None:
        """Keep a store event that came while a command waited for its load."""
        self._held.append(event)

    def held(self) -> list[StoreEvent]:
        """The events kept during the load, handed over once (the resumed command applies them
        to what it loaded, so nothing that changed meanwhile goes unreported)."""
        events, self._held = self._held, []
        return events

    def loaded(self, result: object) -> Iterator[bytes]:
        """What :attr:`pending_load` returned: the command goes on."""
        assert self._loading is not None
        tag, command, load = self._loading
        self._loading = None
        yield from self._finish(tag, command, load.resume(result))

    def resume(self, line: bytes) -> Iterator[bytes]:
        """Hand a client line to the waiting command."""
        assert self._waiting is not None
        tag, command, suspend = self._waiting
        self._waiting = None
        yield from self._finish(tag, command, suspend.resume(line))

    def idle_updates(self) -> list[bytes]:
        """What an idling client is told as soon as the store changes (RFC 2177)."""
        if self.idling and self.selected is not None:
            return self.selected.updates(allow_expunge=True)
        return []

    def _finish(
        self, tag: bytes, command: c.Command, outcome: Generator[bytes, None, object]
    ) -> Iterator[bytes]:
        before = self.state
        try:
            result = yield from outcome
        except No as error:
            status, line = "NO", fmt.status(tag, "NO", error.text, error.code)
        except Bad as error:
            status, line = "BAD", fmt.status(tag, "BAD", error.text, error.code)
        except Exception:
            log.exception("IMAP handler failed on %r", command)
            status, line = "NO", fmt.status(tag, "NO", "Internal error", Atom("SERVERBUG"))
        else:
            if isinstance(result, Suspend):
                self._waiting = (tag, command, result)
                return
            if isinstance(result, Verify):
                self._verifying = (tag, command, result)
                return
            if isinstance(result, Load):
                self._loading = (tag, command, result)
                return
            done = result if isinstance(result, Done) else Done()
            status, line = "OK", fmt.status(tag, "OK", done.text, done.code)
        self.state = next_state(self.state, command, status)
        if self.state is not State.SELECTED:
            self.selected = None
        elif before is State.SELECTED and not isinstance(command, c.Select):
            assert self.selected is not None
            uid = getattr(command, "uid", False)
            allow = uid or not isinstance(command, _NO_EXPUNGE)
            yield from self.selected.updates(allow_expunge=allow)
        yield line
