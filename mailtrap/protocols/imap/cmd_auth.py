"""Handlers of LOGIN and AUTHENTICATE (RFC 3501 6.2.2-6.2.3, RFC 4959 SASL-IR).

The mechanisms and the rules for names and passwords are :mod:`mailtrap.auth`'s, shared with
SMTP and POP3. A handler ends in :class:`~.outcomes.Verify`: the server checks the login (off
the loop when a hash is involved, after the failure delay) and hands back the verdict. Every
failure is ``NO [AUTHENTICATIONFAILED]`` (RFC 5530), whatever the reason, so a client cannot
tell a wrong password from an unknown account; a response that is not base64 is ``BAD``, and
``*`` cancels with ``BAD`` (RFC 3501 6.2.2).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

from ...auth import Cancelled, Challenge, Check, Login, Malformed, Mechanism, Refusal
from ...auth import credentials as rules
from ...auth.sasl import Step, decode
from . import commands as c
from .format import Atom
from .outcomes import Bad, Done, No, Outcome, Suspend, Verify
from .states import NOT_AUTHENTICATED, handles

if TYPE_CHECKING:
    from .session import Session

FAILED = Atom("AUTHENTICATIONFAILED")


def _verify(session: Session, found: rules.Credentials | None) -> Verify:
    def resume(login: Login | None) -> Generator[bytes, None, Done]:
        if login is None:
            raise No("Authentication failed", FAILED)
        # The account opens at login, so its INBOX's UIDVALIDITY is fixed from the first look.
        session.user = session.mailboxes.open(login.account)
        return Done("Logged in", session.capability_code())
        yield

    return Verify(Check(found), resume)


@handles(c.Login, NOT_AUTHENTICATED)
def login(session: Session, command: c.Login) -> Outcome:
    # RFC 3501 6.2.3
    try:
        found: rules.Credentials | None = rules.password(command.user, command.password)
    except Refusal:
        found = None
    return _verify(session, found)
    yield


@handles(c.Authenticate, NOT_AUTHENTICATED)
def authenticate(session: Session, command: c.Authenticate) -> Outcome:
    # RFC 3501 6.2.2; RFC 4959 (SASL-IR) for the initial response on the command line.
    exchange = session.authenticator.exchange(command.mechanism, session.hostname)
    if exchange is None:
        raise No("Unsupported authentication mechanism", Atom("CANNOT"))
    initial = command.initial
    return (yield from _step(session, exchange, lambda: _start(exchange, initial)))


def _start(exchange: Mechanism, initial: bytes | None) -> Step:
    return exchange.start(None if initial is None else decode(initial, initial=True))


def _step(
    session: Session, exchange: Mechanism, step: Callable[[], Step]
) -> Generator[bytes, None, Suspend | Verify]:
    try:
        result = step()
    except Malformed as error:
        raise Bad(str(error)) from None
    except Cancelled:
        raise Bad("AUTHENTICATE cancelled") from None
    except Refusal:
        return _verify(session, None)
    if not isinstance(result, Challenge):
        return _verify(session, result)
    yield b"+ " + result.line + b"\r\n"  # RFC 3501 7.5: the challenge, base64

    def resume(line: bytes) -> Generator[bytes, None, Suspend | Verify]:
        return (yield from _step(session, exchange, lambda: exchange.respond(decode(line))))

    return Suspend(resume)  # type: ignore[arg-type]
