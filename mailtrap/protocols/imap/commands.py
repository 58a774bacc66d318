"""Typed IMAP commands: one frozen dataclass per command the parser can produce (RFC 3501 6).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from .sequence import SequenceSet


@dataclass(frozen=True, slots=True)
class Capability:
    pass


@dataclass(frozen=True, slots=True)
class Noop:
    pass


@dataclass(frozen=True, slots=True)
class Logout:
    pass


@dataclass(frozen=True, slots=True)
class StartTls:
    pass


@dataclass(frozen=True, slots=True)
class Authenticate:
    mechanism: str
    #: The SASL-IR initial response (RFC 4959), base64 text, or None when absent.
    initial: bytes | None = None


@dataclass(frozen=True, slots=True)
class Login:
    user: bytes
    password: bytes


@dataclass(frozen=True, slots=True)
class Select:
    mailbox: bytes
    readonly: bool = False  # True for EXAMINE


@dataclass(frozen=True, slots=True)
class Subscribe:
    mailbox: bytes
    subscribe: bool = True  # False for UNSUBSCRIBE


@dataclass(frozen=True, slots=True)
class Create:
    mailbox: bytes
    #: RFC 6154 5.3 ``(USE (\\Drafts ...))``: the special uses asked for, canonical case.
    uses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Delete:
    mailbox: bytes


@dataclass(frozen=True, slots=True)
class Rename:
    mailbox: bytes
    new_name: bytes


@dataclass(frozen=True, slots=True)
class ListMailboxes:
    """LIST and LSUB; the options are LIST-EXTENDED's (RFC 5258), LIST-STATUS's (RFC 5819) and
    SPECIAL-USE's (RFC 6154)."""

    reference: bytes
    patterns: tuple[bytes, ...]
    lsub: bool = False
    #: Selection options: SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE.
    select: frozenset[str] = frozenset()
    #: Return options: SUBSCRIBED, CHILDREN, SPECIAL-USE (STATUS is ``status``).
    returns: frozenset[str] = frozenset()
    #: The STATUS items of ``RETURN (STATUS (...))``, or None.
    status: tuple[str, ...] | None = None
    #: True when any extended syntax was used (RFC 5258 3: then "" is an ordinary pattern).
    extended: bool = False


@dataclass(frozen=True, slots=True)
class Status:
    mailbox: bytes
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Check:
    pass


@dataclass(frozen=True, slots=True)
class Close:
    pass


@dataclass(frozen=True, slots=True)
class Unselect:
    pass


@dataclass(frozen=True, slots=True)
class Expunge:
    pass


@dataclass(frozen=True, slots=True)
class Idle:
    pass


@dataclass(frozen=True, slots=True)
class Namespace:
    pass


@dataclass(frozen=True, slots=True)
class Id:
    #: field -> value pairs the client sent, or empty for NIL.
    params: tuple[tuple[bytes, bytes | None], ...] = ()


@dataclass(frozen=True, slots=True)
class Enable:
    capabilities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AppendMessage:
    """One message of an APPEND (RFC 3501 6.3.11; several with MULTIAPPEND, RFC 3502)."""

    data: bytes
    flags: tuple[str, ...] = ()
    #: The INTERNALDATE given, as a POSIX timestamp, or None.
    internal_date: float | None = None


@dataclass(frozen=True, slots=True)
class Append:
    mailbox: bytes
    messages: tuple[AppendMessage, ...]


# -- FETCH ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchAttr:
    """A plain data item: FLAGS, UID, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODY, BODYSTRUCTURE,
    RFC822, RFC822.HEADER or RFC822.TEXT."""

    name: str


@dataclass(frozen=True, slots=True)
class BodySection:
    """``BODY[section]<partial>`` or ``BODY.PEEK[...]`` (RFC 3501 6.4.5)."""

    part: tuple[int, ...] = ()
    kind: str = ""  # "", HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT, MIME
    fields: tuple[bytes, ...] = ()
    partial: tuple[int, int] | None = None
    peek: bool = False


FetchItem = FetchAttr | BodySection


@dataclass(frozen=True, slots=True)
class Fetch:
    sequence: SequenceSet
    items: tuple[FetchItem, ...]
    uid: bool = False


@dataclass(frozen=True, slots=True)
class Copy:
    """COPY (RFC 3501 6.4.7) and MOVE (RFC 6851), by sequence numbers or UIDs."""

    sequence: SequenceSet
    mailbox: bytes
    uid: bool = False
    move: bool = False


@dataclass(frozen=True, slots=True)
class UidExpunge:
    """UID EXPUNGE (RFC 4315 2.1)."""

    sequence: SequenceSet
    uid: bool = True


@dataclass(frozen=True, slots=True)
class Store:
    sequence: SequenceSet
    mode: Literal["add", "remove", "replace"]
    silent: bool
    flags: tuple[str, ...]
    uid: bool = False


# -- SEARCH (RFC 3501 6.4.4) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AllKey:
    pass


@dataclass(frozen=True, slots=True)
class FlagKey:
    """ANSWERED, DELETED, ..., KEYWORD k (``present``) and their UN- forms."""

    flag: str
    present: bool = True


@dataclass(frozen=True, slots=True)
class RecentKey:
    """RECENT (``present``) / OLD."""

    present: bool = True


@dataclass(frozen=True, slots=True)
class DateKey:
    """BEFORE/ON/SINCE (``sent`` False: the internal date) and SENTBEFORE/SENTON/SENTSINCE."""

    relation: Literal["before", "on", "since"]
    day: date
    sent: bool = False


@dataclass(frozen=True, slots=True)
class HeaderKey:
    """FROM/TO/CC/BCC/SUBJECT s and HEADER field s; an empty ``text`` means "has the field"."""

    field: str
    text: str


@dataclass(frozen=True, slots=True)
class TextKey:
    """BODY s (``headers`` False) or TEXT s."""

    text: str
    headers: bool = False


@dataclass(frozen=True, slots=True)
class SizeKey:
    larger: bool
    size: int


@dataclass(frozen=True, slots=True)
class SetKey:
    """A message sequence set, or ``UID set``."""

    sequence: SequenceSet
    uid: bool = False


@dataclass(frozen=True, slots=True)
class NotKey:
    key: SearchKey


@dataclass(frozen=True, slots=True)
class OrKey:
    left: SearchKey
    right: SearchKey


@dataclass(frozen=True, slots=True)
class AndKey:
    keys: tuple[SearchKey, ...]


SearchKey = (
    AllKey
    | FlagKey
    | RecentKey
    | DateKey
    | HeaderKey
    | TextKey
    | SizeKey
    | SetKey
    | NotKey
    | OrKey
    | AndKey
)


@dataclass(frozen=True, slots=True)
class Search:
    key: SearchKey
    charset: str | None = None
    uid: bool = False


Command = (
    Capability
    | Noop
    | Logout
    | StartTls
    | Authenticate
    | Login
    | Select
    | Subscribe
    | Create
    | Delete
    | Rename
    | ListMailboxes
    | Status
    | Check
    | Close
    | Unselect
    | Expunge
    | Idle
    | Namespace
    | Id
    | Enable
    | Append
    | Copy
    | UidExpunge
    | Fetch
    | Store
    | Search
)
