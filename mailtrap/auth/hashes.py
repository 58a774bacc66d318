"""Stored passwords: plain text for tests, or a hash checked through libpass (passlib's fork).

A users file takes bcrypt (``$2b$``, ``$2y$``, ``$2a$``), SHA-512-crypt (``$6$``) or
``{PLAIN}secret``; Dovecot's ``{BLF-CRYPT}``/``{SHA512-CRYPT}``/``{CRYPT}`` prefixes are
accepted in front of a hash. An htpasswd file (``--ui-auth``) takes apr1, which ``htpasswd``
writes by default, and bcrypt from ``htpasswd -B``. Plain secrets are compared in constant time;
hashes are checked by libpass and cost what their cost factor says (run them off the event loop).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from passlib.context import CryptContext

#: Schemes a users file (``--users``) may use, and those of an htpasswd file (``--ui-auth``).
USERS = ("bcrypt", "sha512_crypt")
HTPASSWD = ("apr_md5_crypt", "bcrypt")

#: What ``mailtrap passwd --scheme`` accepts, by the name the README uses.
SCHEME_NAMES = {"bcrypt": "bcrypt", "sha512-crypt": "sha512_crypt"}

_PLAIN = "{PLAIN}"
_PREFIXES = ("{BLF-CRYPT}", "{SHA512-CRYPT}", "{CRYPT}")
#: bcrypt reads at most 72 octets of a password; longer ones are cut there, as every bcrypt
#: tool does (libpass refuses them instead).
_BCRYPT_MAX = 72


@dataclass(frozen=True, slots=True)
class Secret:
    """One account's stored password: ``plain`` octets, or a ``hashed`` string of ``scheme``."""

    plain: bytes | None = field(default=None, repr=False)
    hashed: str | None = field(default=None, repr=False)
    scheme: str = "plain"
    #: The scheme's cost setting (bcrypt's log rounds, sha512-crypt's rounds), 0 for plain.
    cost: int = 0

    @classmethod
    def of_password(cls, password: str | bytes) -> Secret:
        """A plain-text secret (``{PLAIN}``, the inline form, the Python API)."""
        raw = password.encode("utf-8") if isinstance(password, str) else password
        if not raw:
            raise ValueError("empty password")
        return cls(plain=raw)

    @classmethod
    def parse(cls, text: str, kinds: tuple[str, ...] = USERS) -> Secret:
        """The hash field of a users or htpasswd line; ValueError naming what is wrong."""
        if text.startswith(_PLAIN):
            if kinds != USERS:
                raise ValueError("plain-text passwords are not taken here: use htpasswd")
            return cls.of_password(text[len(_PLAIN) :])
        for prefix in _PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix) :]
                break
        schemes = _context(kinds)
        scheme = schemes.identify(text, required=False)
        if scheme is None:
            plain = f", or {_PLAIN}secret" if kinds == USERS else ""
            raise ValueError(f"not a password hash this file takes ({', '.join(kinds)}{plain})")
        parsed = schemes.handler(scheme).from_string(text)  # ValueError when malformed
        return cls(hashed=text, scheme=scheme, cost=getattr(parsed, "rounds", 0))

    def verify(self, password: bytes) -> bool:
        """Whether ``password`` is this secret; plain ones in constant time."""
        if self.plain is not None:
            return hmac.compare_digest(self.plain, password)
        assert self.hashed is not None
        if self.scheme == "bcrypt":
            password = password[:_BCRYPT_MAX]
        try:
            return _context_of(self.scheme).handler(self.scheme).verify(password, self.hashed)
        except ValueError:  # a password the scheme cannot take (a NUL for bcrypt)
            return False


@functools.cache
def _context(kinds: tuple[str, ...]) -> CryptContext:
    from passlib.context import CryptContext  # 16 ms: only once a hash is met

    return CryptContext(schemes=list(kinds))


def _context_of(scheme: str) -> CryptContext:
    return _context(HTPASSWD if scheme == "apr_md5_crypt" else USERS)


def hash_password(password: str | bytes, scheme: str = "bcrypt", cost: int | None = None) -> str:
    """A new hash of ``password`` (``mailtrap passwd``); ``cost`` None is libpass's default."""
    handler = _context_of(scheme).handler(scheme)
    if cost:  # apr1 has no cost setting
        handler = handler.using(rounds=cost)
    if scheme == "bcrypt":
        raw = password.encode("utf-8") if isinstance(password, str) else password
        password = raw[:_BCRYPT_MAX]
    return handler.hash(password)


def typical_decoy(secrets_: Iterable[Secret]) -> Secret:
    """The decoy for unknown names: of the scheme and cost most accounts use."""
    kinds = Counter((s.scheme, s.cost) for s in secrets_ if s.hashed is not None)
    if not kinds:
        return Secret.of_password(secrets.token_hex(16))
    scheme, cost = kinds.most_common(1)[0][0]
    kinds = HTPASSWD if scheme == "apr_md5_crypt" else USERS
    return Secret.parse(hash_password(secrets.token_hex(16), scheme, cost), kinds)


def cram_md5(secret: bytes, challenge: bytes) -> str:
    """RFC 2195 2: the keyed MD5 (HMAC-MD5) of the challenge, in lower-case hex."""
    return hmac.new(secret, challenge, hashlib.md5).hexdigest()


def apop(secret: bytes, timestamp: bytes) -> str:
    """RFC 1939 7: MD5 of the greeting's timestamp followed by the secret, in lower-case hex."""
    return hashlib.md5(timestamp + secret).hexdigest()
