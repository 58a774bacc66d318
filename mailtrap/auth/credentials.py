"""What a client proves itself with, and the one set of rules for names and passwords.

Every way in ends in a :class:`Password` or a :class:`Digest`: SASL PLAIN and LOGIN, POP3
USER/PASS, IMAP LOGIN and HTTP basic auth give a password; CRAM-MD5 and POP3's APOP give a
digest of a challenge. The rules, the same for every protocol:

- a name is UTF-8, 1 to 255 octets (RFC 4616 2 asks servers to take up to 255), printable
  (no NUL, CR, LF or other control), without white space around it;
- a password is 1 to 1024 octets without NUL, compared as octets (no SASLprep);
- an authorization identity, when a mechanism carries one, is empty or the same name as the
  authentication identity: nobody logs in as somebody else.

Breaking a rule is refused like a wrong password (:class:`Refusal`), so a client learns nothing
from the difference. The records never show a password or digest in their ``repr``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Literal

from ..message import mailbox_key

MAX_NAME = 255
MAX_PASSWORD = 1024


class Refusal(Exception):
    """Credentials that break the rules: answered as a failed login, never echoed."""


@dataclass(frozen=True, slots=True)
class Password:
    """A name and the password offered for it."""

    name: str
    password: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Digest:
    """A name and a digest of ``challenge`` keyed by its password (CRAM-MD5, APOP)."""

    name: str
    challenge: bytes = field(repr=False)
    digest: str = field(repr=False)
    kind: Literal["cram-md5", "apop"]


Credentials = Password | Digest


@dataclass(frozen=True, slots=True)
class Check:
    """A login a protocol engine waits to have checked before it answers (None: credentials
    that broke the rules, which fail). The server checks it (:mod:`mailtrap.logins`: off the
    loop when costly, after the failure delay) and hands the engine the verdict."""

    credentials: Credentials | None


def check_name(raw: bytes | str) -> str:
    """A login name under the rules above, as text; :class:`Refusal` otherwise."""
    if isinstance(raw, str):
        text = raw
        size = len(raw.encode("utf-8", "surrogatepass"))
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Refusal("the name is not UTF-8") from None
        size = len(raw)
    if not 0 < size <= MAX_NAME:
        raise Refusal("the name is empty or too long")
    if not text.isprintable() or text != text.strip():
        raise Refusal("the name has control characters or white space around it")
    return text


def check_password(raw: bytes) -> bytes:
    """A password under the rules above; :class:`Refusal` otherwise."""
    if not 0 < len(raw) <= MAX_PASSWORD or b"\0" in raw:
        raise Refusal("the password is empty, too long or has a NUL")
    return raw


def password(name: bytes | str, secret: bytes | str) -> Password:
    """A :class:`Password` from a protocol's two fields (USER/PASS, LOGIN, basic auth)."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return Password(check_name(name), check_password(raw))


def same_identity(authzid: bytes, authcid: str) -> None:
    """RFC 4616 2: an authorization identity must be empty or the authentication identity."""
    if authzid and mailbox_key(check_name(authzid)) != mailbox_key(authcid):
        raise Refusal("the authorization identity is not the authentication identity")


def basic_credentials(header: str) -> Password | None:
    """An HTTP ``Authorization: Basic`` header (RFC 7617 2) as a :class:`Password`.

    None when the header is absent or of another scheme; :class:`Refusal` when it is malformed.
    """
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise Refusal("the basic credentials are not base64") from None
    name, colon, secret = decoded.partition(b":")
    if not colon:
        raise Refusal("the basic credentials have no colon")
    return password(name, secret)
