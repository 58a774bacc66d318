"""Handlers of LOGIN and AUTHENTICATE PLAIN (RFC 3501 6.2.2-6.2.3, RFC 4616, RFC 4959).

The login name is a recipient address; any password is accepted, as befits a test mail sink.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Generator
from typing import TYPE_CHECKING

from ...message import normalize_address
from . import commands as c
from . import format as fmt
from .format import Atom
from .outcomes import Bad, Done, No, Outcome, Suspend
from .states import NOT_AUTHENTICATED, handles

if TYPE_CHECKING:
    from .session import Session

MAX_USER = 512


def _log_in(session: Session, user: bytes) -> Done:
    try:
        name = user.decode("utf-8")
    except UnicodeDecodeError:
        raise No("The user name must be UTF-8", Atom("AUTHENTICATIONFAILED")) from None
    if not name.strip() or len(user) > MAX_USER or not name.isprintable():
        raise No("Invalid user name", Atom("AUTHENTICATIONFAILED"))
    session.user = session.mailboxes.open(normalize_address(name))
    return Done("Logged in", session.capability_code())


@handles(c.Login, NOT_AUTHENTICATED)
def login(session: Session, command: c.Login) -> Outcome:
    # RFC 3501 6.2.3
    return _log_in(session, command.user)
    yield


def _plain(session: Session, response: bytes) -> Done:
    """RFC 4616: ``[authzid] NUL authcid NUL passwd``; the authzid, if given, is the user."""
    if response.strip() == b"*":  # RFC 3501 6.2.2: the client cancelled
        raise Bad("AUTHENTICATE cancelled")
    try:
        decoded = base64.b64decode(response.strip(), validate=True) if response != b"=" else b""
    except (binascii.Error, ValueError):
        raise Bad("Invalid base64 in the SASL response") from None
    parts = decoded.split(b"\0")
    if len(parts) != 3 or not parts[1]:
        raise No("Malformed PLAIN credentials", Atom("AUTHENTICATIONFAILED"))
    authzid, authcid, _password = parts
    return _log_in(session, authzid or authcid)


@handles(c.Authenticate, NOT_AUTHENTICATED)
def authenticate(session: Session, command: c.Authenticate) -> Outcome:
    # RFC 3501 6.2.2; RFC 4959 (SASL-IR) for the initial response on the command line.
    if command.mechanism != "PLAIN":
        raise No("Unsupported authentication mechanism", Atom("CANNOT"))
    if command.initial is not None:
        return _plain(session, command.initial)
    yield fmt.continuation()

    def resume(line: bytes) -> Generator[bytes, None, Done]:
        return _plain(session, line)
        yield

    return Suspend(resume)
