"""IMAP4rev1 engine (sans-I/O, RFC 3501): :class:`ImapConnection` over a :class:`Mailboxes`.

PYTEST_DONT_REWRITE
"""

from .connection import ImapConnection, too_many_connections
from .mailboxes import Mailboxes

__all__ = ["ImapConnection", "Mailboxes", "too_many_connections"]
