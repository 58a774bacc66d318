"""One POP3 session's maildrop, and the exclusive-access locks that guard maildrops.

The maildrop is a snapshot of one recipient's mailbox taken at login (RFC 1939 section 4):
mail delivered later appears in the next session only. Messages are numbered from 1 in
arrival order, and deletion marks live here, in the session, until QUIT applies them.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ...message import mailbox_key
from ...store import Entry, MailboxSnapshot
from .replies import crlf_size


class Maildrop:
    """The messages one session sees, with the session's deletion marks."""

    def __init__(
        self,
        address: str,
        snapshot: MailboxSnapshot | None,
        raw: Callable[[str], bytes | None],
    ) -> None:
        self.address = snapshot.address if snapshot is not None else address
        self._uidvalidity = snapshot.uidvalidity if snapshot is not None else 0
        self._entries: tuple[Entry, ...] = snapshot.entries if snapshot is not None else ()
        self._sizes = [crlf_size(raw(e.message.id) or b"") for e in self._entries]
        self._deleted: set[int] = set()

    def get(self, msg: int) -> Entry | None:
        """Message number ``msg``, or None when it does not exist or is marked deleted."""
        if not 1 <= msg <= len(self._entries) or msg in self._deleted:
            return None
        return self._entries[msg - 1]

    def is_deleted(self, msg: int) -> bool:
        return msg in self._deleted

    def size(self, msg: int) -> int:
        """The message's size in octets as sent: CRLF line ends (RFC 1939 section 11)."""
        return self._sizes[msg - 1]

    def unique_id(self, msg: int) -> str:
        """A UIDL value (RFC 1939 section 7): stable across sessions, never reused in a mailbox.

        UIDVALIDITY never changes for a mailbox and UIDs only grow, so the pair is unique forever.
        """
        return f"{self._uidvalidity}.{self._entries[msg - 1].uid}"

    def visible(self) -> Iterator[int]:
        """Numbers of the messages not marked deleted, in order."""
        return (n for n in range(1, len(self._entries) + 1) if n not in self._deleted)

    def stat(self) -> tuple[int, int]:
        """(count, octets) of the messages not marked deleted (RFC 1939 section 5, STAT)."""
        numbers = list(self.visible())
        return len(numbers), sum(self._sizes[n - 1] for n in numbers)

    def mark_deleted(self, msg: int) -> None:
        self._deleted.add(msg)

    def unmark_all(self) -> None:
        self._deleted.clear()

    def deleted_uids(self) -> list[int]:
        """Store UIDs of the messages marked deleted, for the UPDATE state."""
        return [self._entries[n - 1].uid for n in sorted(self._deleted)]


class MaildropLocks:
    """Which maildrops have a session in TRANSACTION state (RFC 1939 section 8: exclusive access).

    Shared by every POP3 listener over one store; used from a single event loop, so it needs
    no lock of its own.
    """

    def __init__(self) -> None:
        self._held: set[str] = set()

    def acquire(self, address: str) -> str | None:
        """Lock the maildrop of ``address``; the lock key, or None when it is already in use."""
        key = mailbox_key(address)
        if key in self._held:
            return None
        self._held.add(key)
        return key

    def release(self, key: str) -> None:
        self._held.discard(key)

    def __contains__(self, address: str) -> bool:
        return mailbox_key(address) in self._held
