"""A sans-I/O POP3 server engine (RFC 1939, RFC 2449, RFC 5034 AUTH PLAIN, RFC 2595 STLS).

:class:`Pop3Connection` takes the bytes a client sent and gives what to send back, under the
connection contract of :mod:`mailtrap.protocols.contract`; one :class:`MaildropLocks` is shared
by every connection over the same store.

PYTEST_DONT_REWRITE
"""

from .connection import MAX_LINE, Pop3Connection
from .maildrop import Maildrop, MaildropLocks
from .states import State

__all__ = ["MAX_LINE", "Maildrop", "MaildropLocks", "Pop3Connection", "State"]
