"""Checking a login on the event loop, for every front-end (SMTP, POP3, IMAP, HTTP): the
authenticator's verdict, in a worker thread when a hash is to be checked, and the failure delay
waited out before the front-end answers a failure (the protocol engines only say what to check
and how to answer).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .auth import Authenticator, Login
    from .auth.credentials import Credentials


async def check(
    authenticator: Authenticator,
    credentials: Credentials | None,
    peer: str,
    verify: Callable[[Any], Login | None] | None = None,
) -> Login | None:
    """The login ``credentials`` open, or None (also for None: credentials that broke the
    rules); a failure first waits out the peer's failure delay, a success forgets its failures.
    ``verify`` is :meth:`~.auth.Authenticator.verify` unless given (the viewer's)."""
    verify = verify or authenticator.verify
    login = None
    if credentials is not None:
        if authenticator.costly:
            login = await asyncio.to_thread(verify, credentials)
        else:
            login = verify(credentials)
    if login is None:
        delay = authenticator.throttle.failed(peer)
        if delay:
            await asyncio.sleep(delay)
    else:
        authenticator.throttle.succeeded(peer)
    return login


def peer_host(peer: Any) -> str:
    """The host of a peer address tuple (the throttle counts by host, not by port)."""
    if isinstance(peer, tuple) and peer:
        return str(peer[0])
    return str(peer or "")
