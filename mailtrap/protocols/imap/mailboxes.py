"""What IMAP mailbox names mean in the store, and the IMAP state all sessions of a server share.

A user logs in with an address: their account, which then has INBOX and a folder for each
special use of :data:`SPECIAL_FOLDERS` (RFC 6154), so a client needs no set-up. IMAP names are
the account's folder paths in modified UTF-7 (RFC 3501 5.1.3), ``INBOX`` in any case. Shared
across the sessions of one server (one instance per runtime, used on one event loop only):
which UIDs a session has already claimed as \\Recent (RFC 3501 2.3.2: a message is recent in
exactly one session). Subscriptions are the store's.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from ...store import DELIMITER, INBOX, FolderError, FolderInfo, MailboxId, MessageStore
from .outcomes import BATCH
from .recall import CACHE_SIZE
from .utf7 import decode_utf7, encode_utf7

__all__ = ["DELIMITER", "INBOX_NAME", "SPECIAL_FOLDERS", "Mailboxes"]

INBOX_NAME = INBOX.encode()
#: The folders an account gets at login when none of its folders has that special use.
SPECIAL_FOLDERS = (
    ("Drafts", "\\Drafts"),
    ("Sent", "\\Sent"),
    ("Trash", "\\Trash"),
    ("Junk", "\\Junk"),
    ("Archive", "\\Archive"),
)


class Mailboxes:
    """One server's view of the store as IMAP mailboxes."""

    def __init__(
        self, store: MessageStore, *, batch: int = BATCH, cache_size: int = CACHE_SIZE
    ) -> None:
        self.store = store
        #: how many messages a selected view reads (or a command writes) in one store call
        self.batch = batch
        #: how many entries a selected view keeps (:class:`.recall.EntryCache`)
        self.cache_size = cache_size
        #: UIDVALIDITY (unique to one folder in the store) -> the highest UID claimed as recent
        self._recent_claimed: dict[int, int] = {}

    def open(self, address: str) -> str:
        """Open the account of a logged-in user; returns its address as the store spells it.

        The account gets its INBOX (so UIDVALIDITY is fixed from the first look) and, for each
        special use none of its folders has, the folder of :data:`SPECIAL_FOLDERS`, subscribed.
        """
        user = self.store.open_account(address, entries=False).address
        folders = self.store.folders(user)
        uses = {use for folder in folders for use in folder.special_uses}
        names = {folder.name for folder in folders}
        for name, use in SPECIAL_FOLDERS:
            if use in uses or name in names:
                continue
            try:
                self.store.create_folder(MailboxId(user, name), use)
            except FolderError:  # made meanwhile, by another session or the Python API
                continue
            self.store.set_subscribed(MailboxId(user, name), True)
        return user

    def mailbox(self, user: str, name: bytes) -> MailboxId | None:
        """The mailbox ``name`` names for ``user``, or None when it is not a valid name."""
        try:
            folder = decode_utf7(name)
        except ValueError:
            return None
        return self.store.resolve(MailboxId(user, folder))

    def folder(self, user: str, name: bytes) -> FolderInfo | None:
        """The folder ``name`` names for ``user``, or None when there is none."""
        mailbox = self.mailbox(user, name)
        return self.store.folder(mailbox) if mailbox is not None else None

    def name(self, mailbox: MailboxId) -> bytes:
        """The IMAP name of a mailbox (modified UTF-7)."""
        return encode_utf7(mailbox.folder)

    def folders(self, user: str) -> list[FolderInfo]:
        """Every folder ``user`` has, INBOX first (the account opened if new)."""
        self.store.open_account(user, entries=False)
        return self.store.folders(user)

    def claim_recent(self, uidvalidity: int, highest_uid: int) -> int:
        """Claim every UID up to ``highest_uid`` of a folder as recent; returns the highest
        claimed before (the folder is named by its UIDVALIDITY, unique in the store)."""
        before = self._recent_claimed.get(uidvalidity, 0)
        if highest_uid > before:
            self._recent_claimed[uidvalidity] = highest_uid
        return before

    def claimed_recent(self, uidvalidity: int) -> int:
        """The highest UID of a folder some session has already claimed as recent."""
        return self._recent_claimed.get(uidvalidity, 0)
