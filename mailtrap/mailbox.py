"""The public view of one folder of captured mail: :class:`Mailbox` (loaded with the first
``trap.mailbox(...)``, not with ``import mailtrap``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from .mail import Message
from .store import MailboxId, MessageStore


@dataclass(frozen=True)
class Mailbox:
    """One folder of one account at the moment it was read (empty for an unknown address).

    ``folders`` lists the account's folder names, INBOX first. :meth:`append` stores a message
    into this folder, as an IMAP client's APPEND would (the folder is created if needed).
    """

    address: str
    messages: list[Message]
    unread: int = 0
    uidvalidity: int | None = None
    uidnext: int | None = None
    folder: str = "INBOX"
    folders: list[str] = field(default_factory=list)
    _store: MessageStore | None = field(default=None, repr=False, compare=False)

    def append(
        self,
        raw: bytes,
        flags: Iterable[str] = (),
        internal_date: datetime | float | None = None,
    ) -> Message:
        """Store ``raw`` into this folder with IMAP ``flags``; returns the new message."""
        if self._store is None:
            raise RuntimeError("this mailbox was not read from a store")
        if isinstance(internal_date, datetime):
            internal_date = internal_date.timestamp()
        mailbox = MailboxId(self.address, self.folder)
        if self._store.folder(mailbox) is None:
            self._store.open_account(self.address, entries=False)
            if self._store.folder(mailbox) is None:
                self._store.create_folder(mailbox)
        entry = self._store.append(mailbox, raw, flags, internal_date)
        return Message(entry.message, self._store)
