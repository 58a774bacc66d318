"""SASL mechanisms (RFC 4422), written once for SMTP, POP3 and IMAP: PLAIN, LOGIN, CRAM-MD5.

A mechanism is a step-wise exchange with no I/O. :meth:`Mechanism.start` takes the initial
response (SMTP's and POP3's ``AUTH MECH arg``, IMAP's SASL-IR, RFC 4959) or None;
:meth:`Mechanism.respond` takes each later client response. Each step gives a
:class:`Challenge` to send or the finished :class:`~.credentials.Credentials` for the
:class:`~.authenticator.Authenticator` to check; it raises
:class:`~.credentials.Refusal` for credentials that break the rules (a failed login).

The three protocols put SASL on the wire the same way, and :func:`decode` and
:attr:`Challenge.line` are that way: base64 lines, ``=`` for an empty initial response, ``*``
to cancel (RFC 4954 4, RFC 5034 4, RFC 3501 6.2.2 with RFC 4959 3). A line that is not base64
or longer than 12,288 octets raises :class:`Malformed` (the protocol's syntax error); ``*``
raises :class:`Cancelled`.

SCRAM is left out: it needs the plain password or keys derived for it on the server, and every
client that can do SCRAM also does PLAIN over TLS.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from .credentials import (
    Credentials,
    Digest,
    Password,
    Refusal,
    check_name,
    check_password,
    same_identity,
)
from .credentials import password as password_credentials

#: RFC 4954 4: a server must take SASL response lines of at least 12,288 octets.
MAX_LINE = 12288


class Malformed(Exception):
    """A response line that is not base64, or too long: the protocol's syntax error."""


class Cancelled(Exception):
    """The client answered ``*``: the exchange is over, nobody logged in."""


@dataclass(frozen=True, slots=True)
class Challenge:
    """What the server sends next (``334 line``, ``+ line``)."""

    data: bytes

    @property
    def line(self) -> bytes:
        """The challenge as it goes on the wire: base64, nothing for an empty one."""
        return base64.b64encode(self.data)


Step = Challenge | Credentials


def decode(line: bytes, *, initial: bool = False) -> bytes:
    """A client's response line (without CRLF) as octets; ``initial`` for the one on the
    command line, where ``=`` stands for an empty response (RFC 4954 4, RFC 4959 3)."""
    line = line.strip(b" \t\r\n")
    if len(line) > MAX_LINE:
        raise Malformed("the SASL response is too long")
    if line == b"*":
        raise Cancelled
    if initial and line == b"=":
        return b""
    try:
        return base64.b64decode(line, validate=True)
    except (binascii.Error, ValueError):
        raise Malformed("the SASL response is not base64") from None


class Mechanism(ABC):
    """One exchange of one mechanism; a new object for every AUTH."""

    name: ClassVar[str]

    def __init__(self) -> None:
        self.finished = False

    def start(self, initial: bytes | None) -> Step:
        """The first step; ``initial`` is the decoded initial response, or None."""
        if initial is None:
            return self._challenge()
        return self.respond(initial)

    def respond(self, data: bytes) -> Step:
        """The next step for the client's decoded response."""
        if self.finished:
            raise Malformed("the exchange is over")
        step = self._step(data)
        self.finished = not isinstance(step, Challenge)
        return step

    @abstractmethod
    def _challenge(self) -> Challenge: ...

    @abstractmethod
    def _step(self, data: bytes) -> Step: ...


class Plain(Mechanism):
    """RFC 4616: one message, ``[authzid] NUL authcid NUL passwd``."""

    name = "PLAIN"

    def _challenge(self) -> Challenge:
        return Challenge(b"")

    def _step(self, data: bytes) -> Step:
        parts = data.split(b"\0")
        if len(parts) != 3:
            raise Refusal("PLAIN takes authzid NUL authcid NUL passwd")
        authzid, authcid, secret = parts
        credentials = password_credentials(authcid, secret)
        same_identity(authzid, credentials.name)
        return credentials


class Login(Mechanism):
    """The LOGIN mechanism (draft-murchison-sasl-login): the name, then the password."""

    name = "LOGIN"

    def __init__(self) -> None:
        super().__init__()
        self._name: str | None = None

    def _challenge(self) -> Challenge:
        return Challenge(b"Username:")

    def _step(self, data: bytes) -> Step:
        if self._name is None:
            self._name = check_name(data)
            return Challenge(b"Password:")
        return Password(self._name, check_password(data))


_CRAM_RESPONSE = re.compile(rb"(.+) ([0-9a-fA-F]{32})", re.DOTALL)


class CramMd5(Mechanism):
    """RFC 2195: a challenge in msg-id form, answered ``name SP hex(HMAC-MD5(password, it))``."""

    name = "CRAM-MD5"

    def __init__(
        self,
        hostname: str = "localhost",
        *,
        nonce: Callable[[], str] = lambda: secrets.token_hex(8),
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.challenge = f"<{nonce()}.{int(clock())}@{hostname}>".encode("ascii", "replace")

    def start(self, initial: bytes | None) -> Step:
        if initial is not None:  # RFC 2195 2: the server speaks first
            raise Malformed("CRAM-MD5 takes no initial response")
        return self._challenge()

    def _challenge(self) -> Challenge:
        return Challenge(self.challenge)

    def _step(self, data: bytes) -> Step:
        match = _CRAM_RESPONSE.fullmatch(data)
        if match is None:
            raise Refusal("CRAM-MD5 takes name SP digest")
        name, digest = match.groups()
        return Digest(check_name(name), self.challenge, digest.decode().lower(), "cram-md5")


MECHANISMS: dict[str, type[Mechanism]] = {m.name: m for m in (Plain, Login, CramMd5)}


def mechanism(name: str, hostname: str = "localhost") -> Mechanism | None:
    """A new exchange of the mechanism called ``name`` (any case), or None if unknown."""
    kind = MECHANISMS.get(name.upper())
    if kind is None:
        return None
    return kind(hostname) if kind is CramMd5 else kind()
