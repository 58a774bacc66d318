"""The store's value types: a stored message, its link into a mailbox, and mailbox snapshots.

A message is stored once (:class:`StoredMessage`) and linked into one mailbox per envelope
recipient by an :class:`Entry` that carries that mailbox's UID and flags for it. Entries and
snapshots are immutable: a flag change replaces the entry, so a reader holding a snapshot never
sees it change under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from ..message import Summary, summarize

SEEN = "\\Seen"
DELETED = "\\Deleted"
#: The IMAP system flags a client may set (RFC 3501 2.3.2); \Recent is per session, not stored.
SYSTEM_FLAGS = frozenset({SEEN, "\\Answered", "\\Flagged", DELETED, "\\Draft"})


class StoredMessage:
    """One captured message: the raw bytes exactly as received, the envelope, and its summary.

    ``links`` holds a (mailbox key, UID) pair per mailbox holding it; only the store changes it,
    under its lock. The summary is computed once, when first read (idempotent, so two threads
    racing to build it only do the work twice).
    """

    __slots__ = ("_summary", "id", "links", "mail_from", "raw", "rcpt_tos", "received", "seq")

    def __init__(
        self,
        id: str,
        seq: int,
        mail_from: str,
        rcpt_tos: tuple[str, ...],
        raw: bytes,
        received: float,
    ) -> None:
        self.id = id
        self.seq = seq
        self.mail_from = mail_from
        self.rcpt_tos = rcpt_tos
        self.raw = raw
        self.received = received
        self._summary: Summary | None = None
        self.links: tuple[tuple[str, int], ...] = ()

    @property
    def summary(self) -> Summary:
        """Subject, addresses, date and Message-ID, decoded once from the header block.

        Built on first read rather than on the SMTP path: parsing headers with the ``email``
        package costs about a fifth of ingest throughput, and many messages are never read.
        """
        summary = self._summary
        if summary is None:
            summary = self._summary = summarize(self.raw)
        return summary

    @property
    def size(self) -> int:
        return len(self.raw)

    @property
    def received_at(self) -> datetime:
        return datetime.fromtimestamp(self.received, UTC)

    def __repr__(self) -> str:
        return f"<StoredMessage {self.id} from={self.mail_from!r} subject={self.summary.subject!r}>"


class Entry(NamedTuple):
    """A message's link into one mailbox: its UID there and the flags it has there."""

    uid: int
    message: StoredMessage
    flags: frozenset[str]

    @property
    def seen(self) -> bool:
        return SEEN in self.flags


@dataclass(frozen=True, slots=True)
class MailboxSnapshot:
    """A consistent view of one mailbox at one moment, entries in UID order."""

    address: str
    uidvalidity: int
    uidnext: int
    entries: tuple[Entry, ...]

    @property
    def unseen(self) -> int:
        return sum(1 for e in self.entries if SEEN not in e.flags)


@dataclass(frozen=True, slots=True)
class MailboxInfo:
    """Counts for one mailbox, for listings."""

    address: str
    total: int
    unseen: int
    uidvalidity: int
    uidnext: int
