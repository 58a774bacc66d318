"""What IMAP mailbox names mean in the store, and the IMAP state all sessions of a server share.

A user logs in with a recipient address; their INBOX is that address's mailbox in the store.
Part 1 has no other mailboxes. Shared across sessions (one instance per server, used on one
event loop only): which UIDs a session has already claimed as \\Recent (RFC 3501 2.3.2: a
message is recent in exactly one session) and each user's subscriptions.
"""

from __future__ import annotations

from ...message import mailbox_key
from ...store import MailboxSnapshot, MessageStore

INBOX = b"INBOX"
DELIMITER = "/"


class Mailboxes:
    """One server's view of the store as IMAP mailboxes."""

    def __init__(self, store: MessageStore) -> None:
        self.store = store
        self._recent_claimed: dict[str, int] = {}
        self._subscriptions: dict[str, set[bytes]] = {}

    def address(self, user: str, name: bytes) -> str | None:
        """The store mailbox behind ``name`` for ``user``, or None when there is no such mailbox."""
        return user if name == INBOX else None

    def names(self, user: str) -> list[bytes]:
        """Every mailbox name ``user`` has, in listing order."""
        return [INBOX]

    def snapshot(self, address: str) -> MailboxSnapshot | None:
        # A user's INBOX exists from the first look, so its UIDVALIDITY never changes later.
        return self.store.open_mailbox(address)

    def claim_recent(self, address: str, highest_uid: int) -> int:
        """Claim every UID up to ``highest_uid`` as recent; returns the highest claimed before."""
        key = mailbox_key(address)
        before = self._recent_claimed.get(key, 0)
        if highest_uid > before:
            self._recent_claimed[key] = highest_uid
        return before

    def claimed_recent(self, address: str) -> int:
        """The highest UID some session has already claimed as recent."""
        return self._recent_claimed.get(mailbox_key(address), 0)

    def subscriptions(self, user: str) -> set[bytes]:
        """The names ``user`` subscribed to; INBOX starts subscribed."""
        return self._subscriptions.setdefault(mailbox_key(user), {INBOX})
