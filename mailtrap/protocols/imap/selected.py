"""One session's view of its selected mailbox: stable sequence numbers and pending updates.

Message sequence numbers change only when this session tells its client (RFC 3501 2.3.1.2,
7.4.1): new mail is added with EXISTS, and a message expunged by someone else stays in the view
(its bytes still readable) until an EXPUNGE may be sent, never while answering FETCH, STORE or
SEARCH. Store events only mark what may have changed; :meth:`SelectedMailbox.updates` then reads
the store's snapshot and reports the differences.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from ...message import EMPTY_SUMMARY, Summary
from ...mime import ParsedMessage
from ...mimetree import MessageStructure, message_structure, structure_cost
from ...store import (
    SEEN,
    SYSTEM_FLAGS,
    Cleared,
    Delivered,
    Entry,
    Expunged,
    FlagsChanged,
    FoldersChanged,
    Linked,
    MailboxId,
    MailboxSnapshot,
    StoreEvent,
)
from . import format as fmt
from .format import Atom
from .mailboxes import Mailboxes
from .sequence import SequenceSet


class MessageGone(Exception):
    """The message's bytes left the store (another session expunged it)."""


RECENT = "\\Recent"
_SYSTEM_ORDER = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")
_flag_lists: dict[tuple[frozenset[str], bool], bytes] = {}


def flag_list(flags: frozenset[str], recent: bool = False) -> bytes:
    """``(\\Seen kw ...)`` for a flag set; cached, since stores share few distinct sets."""
    key = (flags, recent)
    found = _flag_lists.get(key)
    if found is None:
        names = [f for f in _SYSTEM_ORDER if f in flags]
        names += sorted(f for f in flags if f not in SYSTEM_FLAGS)
        if recent:
            names.append(RECENT)
        found = fmt.value([Atom(n) for n in names])
        if len(_flag_lists) > 4096:
            _flag_lists.clear()
        _flag_lists[key] = found
    return found


def _keywords(entries: Sequence[Entry]) -> frozenset[str]:
    found: set[str] = set()
    for flags in {e.flags for e in entries}:
        found.update(f for f in flags if f not in SYSTEM_FLAGS)
    return frozenset(found)


class SelectedMailbox:
    """The selected mailbox of one session (RFC 3501 6.3.1), read-write or read-only."""

    def __init__(
        self,
        mailboxes: Mailboxes,
        mailbox: MailboxId,
        snapshot: MailboxSnapshot | None,
        *,
        readonly: bool,
    ) -> None:
        """The view of ``mailbox`` from ``snapshot`` (``store.snapshot(mailbox)``, read by the
        caller: on the loop, or off it for a database)."""
        self.mailboxes = mailboxes
        self.store = mailboxes.store
        self.readonly = readonly
        #: the store's own name of the mailbox (events carry the same)
        self.mailbox = snapshot.mailbox if snapshot else mailbox
        # A mailbox that never received mail has no UIDVALIDITY yet: 1 until the store makes one.
        self.uidvalidity = snapshot.uidvalidity if snapshot else 1
        entries = snapshot.entries if snapshot else ()
        self.entries: list[Entry] = list(entries)
        self.uids: list[int] = [e.uid for e in entries]
        self.max_uid = self.uids[-1] if self.uids else 0
        self.uidnext = snapshot.uidnext if snapshot else 1
        self.keywords = _keywords(entries)
        #: UIDs gone from the store whose EXPUNGE has not been sent yet.
        self.gone: set[int] = set()
        claimed = self._claim(self.max_uid)
        self.recent: set[int] = {uid for uid in self.uids if uid > claimed}
        self._new = False
        self._full = False
        self._changed: set[int] = set()
        #: True once the folder was deleted (or lost its mail as a \\Noselect parent): the view
        #: empties and nothing new comes in, even into a folder made again under the name.
        self.orphaned = False

    def _claim(self, highest: int) -> int:
        if self.readonly:  # RFC 3501 6.3.2: EXAMINE must not take \Recent away
            return self.mailboxes.claimed_recent(self.uidvalidity)
        return self.mailboxes.claim_recent(self.uidvalidity, highest)

    # -- reading ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.entries)

    def index_of(self, uid: int) -> int | None:
        """The 0-based position of ``uid`` in the view, or None."""
        index = bisect_left(self.uids, uid)
        return index if index < len(self.uids) and self.uids[index] == uid else None

    def resolve(self, sequence: SequenceSet, uid: bool) -> list[int]:
        """0-based positions named by a sequence set of MSNs or (``uid``) UIDs."""
        if uid:
            return sequence.uid_indexes(self.uids)
        return [msn - 1 for msn in sequence.msns(len(self.entries))]

    def flags(self, index: int) -> bytes:
        entry = self.entries[index]
        return flag_list(entry.flags, entry.uid in self.recent)

    def raw(self, entry: Entry) -> bytes:
        """The message's bytes; MessageGone when another session expunged it meanwhile."""
        raw = self.store.raw(entry.message.id)
        if raw is None:
            raise MessageGone(entry.uid)
        return raw

    def summary(self, entry: Entry) -> Summary:
        return self.store.summary(entry.message.id) or EMPTY_SUMMARY

    def structure(self, entry: Entry) -> MessageStructure:
        """The message's parsed structure, from the store's cache."""
        found = self.store.derived("mime-tree", entry.message.id, message_structure, structure_cost)
        if found is None:
            raise MessageGone(entry.uid)
        return found

    def parsed(self, entry: Entry) -> ParsedMessage:
        found = self.store.parsed(entry.message.id)
        if found is None:
            raise MessageGone(entry.uid)
        return found

    def unseen_count(self) -> int:
        return sum(1 for e in self.entries if SEEN not in e.flags)

    def flags_response(self) -> bytes:
        """``* FLAGS (...)``: the system flags and every keyword in use (RFC 3501 7.2.6)."""
        names = [*_SYSTEM_ORDER, *sorted(self.keywords)]
        return fmt.untagged(Atom("FLAGS"), [Atom(n) for n in names])

    def select_responses(self) -> list[bytes]:
        """The untagged responses SELECT and EXAMINE must send (RFC 3501 6.3.1)."""
        lines = [
            self.flags_response(),
            b"* %d EXISTS\r\n" % len(self.entries),
            b"* %d RECENT\r\n" % len(self.recent),
        ]
        first_unseen = next((i for i, e in enumerate(self.entries) if SEEN not in e.flags), None)
        if first_unseen is not None:
            lines.append(fmt.status(b"*", "OK", "First unseen", [Atom("UNSEEN"), first_unseen + 1]))
        permanent = [] if self.readonly else [Atom(f) for f in (*_SYSTEM_ORDER, "\\*")]
        lines += [
            fmt.status(b"*", "OK", "Flags allowed", [Atom("PERMANENTFLAGS"), permanent]),
            fmt.status(b"*", "OK", "UIDs valid", [Atom("UIDVALIDITY"), self.uidvalidity]),
            fmt.status(b"*", "OK", "Predicted next UID", [Atom("UIDNEXT"), self.uidnext]),
        ]
        return lines

    # -- changes made by this session -------------------------------------------------------

    def apply(self, changed: Sequence[Entry]) -> list[bytes]:
        """Take in entries this session changed; returns a FLAGS response if keywords grew."""
        for entry in changed:
            index = self.index_of(entry.uid)
            if index is not None:
                self.entries[index] = entry
        return self._keyword_update(changed)

    def _keyword_update(self, entries: Sequence[Entry]) -> list[bytes]:
        new = _keywords(entries) - self.keywords
        if not new:
            return []
        self.keywords |= new
        return [self.flags_response()]

    def remove(self, uids: set[int]) -> list[bytes]:
        """Drop expunged UIDs from the view; the EXPUNGE responses, lowest first, each number
        counted after the ones before it (RFC 3501 7.4.1, as its 6.4.3 example has them)."""
        positions = [i for i, uid in enumerate(self.uids) if uid in uids]
        lines = [b"* %d EXPUNGE\r\n" % (i + 1 - k) for k, i in enumerate(positions)]
        if positions:
            keep = [i for i, uid in enumerate(self.uids) if uid not in uids]
            self.entries = [self.entries[i] for i in keep]
            self.uids = [self.uids[i] for i in keep]
        self.gone -= uids
        self.recent -= uids
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
        elif isinstance(event, Cleared):
            self._full = True
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
        self.gone.update(self.uids)
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
        if not self.pending and not (allow_expunge and self.gone):
            return []
        whole = self._full or len(self._changed) > 64
        if self.orphaned:
            snapshot = None
        elif whole:
            snapshot = self.store.snapshot(self.mailbox)
        else:  # what arrived and what changed: the cost does not grow with the mailbox
            snapshot = self.store.snapshot(self.mailbox, after=self.max_uid, uids=self._changed)
        if snapshot is not None and snapshot.uidvalidity != self.uidvalidity:
            snapshot = None  # not the folder this session selected
        entries = snapshot.entries if snapshot else ()
        current = {e.uid: e for e in entries} if whole else None
        if self._full:
            changed = set(self.uids)
        else:
            changed = {uid for uid in self._changed if self.index_of(uid) is not None}
        self._new = self._full = False
        self._changed = set()
        lines: list[bytes] = []
        flagged: list[Entry] = []
        for uid in sorted(changed):
            now = current.get(uid) if current is not None else _find(entries, uid)
            if now is None:
                self.gone.add(uid)
            elif uid not in self.gone:
                index = self.index_of(uid)
                if index is not None and now.flags != self.entries[index].flags:
                    self.entries[index] = now
                    flagged.append(now)
        lines += self._keyword_update(flagged)
        if allow_expunge and self.gone:
            lines += self.remove(set(self.gone))
        lines += self._arrivals(entries)
        for entry in flagged:
            index = self.index_of(entry.uid)
            if index is not None and entry.uid not in self.gone:
                lines.append(
                    b"* %d FETCH (UID %d FLAGS %s)\r\n" % (index + 1, entry.uid, self.flags(index))
                )
        if snapshot is not None:
            self.uidnext = snapshot.uidnext
        return lines

    def _arrivals(self, entries: Sequence[Entry]) -> list[bytes]:
        start = len(entries)
        while start and entries[start - 1].uid > self.max_uid:
            start -= 1
        new = entries[start:]
        if not new:
            return []
        self.entries.extend(new)
        self.uids.extend(e.uid for e in new)
        self.max_uid = new[-1].uid
        claimed = self._claim(self.max_uid)
        self.recent.update(e.uid for e in new if e.uid > claimed)
        lines = self._keyword_update(new)
        lines.append(b"* %d EXISTS\r\n" % len(self.entries))
        lines.append(b"* %d RECENT\r\n" % len(self.recent))
        return lines


def _find(entries: Sequence[Entry], uid: int) -> Entry | None:
    index = bisect_left(entries, uid, key=lambda e: e.uid)
    return entries[index] if index < len(entries) and entries[index].uid == uid else None
