"""The store interface every backend implements (memory and SQLite).

Model: accounts own folders; a mailbox is ``(owner, folder)`` (:class:`~.model.MailboxId`).
Semantics every backend keeps (tests/store is the conformance suite):
- ``deliver`` stores the raw bytes once and links the message into each envelope recipient's
  INBOX (the account and its INBOX are created on first delivery), each link with its own UID
  and flags. ``append`` stores a new message into one folder; ``copy`` and ``move`` link stored
  messages into another folder of the same owner: a message in three folders is stored once.
- Every folder has its own UIDVALIDITY and UIDNEXT. UIDs in a folder only grow and are never
  reused: ``clear``, expunges and deletions never lower UIDNEXT nor change UIDVALIDITY; a folder
  deleted and created again gets a new, larger UIDVALIDITY.
- A message leaves the store when its last link goes; ``max_messages`` prunes the oldest first.
- Records, entries and snapshots are immutable values; raw bytes and summaries are read by ID.
- Every change is announced to subscribers as a :mod:`.events` event, after the store's lock is
  released, in order.
- A write returns once it is stored (for a database: committed). ``blocking_writes`` says when
  that may wait on a disk.
- Tags (Mailpit's labels) belong to the stored message, so every folder holding it shows the
  same tags; a new message gets those of its ``X-Tags`` header (:mod:`mailtrap.tags`), names are
  cleaned and compared case-insensitively, and a tag exists while a message carries it.
- Addresses are compared through :func:`mailtrap.message.mailbox_key`, ``INBOX`` in any case;
  an unknown mailbox reads as empty and never raises.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Literal, TypeVar

from ..message import Summary
from .cache import DerivedCache
from .events import Subscriber
from .model import (
    INBOX,
    Delivery,
    Entry,
    FolderInfo,
    FolderView,
    MailboxId,
    MailboxInfo,
    MailboxRef,
    MailboxSnapshot,
    MessageRecord,
)
from .query import Filter, Page
from .searchdoc import SearchDoc

if TYPE_CHECKING:
    from ..mime import ParsedMessage
    from ..priority import WritesFirst
    from ..transcript_shared import Encoded

FlagMode = Literal["add", "remove", "replace"]
T = TypeVar("T")


class MessageStore(ABC):
    """Where captured mail lives; thread-safe; knows no front-end."""

    max_messages: int | None
    #: True when a write waits on a disk: front-ends on the loop call the store from a worker
    #: thread (others are served meanwhile), SMTP through ``deliver_all`` (one commit for many).
    blocking_writes: bool = False
    #: seconds after which a message is pruned, or None
    max_age: float | None
    #: Values derived from messages' bytes, keyed by message ID; forgets deleted mail.
    cache: DerivedCache
    #: A database's deliveries in flight, which readers give way to (:mod:`mailtrap.priority`).
    writes_first: WritesFirst | None = None

    # -- writing -----------------------------------------------------------------------------

    @abstractmethod
    def deliver(
        self,
        mail_from: str,
        rcpt_tos: Sequence[str],
        raw: bytes,
        *,
        transcript: Encoded | None = None,
        inboxes: Sequence[str] | None = None,
    ) -> MessageRecord:
        """Store ``raw`` byte for byte and link it into each recipient's INBOX.

        ``inboxes`` names the accounts whose INBOX gets it instead (a users file's aliases route
        mail to its account); the record keeps ``rcpt_tos`` as the envelope had them.
        ``transcript`` is kept as given, or in its self-contained form (see
        :mod:`mailtrap.transcript_shared`).
        """

    def deliver_all(self, deliveries: Sequence[Delivery]) -> None:
        """Deliver several messages, setting each one's ``record`` or ``error``. A database
        stores them in one transaction: all of them, or none and each gets the error."""
        for delivery in deliveries:
            try:
                delivery.record = self.deliver(
                    delivery.mail_from,
                    delivery.rcpt_tos,
                    delivery.raw,
                    transcript=delivery.transcript,
                    inboxes=delivery.inboxes,
                )
            except Exception as error:
                delivery.error = error

    @abstractmethod
    def append(
        self,
        mailbox: MailboxRef,
        raw: bytes,
        flags: Iterable[str] = (),
        internal_date: float | None = None,
    ) -> Entry:
        """Store a new message into one existing folder (IMAP APPEND); its new entry."""

    @abstractmethod
    def copy(
        self, source: MailboxRef, uids: Iterable[int], target: MailboxRef
    ) -> list[tuple[int, int]]:
        """Link messages into another folder of the same owner, with their flags.

        Returns (source UID, new UID) pairs in source UID order (UIDPLUS's COPYUID).
        """

    @abstractmethod
    def move(
        self, source: MailboxRef, uids: Iterable[int], target: MailboxRef
    ) -> list[tuple[int, int]]:
        """:meth:`copy`, then unlink from the source in the same step (RFC 6851)."""

    @abstractmethod
    def store_flags(
        self, mailbox: MailboxRef, uids: Iterable[int], flags: Iterable[str], mode: FlagMode
    ) -> list[Entry]:
        """Add, remove or replace flags on entries of one mailbox; returns the changed entries."""

    @abstractmethod
    def set_seen(
        self, message_ids: Iterable[str], seen: bool, mailbox: MailboxRef | None = None
    ) -> int:
        """Set or clear \\Seen on messages in every mailbox holding them (or in one)."""

    @abstractmethod
    def expunge(self, mailbox: MailboxRef, uids: Iterable[int]) -> list[Entry]:
        """Unlink these UIDs from one mailbox; a message whose last link goes leaves the store."""

    @abstractmethod
    def delete(self, message_ids: Iterable[str], mailbox: MailboxRef | None = None) -> int:
        """Unlink messages everywhere (or from one mailbox); returns how many links went."""

    @abstractmethod
    def prune(self) -> None:
        """Remove what ``max_messages`` and ``max_age`` no longer allow, oldest first.

        Writes prune as they go; this is for mail that ages while none arrives.
        """

    @abstractmethod
    def clear(self) -> None:
        """Remove every message; folders stay, keeping UIDVALIDITY and UIDNEXT."""

    # -- tags ---------------------------------------------------------------------------------

    @abstractmethod
    def tags_of(self, message_id: str) -> tuple[str, ...]:
        """The message's tags, sorted by name; () when it carries none or is not stored."""

    @abstractmethod
    def set_tags(self, message_ids: Iterable[str], tags: Iterable[str]) -> int:
        """Give messages exactly these tags (cleaned; none removes them all).

        A name already in use under another case takes that spelling. Returns how many of
        the messages changed.
        """

    @abstractmethod
    def rename_tag(self, name: str, new_name: str) -> int:
        """Rename a tag on every message carrying it (merging into ``new_name`` if it exists).

        Returns how many messages carried it; ValueError when ``new_name`` cleans to nothing.
        """

    @abstractmethod
    def delete_tag(self, name: str) -> int:
        """Remove a tag from every message (the messages stay); returns how many carried it."""

    @abstractmethod
    def tags(self) -> dict[str, int]:
        """Every tag in use and how many stored messages carry it, sorted by name."""

    # -- accounts and folders -----------------------------------------------------------------

    @abstractmethod
    def open_account(self, address: str, *, entries: bool = True) -> MailboxSnapshot:
        """The account's INBOX, creating the account (with an empty INBOX) when it is new.

        A login (POP3, IMAP) opens its account, so UIDVALIDITY is fixed from the first look
        and does not change when the first message arrives. ``entries=False``: the snapshot
        holds none (for a caller that only needs the account to exist: no read of the folder).
        """

    @abstractmethod
    def create_folder(
        self, mailbox: MailboxId, special_use: str | Collection[str] | None = None
    ) -> FolderInfo:
        """Create a folder, and any missing parents (RFC 3501 6.3.3); FolderExists if it exists.

        ``special_use`` is one RFC 6154 attribute (``\\Sent``) or several (RFC 6154 5.3).

        Creating a folder kept only as a parent (``noselect``) makes it a real folder again,
        with a new UIDVALIDITY.
        """

    @abstractmethod
    def delete_folder(self, mailbox: MailboxId) -> None:
        """Delete a folder and its messages (RFC 3501 6.3.4).

        INBOX cannot be deleted; a folder with children stays as ``noselect``; NoSuchFolder
        when it does not exist.
        """

    @abstractmethod
    def rename_folder(self, mailbox: MailboxId, new_name: str) -> None:
        """Rename a folder and its children (RFC 3501 6.3.5), keeping UIDs and UIDVALIDITY.

        Renaming INBOX moves its messages to a new folder of that name and leaves INBOX empty.
        """

    @abstractmethod
    def set_subscribed(self, mailbox: MailboxId, subscribed: bool) -> None:
        """Add a name to, or remove it from, the owner's subscriptions (RFC 3501 6.3.6).

        A name may be subscribed whether or not the folder exists.
        """

    @abstractmethod
    def subscriptions(self, owner: str) -> list[str]:
        """The folder names ``owner`` subscribed to, sorted."""

    @abstractmethod
    def folders(self, owner: str) -> list[FolderInfo]:
        """The owner's folders: INBOX first, then by name; empty for an unknown account."""

    @abstractmethod
    def folder(self, mailbox: MailboxRef) -> FolderInfo | None:
        """One folder's state and counts, or None when it does not exist."""

    # -- reading -----------------------------------------------------------------------------

    @abstractmethod
    def get(self, message_id: str) -> MessageRecord | None:
        """The record of the stored message with this ID, or None."""

    @abstractmethod
    def raw(self, message_id: str) -> bytes | None:
        """The message exactly as received, or None when it is not stored."""

    @abstractmethod
    def summary(self, message_id: str) -> Summary | None:
        """Subject, addresses, date and Message-ID decoded from the header block (kept by ID)."""

    @abstractmethod
    def transcript(self, message_id: str) -> Encoded | None:
        """The encoded SMTP dialogue that delivered the message, when one was kept (for
        :func:`mailtrap.transcript.decode`)."""

    @abstractmethod
    def messages(self, mailbox: MailboxRef | None = None) -> list[MessageRecord]:
        """Every stored message once (or those in one mailbox, in UID order), by arrival."""

    @abstractmethod
    def messages_after(self, seq: int) -> list[MessageRecord]:
        """Stored messages whose arrival sequence number is greater than ``seq``, in order."""

    @abstractmethod
    def count(self) -> int:
        """How many messages are stored."""

    @abstractmethod
    def mailboxes(self) -> list[MailboxInfo]:
        """Every account, in order of creation, with its INBOX's counts and its folders."""

    @abstractmethod
    def snapshot(
        self, mailbox: MailboxRef, *, after: int | None = None, uids: Iterable[int] = ()
    ) -> MailboxSnapshot | None:
        """A consistent view of one mailbox, or None when it does not exist.

        With ``after``, only the entries whose UID is above it or among ``uids``: what an IMAP
        session needs to catch up (what arrived, and the state of what it heard had changed),
        at a cost that does not grow with the mailbox.
        """

    @abstractmethod
    def folder_view(self, mailbox: MailboxRef) -> FolderView | None:
        """What selecting a mailbox needs (its UIDs, not its messages), or None when it does not
        exist or cannot be selected; a consistent view of one moment."""

    @abstractmethod
    def entries(
        self,
        mailbox: MailboxRef,
        uids: Iterable[int],
        *,
        flag: str | None = None,
        uidvalidity: int | None = None,
    ) -> list[Entry]:
        """The entries of these UIDs the mailbox still holds, in UID order (the others are left
        out): with ``flag``, only those carrying it; with ``uidvalidity``, none unless the
        folder still has it. A read of the caller's batch: the caller bounds how many."""

    @abstractmethod
    def flags_by_uid(
        self, mailbox: MailboxRef, uids: Iterable[int], *, uidvalidity: int | None = None
    ) -> dict[int, frozenset[str]]:
        """:meth:`entries`' flags alone (a lighter read, for searching by flag), by UID."""

    @abstractmethod
    def links(self, message_id: str) -> dict[MailboxId, Entry]:
        """The entries linking a message into mailboxes."""

    @abstractmethod
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` after every change; returns the unsubscribe function."""

    # -- the query engine ----------------------------------------------------------------------

    @abstractmethod
    def query(self, filter: Filter, start: int = 0, limit: int | None = None) -> Page:
        """The messages matching ``filter``, in arrival order (or newest first): one page
        from ``start`` (at most ``limit``), with how many matched and how many of those are
        unread."""

    @abstractmethod
    def matches(self, filter: Filter, message_id: str) -> bool:
        """Whether one stored message matches ``filter`` (False when it is not stored)."""

    @abstractmethod
    def doc(self, message_id: str) -> SearchDoc | None:
        """The message's search document (its list-row facts too), or None when not stored."""

    @abstractmethod
    def indexed(self) -> bool:
        """True when every stored message has its search document (tests and benchmarks)."""

    @abstractmethod
    def unread_count(self) -> int:
        """How many stored messages are unseen in at least one folder."""

    @abstractmethod
    def stats(self) -> dict[str, int]:
        """Counters since start: ``accepted`` and ``accepted_size`` (deliveries),
        ``removed`` (messages that left the store)."""

    @abstractmethod
    def close(self) -> None:
        """Stop background work and release what the store holds; idempotent.

        A closed memory store stays readable; a closed SQLite store has closed its database.
        """

    # -- derived values, shared by every front-end ---------------------------------------------

    def derived(
        self, kind: str, message_id: str, build: Callable[[bytes], T], cost: Callable[[T], int]
    ) -> T | None:
        """``build(raw)`` for a stored message, kept in :attr:`cache` by (kind, ID); None when
        the message is not stored."""
        raw = self.raw(message_id)
        if raw is None:
            return None
        return self.cache.get(
            kind,
            message_id,
            lambda: build(raw),
            cost,
            keep=lambda: self.get(message_id) is not None,
        )

    def parsed(self, message_id: str) -> ParsedMessage | None:
        """The full MIME view of a stored message (cached by ID), or None when it is not stored."""
        from ..mime import parse, parsed_cost  # loaded on the first body read, not at import

        return self.derived("mime", message_id, parse, parsed_cost)

    def is_read(self, message_id: str, mailbox: MailboxRef | None = None) -> bool:
        """\\Seen in every mailbox holding the message (or in one); False when not stored."""
        links = self.links(message_id)
        if mailbox is not None:
            wanted = self.resolve(mailbox)
            return any(m == wanted and e.seen for m, e in links.items())
        return bool(links) and all(e.seen for e in links.values())

    @abstractmethod
    def resolve(self, mailbox: MailboxRef) -> MailboxId:
        """The store's own spelling of a mailbox name (as events and snapshots carry it)."""


__all__ = ["INBOX", "FlagMode", "MessageStore"]
