"""One session's view of its selected mailbox: stable sequence numbers and pending updates.

Message sequence numbers change only when this session tells its client (RFC 3501 2.3.1.2,
7.4.1): new mail is added with EXISTS, and a message expunged by someone else stays in the view
until an EXPUNGE may be sent, never while answering FETCH, STORE or SEARCH. Store events only
mark what may have changed; :meth:`SelectedMailbox.updates` then reads those entries (and what
arrived) and reports the differences. The view's state and reads are :mod:`.view`'s.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Collection, Sequence

from ...store import (
    UID_TYPE,
    Cleared,
    Delivered,
    Entry,
    Expunged,
    FlagsChanged,
    FoldersChanged,
    Linked,
    StoreEvent,
)
from .outcomes import batches
from .view import MailboxView, MessageGone, flag_list

__all__ = ["MessageGone", "SelectedMailbox", "flag_list"]


class SelectedMailbox(MailboxView):
    """The selected mailbox of one session (RFC 3501 6.3.1), read-write or read-only."""

    # -- changes made by this session -------------------------------------------------------

    def apply(self, changed: Sequence[Entry]) -> list[bytes]:
        """Take in entries this session changed; returns a FLAGS response if keywords grew."""
        for entry in changed:
            if self.index_of(entry.uid) is not None:
                self.cache.put(entry)
        return self._keyword_update(changed)

    def remove(self, uids: Collection[int]) -> list[bytes]:
        """Drop expunged UIDs from the view; the EXPUNGE responses, lowest first, each number
        counted after the ones before it (RFC 3501 7.4.1, as its 6.4.3 example has them)."""
        return self._drop(sorted(i for i in map(self.index_of, uids) if i is not None))

    def _drop(self, positions: list[int]) -> list[bytes]:
        lines = [b"* %d EXPUNGE\r\n" % (i + 1 - k) for k, i in enumerate(positions)]
        if positions:
            old, kept, start = self.uids, array(UID_TYPE), 0
            for i in positions:
                kept += old[start:i]
                start = i + 1
            kept += old[start:]
            self.uids = kept
            for i in positions:
                uid = old[i]
                self.gone.discard(uid)
                self.cache.discard(uid)
                self._kept.pop(uid, None)
                self._gone_ids.pop(uid, None)
        return lines

    # -- changes made by others -------------------------------------------------------------

    def notify(self, event: StoreEvent) -> bool:
        """Note a store event; True when it concerns this mailbox."""
        if isinstance(event, Delivered):
            if self.mailbox not in event.mailboxes:
                return False
            self._new = True
        elif isinstance(event, Linked):
            if event.mailbox != self.mailbox:
                return False
            self._new = True
        elif isinstance(event, FlagsChanged | Expunged):
            if event.mailbox != self.mailbox:
                return False
            if isinstance(event, FlagsChanged):
                self._changed.update(e.uid for e in event.entries)
            else:
                self._changed.update(event.uids)
                for uid, message_id in zip(event.uids, event.message_ids, strict=True):
                    if self.index_of(uid) is not None:  # kept to read it while it stays
                        self._gone_ids[uid] = message_id
        elif isinstance(event, Cleared):  # every message the view holds is gone: none read
            self._gone_upto = max(self._gone_upto, self.max_uid)
        elif isinstance(event, FoldersChanged):
            if event.owner != self.mailbox.owner or self.orphaned:
                return False
            return self._relocate()
        else:
            return False
        return True

    def _relocate(self) -> bool:
        """After a folder change: follow a rename of this folder (its UIDVALIDITY is unique in
        the store), or, when it was deleted, give up every message at once so no command of
        this session can touch a folder made again under the old name."""
        for info in self.store.folders(self.mailbox.owner):
            if info.uidvalidity == self.uidvalidity and not info.noselect:
                if info.mailbox == self.mailbox:
                    return False
                self.mailbox = info.mailbox
                self._full = True
                return True
        self.orphaned = self._full = True
        self._gone_upto = self.max_uid
        return True

    def expect_arrivals(self) -> None:
        """This session added messages to its own mailbox (APPEND, COPY, MOVE): report them at
        the end of the command, before the store's event comes round."""
        self._new = True

    @property
    def pending(self) -> bool:
        """True when something may have changed since the last :meth:`updates`."""
        return self._new or self._full or bool(self._changed)

    def updates(self, *, allow_expunge: bool) -> list[bytes]:
        """Untagged responses for what changed in the store (RFC 3501 7.4.1 rules)."""
        if not self.pending and not (allow_expunge and self._any_gone()):
            return []
        if self._full and not self.orphaned:
            self._resync()
        new = self._new and not self.orphaned
        changed = sorted(
            uid for uid in self._changed if not self.is_gone(uid) and self.index_of(uid) is not None
        )
        self._new = self._full = False
        self._changed = set()
        flagged = self._flag_changes(changed)
        lines = self._keyword_update(flagged)
        if allow_expunge and self._any_gone():
            cut = bisect_right(self.uids, self._gone_upto)
            among = sorted(i for i in map(self.index_of, self.gone) if i is not None and i >= cut)
            lines += self._drop([*range(cut), *among])
        if new:
            lines += self._arrivals()
        for entry in flagged:
            index = self.index_of(entry.uid)
            if index is not None and not self.is_gone(entry.uid):
                flags = self.flags(entry)
                lines.append(b"* %d FETCH (UID %d FLAGS %s)\r\n" % (index + 1, entry.uid, flags))
        return lines

    def _flag_changes(self, uids: list[int]) -> list[Entry]:
        """Read the entries of ``uids`` (in batches): those gone are marked so, and those whose
        flags differ from what the view showed (or never showed) are returned."""
        flagged: list[Entry] = []
        for batch in batches(uids, self.batch):
            read = self.store.entries(self.mailbox, batch, uidvalidity=self.uidvalidity)
            current = {e.uid: e for e in read}
            for uid in batch:
                now = current.get(uid)
                if now is None:
                    self._mark_gone(uid)
                    continue
                known = self.cache.get(uid)
                if known is None or known.flags != now.flags:
                    flagged.append(now)
                self.cache.put(now)
        return flagged

    def _resync(self) -> None:
        """After a rename, which events may not tell in full (another rename in between):
        what left the folder, from its UIDs against the store's, and every entry the view
        remembers read again."""
        folder = self.store.folder_view(self.mailbox)
        theirs = array(UID_TYPE)
        if folder is not None and folder.uidvalidity == self.uidvalidity:
            theirs = folder.uids[: bisect_right(folder.uids, self.max_uid)]
        if not theirs:
            self._gone_upto = self.max_uid
        elif len(theirs) != len(self.uids):
            for uid in set(self.uids).difference(theirs):
                self._mark_gone(uid)
        self._changed.update(self.cache.uids())
        self._new = True

    def _arrivals(self) -> list[bytes]:
        snapshot = self.store.snapshot(self.mailbox, after=self.max_uid)
        if snapshot is None or snapshot.uidvalidity != self.uidvalidity:
            return []  # not the folder this session selected
        self.uidnext = snapshot.uidnext
        new = [e for e in snapshot.entries if e.uid > self.max_uid]
        if not new:
            return []
        self.uids.extend(e.uid for e in new)
        for entry in new[-self.cache.size :]:
            self.cache.put(entry)
        self.max_uid = new[-1].uid
        self.recent.add(self._claim(self.max_uid), self.max_uid)
        lines = self._keyword_update(new)
        lines.append(b"* %d EXISTS\r\n" % len(self.uids))
        lines.append(b"* %d RECENT\r\n" % self.recent_count())
        return lines
