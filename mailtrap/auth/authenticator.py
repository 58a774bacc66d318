"""The one authenticator: which logins succeed, in which mode, and what each may read.

Modes (``--auth``, ``MAILTRAP_AUTH``, ``MailTrap(auth=...)``), the same for every protocol:

- ``any`` (the default): any password; the login name chooses the mailbox.
- ``own``: any password, but a login reaches only its own address's mailboxes.
- ``users``: only the accounts of :class:`~.users.Users`, with their passwords.

CRAM-MD5 and APOP need the plain password: they are offered in ``any`` and ``own`` mode, and in
``users`` mode while every account has a plain one (``{PLAIN}``, inline, the Python API); a
client that prefers them (mutt, smtplib) would otherwise pick them for a hashed account, where
they fail like a wrong password. A name that is not an account is checked against a decoy of
the accounts' usual hash, so a failure takes as long whether or not the account exists.

The HTTP viewer and API (:meth:`Authenticator.verify_viewer`) also take the ``--ui-auth``
htpasswd users, who see everything; in ``any`` mode only they are asked for, and only when
given. Verified hashed passwords are remembered (keyed by an HMAC under a key of this process,
at most :data:`REMEMBERED`), so a browser's basic auth does not pay bcrypt on every request.

:meth:`Authenticator.verify` may take as long as a hash costs (bcrypt: a fifth of a second):
callers on an event loop run it in a worker thread when :attr:`Authenticator.costly`.

The mechanisms, hashes and users' table load with the first login or account, not with the
servers: a sink that only takes mail never needs them.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import enum
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..message import mailbox_key, normalize_address
from ..record import Record

if TYPE_CHECKING:
    from .credentials import Credentials, Digest, Password
    from .hashes import Secret
    from .sasl import Mechanism
    from .throttle import Throttle
    from .users import Htpasswd, Users

#: How many verified hashed logins are remembered.
REMEMBERED = 256
#: The SASL mechanisms there are (:mod:`.sasl`'s), in order of preference; the last two need
#: a plain password.
MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5")


class Mode(enum.Enum):
    ANY = "any"
    OWN = "own"
    USERS = "users"


class Login(Record):
    """Who logged in: the account whose mailboxes a session opens, and whether that is all it
    may reach (``own`` and ``users`` mode, an account on the viewer)."""

    account: str
    confined: bool = False

    def may_read(self, owner: str) -> bool:
        """Whether this login may see anything of the account ``owner``."""
        return not self.confined or mailbox_key(owner) == mailbox_key(self.account)


class Authenticator:
    """Checks credentials for every front-end of one runtime; thread-safe."""

    def __init__(
        self,
        mode: Mode | str = Mode.ANY,
        users: Users | None = None,
        *,
        viewers: Htpasswd | None = None,
        throttle: Throttle | None = None,
    ) -> None:
        self.mode = Mode(mode)
        self._users = users
        self.viewers = viewers
        self._throttle = throttle
        self._key = os.urandom(32)  # secrets.token_bytes
        self._lock = threading.Lock()
        self._remembered: OrderedDict[bytes, int] = OrderedDict()  # HMAC -> table version

    @property
    def throttle(self) -> Throttle:
        """The failure-delay policy shared by every protocol of this runtime (unless one was
        given, a disabled one, made when first asked for: after the first login)."""
        if self._throttle is None:
            from .throttle import Throttle

            self._throttle = Throttle(enabled=False)
        return self._throttle

    @property
    def users(self) -> Users:
        """The accounts of ``users`` mode (empty in the other modes)."""
        if self._users is None:
            from .users import Users

            self._users = Users()
        return self._users

    # -- what is offered -----------------------------------------------------------------------

    @property
    def offers_digests(self) -> bool:
        """Whether CRAM-MD5 and APOP are offered (they can succeed for every account)."""
        return self.mode is not Mode.USERS or self.users.all_plain()

    def mechanisms(self) -> tuple[str, ...]:
        """The SASL mechanisms to advertise, in order of preference."""
        return MECHANISMS if self.offers_digests else MECHANISMS[:2]

    def exchange(self, name: str, hostname: str = "localhost") -> Mechanism | None:
        """A new exchange of an offered mechanism, or None when ``name`` is not offered."""
        if name.upper() not in self.mechanisms():
            return None
        from .sasl import mechanism

        return mechanism(name, hostname)

    @property
    def viewer_needs_login(self) -> bool:
        """Whether HTTP asks for basic auth (``own``/``users`` mode, or ``--ui-auth`` given)."""
        return self.mode is not Mode.ANY or self.viewers is not None

    @property
    def costly(self) -> bool:
        """Whether :meth:`verify` may check a hash (and so belongs off the event loop)."""
        return (self.mode is Mode.USERS and not self.users.all_plain()) or (
            self.viewers is not None
        )

    def inboxes(self, rcpt_tos: Sequence[str]) -> list[str] | None:
        """The accounts whose INBOX gets mail to these recipients when that is not theirs
        (``users`` mode: an alias's or catch-all's account), else None."""
        if self.mode is not Mode.USERS:
            return None
        owners = [self.users.owner(r) or r for r in rcpt_tos]
        return owners if owners != list(rcpt_tos) else None

    # -- checking ------------------------------------------------------------------------------

    def verify(self, credentials: Credentials) -> Login | None:
        """The login these credentials open (mail protocols), or None."""
        if self.mode is not Mode.USERS:
            return Login(normalize_address(credentials.name), self.mode is Mode.OWN)
        account = self.users.get(credentials.name)
        secret = account.secret if account is not None else self.users.decoy()
        checked = self._check(secret, credentials, (b"users", self.users.version))
        if not checked or account is None:
            return None
        return Login(account.address, confined=True)

    def verify_viewer(self, credentials: Password) -> Login | None:
        """The login HTTP basic credentials open: an ``--ui-auth`` user sees everything, an
        account (``own``/``users`` mode) only itself; None when they open nothing."""
        if self.viewers is not None:
            secret = self.viewers.get(credentials.name)
            if secret is not None or self.mode is Mode.ANY:
                checked = self._check(secret or self.viewers.decoy(), credentials, (b"viewers", 0))
                return Login(credentials.name) if checked and secret is not None else None
        if self.mode is Mode.ANY:
            return None
        login = self.verify(credentials)
        return None if login is None else Login(login.account, confined=True)

    def _check(self, secret: Secret, credentials: Credentials, table: tuple[bytes, int]) -> bool:
        """Whether the credentials match ``secret``; ``table`` names where it came from and
        that table's version, so a remembered success is forgotten when the table changes."""
        import hashlib
        import hmac

        from .credentials import Digest

        if isinstance(credentials, Digest):
            return _check_digest(secret, credentials)
        if secret.hashed is None:
            return secret.verify(credentials.password)
        name, version = table
        material = b"\0".join((name, credentials.name.encode(), credentials.password))
        key = hmac.new(self._key, material, hashlib.sha256).digest()
        with self._lock:
            if self._remembered.get(key) == version:
                self._remembered.move_to_end(key)
                return True
        if not secret.verify(credentials.password):
            return False
        with self._lock:
            self._remembered[key] = version
            while len(self._remembered) > REMEMBERED:
                self._remembered.popitem(last=False)
        return True


def _check_digest(secret: Secret, credentials: Digest) -> bool:
    # A hashed secret cannot answer a digest: compute one anyway, against nothing, so the
    # failure costs what a plain account's does.
    import hmac
    import secrets

    from .hashes import apop, cram_md5

    plain = secret.plain if secret.plain is not None else secrets.token_bytes(16)
    digest = cram_md5 if credentials.kind == "cram-md5" else apop
    expected = digest(plain, credentials.challenge)
    return hmac.compare_digest(expected, credentials.digest) and secret.plain is not None
