"""The store's value types and naming rules: message records, mailbox and folder names (the
rules every backend checks them by), entries, snapshots, folder views, folder errors, and the
:class:`Delivery` a batch of messages is handed over in.

Everything here is immutable but a :class:`Delivery`, which gets its outcome. A message is
stored once (its :class:`MessageRecord` and raw bytes) and linked into any number of mailboxes
by an :class:`Entry` that carries that mailbox's UID and flags for it. A mailbox is named by
:class:`MailboxId`: the owner (an account, a normalised address) and a folder path. A backend
may build a fresh record for every read, so records and entries compare by value, never by
identity. Records, entries, snapshots and listings are records (``mailtrap.record``): tuples
with named fields, cheap to define and to build (a snapshot of 100,000 messages builds 100,000
of them).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..record import Record

if TYPE_CHECKING:
    from ..transcript_shared import Encoded

SEEN = "\\Seen"
DELETED = "\\Deleted"
#: The IMAP system flags a client may set (RFC 3501 2.3.2); \Recent is per session, not stored.
SYSTEM_FLAGS = frozenset({SEEN, "\\Answered", "\\Flagged", DELETED, "\\Draft"})

#: Where SMTP delivers; the one folder name that is case-insensitive (RFC 3501 5.1).
INBOX = "INBOX"
#: The folder hierarchy delimiter (one for every account, as LIST reports it).
DELIMITER = "/"
#: Special-use attributes a folder may carry (RFC 6154 2).
SPECIAL_USES = frozenset(
    {"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash"}
)
#: The array type code of UID lists: unsigned, at least 32 bits (RFC 3501 9: nz-number).
UID_TYPE = "I" if array("I").itemsize >= 4 else "L"


class MailboxId(Record):
    """One mailbox: an account (its normalised address) and a folder path in it.

    The store hands out its own spelling of both (the account's address as first seen, INBOX in
    capitals), so two ids the store gave out compare equal exactly when they name one mailbox.
    Callers may pass any spelling: look-ups ignore the case of the address and of ``INBOX``.
    """

    owner: str
    folder: str = INBOX

    def __str__(self) -> str:
        return self.owner if self.folder == INBOX else f"{self.owner}/{self.folder}"


#: What store methods accept for a mailbox: a :class:`MailboxId`, or an address for its INBOX.
MailboxRef = MailboxId | str


def as_mailbox(ref: MailboxRef) -> MailboxId:
    return MailboxId(ref) if isinstance(ref, str) else ref


def folder_key(folder: str) -> str:
    """The look-up key of a folder path: INBOX in any case is INBOX, as a name and as the first
    level of one (``inbox/Sub`` is a child of INBOX); other names keep their case."""
    first, sep, rest = folder.partition(DELIMITER)
    return INBOX + sep + rest if first.upper() == INBOX else folder


class MessageRecord(Record):
    """One stored message, without its bytes (read those with ``store.raw(id)``).

    ``seq`` orders messages by arrival across the store. ``received`` is when the store got it;
    ``internal_date`` is IMAP's INTERNALDATE (the same as ``received`` unless APPEND gave one).
    Mail appended over IMAP has no envelope: an empty sender and no recipients.
    """

    id: str
    seq: int
    mail_from: str
    rcpt_tos: tuple[str, ...]
    size: int
    received: float
    internal_date: float

    @property
    def received_at(self) -> datetime:
        return datetime.fromtimestamp(self.received, UTC)


class Entry(Record):
    """A message's link into one mailbox: its UID there and the flags it has there."""

    uid: int
    message: MessageRecord
    flags: frozenset[str]

    @property
    def seen(self) -> bool:
        return SEEN in self.flags


class Delivery:
    """One message for :meth:`MessageStore.deliver_all`: what ``deliver`` takes, and once it
    returns, the message's ``record`` or the ``error`` that kept it out (a backend's group
    commit also keeps its waiting deliveries in these)."""

    __slots__ = ("error", "inboxes", "mail_from", "raw", "rcpt_tos", "record", "transcript")

    def __init__(
        self,
        mail_from: str,
        rcpt_tos: Sequence[str],
        raw: bytes,
        transcript: Encoded | None = None,
        inboxes: Sequence[str] | None = None,
    ) -> None:
        self.mail_from = mail_from
        self.rcpt_tos = rcpt_tos
        self.raw = raw
        self.transcript = transcript
        self.inboxes = inboxes
        self.record: MessageRecord | None = None
        self.error: BaseException | None = None  # deliver_all reports only an Exception


class MailboxSnapshot(Record):
    """A consistent view of one mailbox at one moment, entries in UID order."""

    mailbox: MailboxId
    uidvalidity: int
    uidnext: int
    entries: tuple[Entry, ...]

    @property
    def address(self) -> str:
        """The owner's address (the account)."""
        return self.mailbox.owner

    @property
    def unseen(self) -> int:
        return sum(1 for e in self.entries if SEEN not in e.flags)


class FolderView(Record):
    """What selecting a mailbox needs, without its messages: the UIDs it holds (ascending, in
    an ``array`` of :data:`UID_TYPE`, 4 bytes a message; a new array each time, the caller's
    to change), the first unseen one's UID (0 when every message is seen) and the keywords
    its messages carry. Entries are read by UID (``store.entries``) when a command needs them."""

    mailbox: MailboxId
    uidvalidity: int
    uidnext: int
    uids: array[int]
    first_unseen: int
    keywords: frozenset[str]


def keywords(flag_sets: Iterable[frozenset[str]]) -> frozenset[str]:
    """The keywords (flags other than the system flags) of some flag sets."""
    found: set[str] = set()
    for flags in flag_sets:
        found.update(f for f in flags if f not in SYSTEM_FLAGS)
    return frozenset(found)


class FolderInfo(Record):
    """One folder of an account, for listings: its state and counts."""

    mailbox: MailboxId
    uidvalidity: int
    uidnext: int
    total: int
    unseen: int
    #: RFC 6154 attributes (``\\Sent``, ...); usually one, RFC 6154 5.3 allows several.
    special_uses: frozenset[str] = frozenset()
    #: Kept only as the parent of other folders (RFC 3501 6.3.4): holds no mail, cannot be selected.
    noselect: bool = False
    subscribed: bool = False

    @property
    def name(self) -> str:
        return self.mailbox.folder

    @property
    def special_use(self) -> str | None:
        """The folder's special use (the first in order when it has several), or None."""
        return min(self.special_uses) if self.special_uses else None


class MailboxInfo(Record):
    """One account for listings: its INBOX's counts and state, and every folder."""

    address: str
    total: int
    unseen: int
    uidvalidity: int
    uidnext: int
    folders: tuple[FolderInfo, ...] = ()


class FolderError(Exception):
    """A folder operation was refused; ``code`` is the IMAP response code that says why."""

    code = "CANNOT"


class NoSuchFolder(FolderError):
    code = "NONEXISTENT"


class FolderExists(FolderError):
    code = "ALREADYEXISTS"


def check_name(folder: str) -> str:
    """The folder path to use for ``folder``; FolderError when it cannot name a folder.

    A trailing delimiter is dropped (RFC 3501 6.3.3: it only says children are intended);
    empty names and empty levels (``a//b``) are refused. A first level of INBOX in any case is
    INBOX, so ``inbox/Sub`` is a child of INBOX.
    """
    name = folder_key(folder.removesuffix(DELIMITER))
    if not name or any(not level for level in name.split(DELIMITER)):
        raise FolderError(f"{folder!r} is not a valid folder name")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in name):
        raise FolderError("folder names may not contain control characters")
    return name


def parents(name: str) -> list[str]:
    """The paths of a folder's ancestors, the outermost first."""
    levels = name.split(DELIMITER)
    return [DELIMITER.join(levels[:i]) for i in range(1, len(levels))]


def special_uses(special_use: str | Collection[str] | None) -> frozenset[str]:
    """The RFC 6154 attributes asked for (one, several or none); FolderError for another."""
    uses = frozenset((special_use,) if isinstance(special_use, str) else special_use or ())
    if not uses <= SPECIAL_USES:
        raise FolderError(f"{' '.join(sorted(uses - SPECIAL_USES))} is not a special use")
    return uses
