"""The state of a selected mailbox and its reads: the UIDs (an array, 4 bytes a message) and no
messages. Commands read the entries they touch from the store a batch at a time
(:meth:`MailboxView.entries_at`, or :meth:`MailboxView.flags_at` for flags alone); the view
keeps the latest few and what is left of messages expunged by others (:mod:`.recall`), so
selecting a million messages builds no object per message.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence

from ...message import EMPTY_SUMMARY, Summary
from ...mime import ParsedMessage
from ...mimetree import MessageStructure, message_structure, structure_cost
from ...store import SYSTEM_FLAGS, UID_TYPE, Entry, FolderView, MailboxId, keywords
from . import format as fmt
from .format import Atom
from .mailboxes import Mailboxes
from .outcomes import batches
from .recall import EntryCache, Recent
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


class MailboxView:
    """A selected mailbox as one session sees it: its UIDs, what it read of their messages,
    and what left the store (the changes are :class:`~.selected.SelectedMailbox`'s)."""

    def __init__(
        self,
        mailboxes: Mailboxes,
        mailbox: MailboxId,
        folder: FolderView | None,
        *,
        readonly: bool,
    ) -> None:
        """The view of ``mailbox`` from ``folder`` (``store.folder_view(mailbox)``, read by the
        caller: on the loop, or off it for a database)."""
        self.mailboxes = mailboxes
        self.store = mailboxes.store
        #: how many messages one store read or write of a command takes
        self.batch = mailboxes.batch
        self.readonly = readonly
        #: the store's own name of the mailbox (events carry the same)
        self.mailbox = folder.mailbox if folder else mailbox
        # A mailbox that never received mail has no UIDVALIDITY yet: 1 until the store makes one.
        self.uidvalidity = folder.uidvalidity if folder else 1
        #: the UIDs of the view, ascending: position i is message sequence number i + 1
        self.uids: array[int] = folder.uids if folder else array(UID_TYPE)
        self.max_uid = self.uids[-1] if self.uids else 0
        self.uidnext = folder.uidnext if folder else 1
        self.keywords = folder.keywords if folder else frozenset()
        self._first_unseen = folder.first_unseen if folder else 0
        self.cache = EntryCache(mailboxes.cache_size)
        #: UIDs gone from the store whose EXPUNGE has not been sent yet: these, and every one
        #: up to ``_gone_upto`` (all of them once the folder was deleted or the store cleared).
        self.gone: set[int] = set()
        self._gone_upto = 0
        #: what is left of gone messages: the entries the view had, the IDs events named
        self._kept: dict[int, Entry] = {}
        self._gone_ids: dict[int, str] = {}
        self.recent = Recent()
        self.recent.add(self._claim(self.max_uid), self.max_uid)
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
        return len(self.uids)

    def index_of(self, uid: int) -> int | None:
        """The 0-based position of ``uid`` in the view, or None."""
        index = bisect_left(self.uids, uid)
        return index if index < len(self.uids) and self.uids[index] == uid else None

    def resolve(self, sequence: SequenceSet, uid: bool) -> list[int]:
        """0-based positions named by a sequence set of MSNs or (``uid``) UIDs."""
        if uid:
            return sequence.uid_indexes(self.uids)
        return [msn - 1 for msn in sequence.msns(len(self.uids))]

    def is_gone(self, uid: int) -> bool:
        """True when the message left the store and its EXPUNGE is still to be sent."""
        return uid <= self._gone_upto or uid in self.gone

    def present(self, positions: Sequence[int]) -> list[int]:
        """The UIDs at these positions, but for those gone from the store."""
        return [uid for uid in (self.uids[i] for i in positions) if not self.is_gone(uid)]

    def recent_count(self) -> int:
        return self.recent.count(self.uids)

    def entries_at(self, positions: Sequence[int]) -> Iterator[tuple[int, Entry | None]]:
        """``(position, entry)`` for each position, the entries read a batch at a time: as
        this view knows them, else from the store; None for a message gone from the store
        that the view knows nothing more of."""
        for batch in batches(positions, self.batch):
            uids = [self.uids[i] for i in batch]
            found = self._entries(uids)
            for index, uid in zip(batch, uids, strict=True):
                yield index, found.get(uid)

    def flags_at(self, positions: Sequence[int]) -> Iterator[tuple[int, frozenset[str] | None]]:
        """``(position, flags)`` as :meth:`entries_at` would give them, reading only flags."""
        for batch in batches(positions, self.batch):
            uids = [self.uids[i] for i in batch]
            entries, missing = self._known(uids)
            known = {uid: entry.flags for uid, entry in entries.items()}
            if missing:
                known.update(
                    self.store.flags_by_uid(self.mailbox, missing, uidvalidity=self.uidvalidity)
                )
            for index, uid in zip(batch, uids, strict=True):
                flags = known.get(uid)
                if flags is None:  # gone: what is left of it, as entries_at finds it
                    lost = self._lost(uid)
                    flags = lost.flags if lost is not None else None
                yield index, flags

    def _known(self, uids: list[int]) -> tuple[dict[int, Entry], list[int]]:
        """The entries the view has of ``uids``, and the UIDs still stored it must read."""
        found: dict[int, Entry] = {}
        missing: list[int] = []
        for uid in uids:
            entry = self.cache.get(uid) or self._kept.get(uid)
            if entry is not None:
                found[uid] = entry
            elif not self.is_gone(uid):
                missing.append(uid)
        return found, missing

    def _entries(self, uids: list[int]) -> dict[int, Entry]:
        found, missing = self._known(uids)
        if missing:
            for entry in self.store.entries(self.mailbox, missing, uidvalidity=self.uidvalidity):
                self.cache.put(entry)
                found[entry.uid] = entry
        for uid in uids:
            if uid not in found:
                lost = self._lost(uid)
                if lost is not None:
                    found[uid] = lost
        return found

    def _lost(self, uid: int) -> Entry | None:
        """What is left of a gone message the view never read: its record, while another
        folder still holds the message (its flags here are not known any more)."""
        message_id = self._gone_ids.get(uid)
        record = self.store.get(message_id) if message_id is not None else None
        if record is None:
            return None
        entry = self._kept[uid] = Entry(uid, record, frozenset())
        return entry

    def flags(self, entry: Entry) -> bytes:
        return self.flags_of(entry.uid, entry.flags)

    def flags_of(self, uid: int, flags: frozenset[str]) -> bytes:
        """``(\\Seen ...)`` for a message of the view, \\Recent included when it is."""
        return flag_list(flags, uid in self.recent)

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

    def flags_response(self) -> bytes:
        """``* FLAGS (...)``: the system flags and every keyword in use (RFC 3501 7.2.6)."""
        names = [*_SYSTEM_ORDER, *sorted(self.keywords)]
        return fmt.untagged(Atom("FLAGS"), [Atom(n) for n in names])

    def select_responses(self) -> list[bytes]:
        """The untagged responses SELECT and EXAMINE must send (RFC 3501 6.3.1)."""
        lines = [
            self.flags_response(),
            b"* %d EXISTS\r\n" % len(self.uids),
            b"* %d RECENT\r\n" % self.recent_count(),
        ]
        first_unseen = self.index_of(self._first_unseen) if self._first_unseen else None
        if first_unseen is not None:
            lines.append(fmt.status(b"*", "OK", "First unseen", [Atom("UNSEEN"), first_unseen + 1]))
        permanent = [] if self.readonly else [Atom(f) for f in (*_SYSTEM_ORDER, "\\*")]
        lines += [
            fmt.status(b"*", "OK", "Flags allowed", [Atom("PERMANENTFLAGS"), permanent]),
            fmt.status(b"*", "OK", "UIDs valid", [Atom("UIDVALIDITY"), self.uidvalidity]),
            fmt.status(b"*", "OK", "Predicted next UID", [Atom("UIDNEXT"), self.uidnext]),
        ]
        return lines

    def _keyword_update(self, entries: Sequence[Entry]) -> list[bytes]:
        new = keywords({e.flags for e in entries}) - self.keywords
        if not new:
            return []
        self.keywords |= new
        return [self.flags_response()]

    def _any_gone(self) -> bool:
        return bool(self.gone) or (bool(self.uids) and self.uids[0] <= self._gone_upto)

    def _mark_gone(self, uid: int) -> None:
        self.gone.add(uid)
        entry = self.cache.discard(uid)
        if entry is not None:
            self._kept[uid] = entry
