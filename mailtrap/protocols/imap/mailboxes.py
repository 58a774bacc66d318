"""What IMAP mailbox names mean in the store, and the IMAP state all sessions of a server share.

A user logs in with an address: their account. IMAP names are the account's folder paths in
modified UTF-7 (RFC 3501 5.1.3), ``INBOX`` in any case. Shared across the sessions of one
server (one instance per runtime, used on one event loop only): which UIDs a session has
already claimed as \\Recent (RFC 3501 2.3.2: a message is recent in exactly one session).
Subscriptions are the store's.
"""

from __future__ import annotations

from ...store import DELIMITER, INBOX, FolderInfo, MailboxId, MessageStore
from .utf7 import decode_utf7, encode_utf7

__all__ = ["DELIMITER", "INBOX_NAME", "Mailboxes"]

INBOX_NAME = INBOX.encode()
#: (mailbox, UIDVALIDITY): a folder created again under an old name starts afresh.
RecentKey = tuple[MailboxId, int]


class Mailboxes:
    """One server's view of the store as IMAP mailboxes."""

    def __init__(self, store: MessageStore) -> None:
        self.store = store
        self._recent_claimed: dict[RecentKey, int] = {}

    def mailbox(self, user: str, name: bytes) -> MailboxId | None:
        """The mailbox ``name`` names for ``user``, or None when it is not a valid name."""
        try:
            folder = decode_utf7(name)
        except ValueError:
            return None
        return self.store.resolve(MailboxId(user, folder))

    def name(self, mailbox: MailboxId) -> bytes:
        """The IMAP name of a mailbox (modified UTF-7)."""
        return encode_utf7(mailbox.folder)

    def folders(self, user: str) -> list[FolderInfo]:
        """Every folder ``user`` has, INBOX first (the account opened if new)."""
        self.store.open_account(user)
        return self.store.folders(user)

    def claim_recent(self, key: RecentKey, highest_uid: int) -> int:
        """Claim every UID up to ``highest_uid`` as recent; returns the highest claimed before."""
        before = self._recent_claimed.get(key, 0)
        if highest_uid > before:
            self._recent_claimed[key] = highest_uid
        return before

    def claimed_recent(self, key: RecentKey) -> int:
        """The highest UID some session has already claimed as recent."""
        return self._recent_claimed.get(key, 0)
