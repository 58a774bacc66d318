"""A sans-I/O POP3 server engine (RFC 1939, RFC 2449, RFC 5034 AUTH PLAIN, RFC 2595 STLS).

:class:`Pop3Connection` takes the bytes a client sent and yields what to send back; one
:class:`MaildropLocks` is shared by every connection over the same store.
"""

from .connection import MAX_LINE, CheckLogin, Close, Event, Pop3Connection, Send, StartTls
from .lines import NEED_DATA
from .maildrop import Maildrop, MaildropLocks
from .session import State

__all__ = [
    "MAX_LINE",
    "NEED_DATA",
    "CheckLogin",
    "Close",
    "Event",
    "Maildrop",
    "MaildropLocks",
    "Pop3Connection",
    "Send",
    "StartTls",
    "State",
]
