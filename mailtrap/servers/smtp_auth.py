"""SMTP AUTH (RFC 4954) for our aiosmtpd subclass, through the one authenticator.

aiosmtpd finds mechanisms as ``auth_<NAME>`` methods; ours replace its PLAIN and LOGIN and add
CRAM-MD5, and all three run the mechanisms of :mod:`mailtrap.auth.sasl` step by step with its
codec, so SMTP, POP3 and IMAP share one set of rules. Responses are read with the reader's
``readline``, as aiosmtpd's own ``challenge_auth`` does (so transcripts mask them). A hash is
checked in a worker thread; a failure waits out the authenticator's failure delay for the peer,
then answers ``535 5.7.8`` whatever went wrong with the credentials (a wrong password, an
unknown name, a broken rule); a response that is not base64 is ``501 5.5.2``, ``*`` is
``501 5.7.0``.

``--smtp-auth``: ``optional`` (the default) offers AUTH and takes mail without it; ``required``
answers ``530 5.7.0`` to MAIL before a successful AUTH (aiosmtpd's ``auth_required``), as a
submission server does; ``off`` offers no mechanism at all.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import AuthResult

from ..auth.authenticator import MECHANISMS

if TYPE_CHECKING:
    from ..auth import Authenticator

INVALID = "535 5.7.8 Authentication credentials invalid"


def auth_options(authenticator: Authenticator, mode: str) -> dict[str, Any]:
    """aiosmtpd ``SMTP`` keyword arguments for one new connection under ``--smtp-auth mode``
    (``required`` is :meth:`AuthMixin.check_auth_needed`'s: aiosmtpd's own ``auth_required``
    warns on every connection that AUTH without TLS is risky)."""
    offered = authenticator.mechanisms() if mode != "off" else ()
    return {
        "auth_require_tls": False,
        "auth_exclude_mechanism": [name for name in MECHANISMS if name not in offered],
    }


class AuthMixin:
    """``auth_PLAIN``, ``auth_LOGIN`` and ``auth_CRAM__MD5`` over :mod:`mailtrap.auth`."""

    authenticator: Authenticator
    #: ``--smtp-auth required``: MAIL (and what follows) only after a successful AUTH.
    login_required = False
    hostname: str
    session: Any
    _reader: Any
    push: Any  # aiosmtpd's

    async def check_auth_needed(self, caller_method: str) -> bool:
        """aiosmtpd asks before MAIL, RCPT, DATA and the like (RFC 4954 6)."""
        if self.login_required and not self.session.authenticated:
            await self.push("530 5.7.0 Authentication required")
            return True
        return False

    async def auth_PLAIN(self, _: Any, args: list[str]) -> AuthResult:
        return await self._sasl("PLAIN", args)

    async def auth_LOGIN(self, _: Any, args: list[str]) -> AuthResult:
        return await self._sasl("LOGIN", args)

    async def auth_CRAM__MD5(self, _: Any, args: list[str]) -> AuthResult:
        return await self._sasl("CRAM-MD5", args)

    async def _sasl(self, name: str, args: list[str]) -> AuthResult:
        from ..auth import Cancelled, Challenge, Malformed, Refusal
        from ..auth.sasl import MAX_LINE, decode
        from ..logins import check, peer_host

        exchange = self.authenticator.exchange(name, self.hostname)
        if exchange is None:  # offered when the connection began, but no longer
            await self.push("504 5.5.4 Unrecognized authentication type")
            return AuthResult(success=False, handled=True)
        credentials = None
        reader = self._reader
        limit = reader._limit
        reader._limit = max(limit, MAX_LINE + 2)  # RFC 4954 4: 12,288-octet responses
        try:
            initial = args[1].encode() if len(args) > 1 else None
            step = exchange.start(None if initial is None else decode(initial, initial=True))
            while isinstance(step, Challenge):
                await self.push(b"334 " + step.line)  # RFC 4954 4: the space even if empty
                step = exchange.respond(decode(await self._reader.readline()))
            credentials = step
        except Malformed:
            await self.push("501 5.5.2 Can't decode base64")
            return AuthResult(success=False, handled=True)
        except Cancelled:
            await self.push("501 5.7.0 Auth aborted")  # RFC 4954 4
            return AuthResult(success=False, handled=True)
        except Refusal:
            pass  # fails below like a wrong password
        finally:
            reader._limit = limit
        login = await check(self.authenticator, credentials, peer_host(self.session.peer))
        if login is None:
            return AuthResult(success=False, handled=False, message=INVALID)
        return AuthResult(success=True, auth_data=login)
