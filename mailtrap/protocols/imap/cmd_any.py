"""Handlers of the commands valid in any state, and of ID, ENABLE and STARTTLS (RFC 3501 6.1).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import commands as c
from . import format as fmt
from .format import Atom
from .outcomes import Bad, Done, No, Outcome
from .states import ANY, AUTHENTICATED, NOT_AUTHENTICATED, handles

if TYPE_CHECKING:
    from .session import Session


@handles(c.Capability, ANY)
def capability(session: Session, command: c.Capability) -> Outcome:
    # RFC 3501 6.1.1
    yield fmt.untagged(*session.capability_code())
    return Done("CAPABILITY completed")


@handles(c.Noop, ANY)
def noop(session: Session, command: c.Noop) -> Outcome:
    # RFC 3501 6.1.2: updates are sent by the session before the tagged OK.
    return Done("NOOP completed")
    yield


@handles(c.Logout, ANY)
def logout(session: Session, command: c.Logout) -> Outcome:
    # RFC 3501 6.1.3
    yield fmt.status(b"*", "BYE", "Logging out")
    return Done("LOGOUT completed")


@handles(c.Id, ANY)
def identify(session: Session, command: c.Id) -> Outcome:
    # RFC 2971 3.1: the client's fields are ignored; ours are sent back.
    fields: list[str] = []
    for name, value in session.server_id.items():
        fields += [name, value]
    yield fmt.untagged(Atom("ID"), fields)
    return Done("ID completed")


@handles(c.Enable, AUTHENTICATED)
def enable(session: Session, command: c.Enable) -> Outcome:
    # RFC 5161 3.1: none of the extensions ENABLE can turn on is offered, so none is enabled.
    yield b"* ENABLED\r\n"
    return Done("ENABLE completed")


@handles(c.StartTls, NOT_AUTHENTICATED)
def starttls(session: Session, command: c.StartTls) -> Outcome:
    # RFC 3501 6.2.1
    if session.tls_active:
        raise Bad("TLS is already active")
    if not session.tls_available:
        raise No("TLS is not configured on this server")
    session.starttls_requested = True
    return Done("Begin TLS negotiation now")
    yield
