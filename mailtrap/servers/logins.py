"""Checking a login for the mail servers (SMTP, POP3, IMAP): the authenticator's verdict, off
the event loop when a hash is to be checked, and the failure delay waited out before the
protocol answers a failure (the engines only say what to check and how to answer)."""

from __future__ import annotations

import asyncio
from typing import Any

from ..auth import Authenticator, Login
from ..auth.credentials import Credentials


async def check(
    authenticator: Authenticator, credentials: Credentials | None, peer: str
) -> Login | None:
    """The login ``credentials`` open, or None (also for None: credentials that broke the
    rules); a failure first waits out the peer's failure delay, a success forgets its failures."""
    login = None
    if credentials is not None:
        if authenticator.costly:
            login = await asyncio.to_thread(authenticator.verify, credentials)
        else:
            login = authenticator.verify(credentials)
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
