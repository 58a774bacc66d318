"""The memory backend's state: held messages, folders and accounts, and how names find them.

Only the memory backend's modules use this; everything is guarded by the store's lock.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import threading
import time
from array import array
from collections import deque
from collections.abc import Iterable
from itertools import takewhile
from operator import attrgetter
from typing import TYPE_CHECKING

from ..ids import MessageIds
from ..message import Summary, mailbox_key, normalize_address
from .base import MessageStore
from .cache import DerivedCache
from .events import EventQueue
from .model import (
    INBOX,
    SEEN,
    UID_TYPE,
    Entry,
    FolderInfo,
    FolderView,
    MailboxId,
    MailboxRef,
    MailboxSnapshot,
    MessageRecord,
    NoSuchFolder,
    as_mailbox,
    folder_key,
    keywords,
)
from .searchdoc import SearchDoc

if TYPE_CHECKING:
    from ..transcript_shared import Encoded
    from .docpool import DocPool

NO_FLAGS: frozenset[str] = frozenset()


NO_TAGS: tuple[str, ...] = ()


class Held:
    """A stored message: its record, bytes, summary and search document once built, links, tags,
    SMTP transcript.

    ``links`` is a flat tuple ``(folder, uid, folder, uid, ...)``: one small tuple per message
    instead of a tuple of pairs. ``unseen`` counts the links without \\Seen. ``tags`` are the
    store's spellings, sorted. A transcript given as a shared template and this message's values
    is kept in two slots (``template``, ``transcript``), which cost less than the pair.
    """

    __slots__ = (
        "doc",
        "links",
        "raw",
        "record",
        "summary",
        "tags",
        "template",
        "transcript",
        "unseen",
    )

    def __init__(self, record: MessageRecord, raw: bytes, transcript: Encoded | None) -> None:
        self.record = record
        self.raw = raw
        if type(transcript) is tuple:
            self.template, self.transcript = transcript
        else:
            self.template, self.transcript = None, transcript
        self.summary: Summary | None = None
        self.doc: SearchDoc | None = None
        self.links: tuple[Folder | int, ...] = ()
        self.unseen = 0
        self.tags = NO_TAGS

    def encoded_transcript(self) -> Encoded | None:
        template = self.template
        return self.transcript if template is None else (template, self.transcript)

    def drop_link(self, box: Folder, uid: int) -> None:
        links = self.links
        for i in range(0, len(links), 2):
            if links[i] is box and links[i + 1] == uid:
                self.links = links[:i] + links[i + 2 :]
                return


class Folder:
    """One folder: its IMAP state and entries by UID (insertion order is UID order).

    Entries change only through :meth:`add`, :meth:`replace`, :meth:`remove` and
    :meth:`clear`, which keep the count of unseen entries, so listings never walk the mail.
    """

    __slots__ = (
        "account",
        "entries",
        "id",
        "noselect",
        "special_uses",
        "uidnext",
        "uidvalidity",
        "unseen",
    )

    def __init__(
        self,
        store: MemoryState,
        account: Account,
        name: str,
        special_uses: frozenset[str] = frozenset(),
    ) -> None:
        self.account = account
        self.id = MailboxId(account.address, name)
        self.uidvalidity = store.new_uidvalidity()
        self.uidnext = 1
        self.entries: dict[int, Entry] = {}
        #: how many entries lack \\Seen
        self.unseen = 0
        self.special_uses = special_uses
        self.noselect = False

    def snapshot(self) -> MailboxSnapshot:
        return MailboxSnapshot(
            self.id, self.uidvalidity, self.uidnext, tuple(self.entries.values())
        )

    def snapshot_of(self, after: int, uids: Iterable[int]) -> MailboxSnapshot:
        """The entries above ``after`` (read from the end: UIDs only grow) and those of ``uids``."""
        entries = self.entries
        newer = list(takewhile(lambda e: e.uid > after, reversed(entries.values())))
        named = [entries[uid] for uid in set(uids) if uid <= after and uid in entries]
        chosen = sorted(named, key=attrgetter("uid")) + newer[::-1]
        return MailboxSnapshot(self.id, self.uidvalidity, self.uidnext, tuple(chosen))

    def view(self) -> FolderView:
        entries = self.entries
        first_unseen = 0
        if self.unseen:
            first_unseen = next(e.uid for e in entries.values() if SEEN not in e.flags)
        uids = array(UID_TYPE, entries)
        used = keywords({e.flags for e in entries.values()})
        return FolderView(self.id, self.uidvalidity, self.uidnext, uids, first_unseen, used)

    def entries_of(self, uids: Iterable[int], flag: str | None) -> list[Entry]:
        entries = self.entries
        found = [entries[uid] for uid in sorted(set(uids)) if uid in entries]
        return found if flag is None else [e for e in found if flag in e.flags]

    def info(self, subscribed: bool) -> FolderInfo:
        return FolderInfo(
            self.id,
            self.uidvalidity,
            self.uidnext,
            len(self.entries),
            self.unseen,
            self.special_uses,
            self.noselect,
            subscribed,
        )


class Account:
    """One account: its address as first seen, its folders (INBOX first) and subscriptions."""

    __slots__ = ("address", "folders", "inbox", "subscriptions")

    def __init__(self, store: MemoryState, address: str) -> None:
        self.address = address
        self.folders: dict[str, Folder] = {}
        self.subscriptions: set[str] = {INBOX}
        self.inbox = self.folders[INBOX] = Folder(store, self, INBOX)


class MemoryState(MessageStore):
    """State and look-ups shared by the memory backend's modules."""

    def __init__(
        self,
        max_messages: int | None = None,
        max_age: float | None = None,
        cache: DerivedCache | None = None,
    ) -> None:
        self.max_messages = max_messages
        self.max_age = max_age
        self.cache = cache if cache is not None else DerivedCache()
        self._lock = threading.RLock()
        self._messages: dict[str, Held] = {}
        self._accounts: dict[str, Account] = {}
        #: folders that may hold entries (clear() visits only these)
        self._filled: set[Folder] = set()
        self._seq = 0
        self._last_uidvalidity = 0
        self._events = EventQueue()
        self._flag_sets: dict[frozenset[str], frozenset[str]] = {NO_FLAGS: NO_FLAGS}
        #: how many stored messages are unseen in at least one folder
        self._unread = 0
        self._accepted = self._accepted_size = self._removed = 0
        #: tag key (case-folded) -> the spelling first seen, and how many messages carry it
        self._tag_names: dict[str, str] = {}
        self._tag_counts: dict[str, int] = {}
        # the indexer (see memory_query): messages waiting for a search document, its thread
        self._unindexed: deque[str] = deque()
        self._indexer: threading.Thread | None = None
        self._index_wanted = False  # a search has read documents: keep them built from now on
        self._wake = threading.Event()
        self._closed = False
        self._last_write = 0.0
        self._queries = 0
        self._pool: DocPool | None = None  # the indexer's worker process, on first bulk
        #: message IDs: a random prefix per store and a counter (no system call per message)
        self._ids = MessageIds()

    # -- links and their read state (every change of either goes through these) ------------

    def _link(self, held: Held, box: Folder, flags: frozenset[str]) -> int:
        """Link a message into a folder with ``flags``; its new UID there."""
        uid = box.uidnext
        box.uidnext += 1
        box.entries[uid] = Entry(uid, held.record, flags)
        self._filled.add(box)
        held.links = (*held.links, box, uid)
        if SEEN not in flags:
            box.unseen += 1
            self._count_unseen(held, 1)
        return uid

    def _reflag(self, box: Folder, entry: Entry, flags: frozenset[str]) -> Entry:
        """Give an entry new flags, keeping the unseen counts."""
        changed = box.entries[entry.uid] = entry._replace(flags=flags)
        was_seen, seen = SEEN in entry.flags, SEEN in flags
        if was_seen != seen:
            box.unseen += 1 if was_seen else -1
            self._count_unseen(self._messages[entry.message.id], 1 if was_seen else -1)
        return changed

    def _drop(self, box: Folder, uid: int) -> Held | None:
        """Remove one entry; the message's Held, or None when there was no such entry."""
        entry = box.entries.pop(uid, None)
        if entry is None:
            return None
        held = self._messages[entry.message.id]
        held.drop_link(box, uid)
        if SEEN not in entry.flags:
            box.unseen -= 1
            self._count_unseen(held, -1)
        return held

    def _count_unseen(self, held: Held, change: int) -> None:
        before = held.unseen > 0
        held.unseen += change
        self._unread += (held.unseen > 0) - before

    def new_uidvalidity(self) -> int:
        # RFC 3501 2.3.1.1: time-based and strictly increasing within the store, so a folder
        # deleted and created again never gets a UIDVALIDITY it had before.
        self._last_uidvalidity = max(int(time.time()), self._last_uidvalidity + 1)
        return self._last_uidvalidity

    def _account(self, address: str) -> Account:
        """The account of a normalised address, created (with its INBOX) on first use."""
        key = mailbox_key(address)
        account = self._accounts.get(key)
        if account is None:
            account = self._accounts[key] = Account(self, address)
        return account

    def _folder(self, mailbox: MailboxRef) -> Folder | None:
        owner, name = as_mailbox(mailbox)
        account = self._accounts.get(mailbox_key(owner))
        return account.folders.get(folder_key(name)) if account is not None else None

    def _selectable(self, mailbox: MailboxRef) -> Folder:
        box = self._folder(mailbox)
        if box is None or box.noselect:
            raise NoSuchFolder(f"no folder {as_mailbox(mailbox).folder!r}")
        return box

    def _flags(self, flags: Iterable[str]) -> frozenset[str]:
        flags = frozenset(flags)
        return self._flag_sets.setdefault(flags, flags)

    def _folder_infos(self, account: Account) -> list[FolderInfo]:
        subscribed = account.subscriptions
        inbox = account.inbox
        rest = sorted(
            (b for b in account.folders.values() if b is not inbox), key=lambda b: b.id.folder
        )
        return [b.info(b.id.folder in subscribed) for b in (inbox, *rest)]

    def _unlink(self, box: Folder, uids: list[int]) -> list[Entry]:
        """Unlink UIDs from a folder (the messages module implements it)."""
        raise NotImplementedError

    def _queue_for_index(self, message_id: str) -> None:
        """Hand a new message to the indexer (the query module implements it)."""
        raise NotImplementedError

    def _give_tags(self, held: Held, names: tuple[str, ...]) -> bool:
        """Set a message's tags (cleaned names); True when they changed (the tags module)."""
        raise NotImplementedError

    def _release(self, tags: tuple[str, ...]) -> None:
        """Count off the tags of a message that let go of them (the tags module)."""
        raise NotImplementedError

    def resolve(self, mailbox: MailboxRef) -> MailboxId:
        with self._lock:
            box = self._folder(mailbox)
            if box is not None:
                return box.id
            owner, name = as_mailbox(mailbox)
            account = self._accounts.get(mailbox_key(owner))
            address = account.address if account else normalize_address(owner)
            return MailboxId(address, folder_key(name))
