"""The store interface every backend implements (memory now, SQLite later).

Semantics every backend keeps:
- ``deliver`` stores the raw bytes once and links the message into one mailbox per envelope
  recipient (created on first delivery), each link with its own UID and flags.
- UIDs in a mailbox only grow; ``clear`` and deletions never lower UIDNEXT or change
  UIDVALIDITY, so a UID is never reused.
- ``max_messages`` prunes the oldest messages first.
- Every change is announced to subscribers as a :mod:`mailtrap.store.events` event.
- Addresses are compared through :func:`mailtrap.message.mailbox_key`; an unknown mailbox reads
  as empty and never raises.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from typing import Literal

from .events import Subscriber
from .model import Entry, MailboxInfo, MailboxSnapshot, StoredMessage

FlagMode = Literal["add", "remove", "replace"]


class MessageStore(ABC):
    """Where captured mail lives; thread-safe; knows no front-end."""

    max_messages: int | None

    @abstractmethod
    def deliver(
        self,
        mail_from: str,
        rcpt_tos: Sequence[str],
        raw: bytes,
        transcript: bytes | None = None,
    ) -> StoredMessage:
        """Store ``raw`` byte for byte and link it into each recipient's mailbox.

        ``transcript`` is the encoded SMTP dialogue that delivered it (see
        :mod:`mailtrap.transcript`), kept until the message goes.
        """

    def transcript(self, message_id: str) -> bytes | None:
        """The encoded SMTP transcript kept with a message, or None."""
        return None

    @abstractmethod
    def get(self, message_id: str) -> StoredMessage | None:
        """The stored message with this ID, or None."""

    @abstractmethod
    def messages(self, mailbox: str | None = None) -> list[StoredMessage]:
        """Every stored message (or those in one mailbox), in arrival order."""

    @abstractmethod
    def messages_after(self, seq: int) -> list[StoredMessage]:
        """Stored messages whose arrival sequence number is greater than ``seq``, in order."""

    @abstractmethod
    def count(self) -> int:
        """How many messages are stored."""

    @abstractmethod
    def mailboxes(self) -> list[MailboxInfo]:
        """Every mailbox, in order of creation."""

    @abstractmethod
    def snapshot(self, mailbox: str) -> MailboxSnapshot | None:
        """A consistent view of one mailbox, or None if it was never created."""

    @abstractmethod
    def open_mailbox(self, address: str) -> MailboxSnapshot:
        """Like :meth:`snapshot`, creating the mailbox empty when it never received mail.

        A login (POP3, IMAP) opens its mailbox, so UIDVALIDITY is fixed from the first look
        and does not change when the first message arrives.
        """

    @abstractmethod
    def links(self, message_id: str) -> dict[str, Entry]:
        """The entries linking a message into mailboxes, keyed by mailbox address."""

    @abstractmethod
    def store_flags(
        self, mailbox: str, uids: Iterable[int], flags: Iterable[str], mode: FlagMode
    ) -> list[Entry]:
        """Add, remove or replace flags on entries of one mailbox; returns the changed entries."""

    @abstractmethod
    def set_seen(self, message_ids: Iterable[str], seen: bool, mailbox: str | None = None) -> int:
        """Set or clear \\Seen on messages in every mailbox holding them (or in one)."""

    @abstractmethod
    def expunge(self, mailbox: str, uids: Iterable[int]) -> list[Entry]:
        """Unlink these UIDs from one mailbox; a message whose last link goes leaves the store."""

    @abstractmethod
    def delete(self, message_ids: Iterable[str], mailbox: str | None = None) -> int:
        """Unlink messages everywhere (or from one mailbox); returns how many links went."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every message; mailboxes keep UIDVALIDITY and UIDNEXT."""

    @abstractmethod
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` after every change; returns the unsubscribe function."""
