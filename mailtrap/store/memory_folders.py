"""The memory backend's folder management: create, delete, rename, list, subscriptions; and
the reads that select a folder (its view, its entries by UID).

Folder names are paths split by :data:`~.model.DELIMITER`; the rules follow RFC 3501 6.3.3-6.3.7
(missing parents are created, a deleted parent with children stays as ``noselect``, a rename
carries the children along, renaming INBOX moves its mail). Names arrive validated by
:func:`.model.check_name`.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from .events import FoldersChanged
from .memory_state import Account, Folder, MemoryState
from .model import (
    DELIMITER,
    INBOX,
    Entry,
    FolderError,
    FolderExists,
    FolderInfo,
    FolderView,
    MailboxId,
    MailboxRef,
    NoSuchFolder,
    check_name,
    folder_key,
    parents,
    special_uses,
)


class FolderOperations(MemoryState):
    """Folder management over the memory backend's state."""

    def create_folder(
        self, mailbox: MailboxId, special_use: str | Collection[str] | None = None
    ) -> FolderInfo:
        name = check_name(mailbox.folder)
        uses = special_uses(special_use)
        with self._lock:
            account = self._account(mailbox.owner)
            existing = account.folders.get(name)
            if existing is not None and not existing.noselect:
                raise FolderExists(f"folder {name!r} already exists")
            for parent in parents(name):
                if parent not in account.folders:
                    account.folders[parent] = Folder(self, account, parent)
            if existing is not None:  # a former parent becomes a real folder again
                del account.folders[name]
            box = account.folders[name] = Folder(self, account, name, uses)
            info = box.info(name in account.subscriptions)
            self._changed(account)
        self._events.flush()
        return info

    def delete_folder(self, mailbox: MailboxId) -> None:
        with self._lock:
            account, box = self._existing(mailbox)
            if box is account.inbox:
                raise FolderError("INBOX cannot be deleted")
            prefix = box.id.folder + DELIMITER
            has_children = any(name.startswith(prefix) for name in account.folders)
            if has_children and box.noselect:
                # RFC 3501 6.3.4: a \Noselect name with inferiors cannot be deleted.
                raise FolderError(f"{box.id.folder!r} has children and holds no mail")
            self._unlink(box, list(box.entries))
            self._filled.discard(box)
            if has_children:
                box.noselect = True
            else:
                del account.folders[box.id.folder]
            self._changed(account)
        self._events.flush()

    def rename_folder(self, mailbox: MailboxId, new_name: str) -> None:
        target = check_name(new_name)
        with self._lock:
            account, box = self._existing(mailbox)
            if target in account.folders and not account.folders[target].noselect:
                raise FolderExists(f"folder {target!r} already exists")
            if target == INBOX:
                raise FolderExists("INBOX already exists")
            if box is account.inbox:
                self._rename_inbox(account, target)
            else:
                old = box.id.folder
                if target.startswith(old + DELIMITER):
                    raise FolderError("a folder cannot be moved inside itself")
                moving = [
                    b
                    for name, b in account.folders.items()
                    if name == old or name.startswith(old + DELIMITER)
                ]
                for b in moving:
                    del account.folders[b.id.folder]
                for b in moving:
                    b.id = MailboxId(account.address, target + b.id.folder[len(old) :])
                    account.folders[b.id.folder] = b
                self._add_parents(account, target)
            self._changed(account)
        self._events.flush()

    def _rename_inbox(self, account: Account, target: str) -> None:
        # RFC 3501 6.3.5: renaming INBOX moves its messages to a new folder; INBOX stays, empty,
        # and its children are not renamed.
        self._add_parents(account, target)
        account.folders.pop(target, None)  # a former parent of that name
        box = account.folders[target] = Folder(self, account, target)
        inbox = account.inbox
        uids = list(inbox.entries)
        for uid in uids:
            entry = inbox.entries[uid]
            self._link(self._messages[entry.message.id], box, entry.flags)
        self._unlink(inbox, uids)

    def _add_parents(self, account: Account, name: str) -> None:
        for parent in parents(name):
            if parent not in account.folders:
                account.folders[parent] = Folder(self, account, parent)

    def _existing(self, mailbox: MailboxRef) -> tuple[Account, Folder]:
        box = self._folder(mailbox)
        if box is None:
            raise NoSuchFolder("no such folder")
        return box.account, box

    def _changed(self, account: Account) -> None:
        self._events.push(FoldersChanged(self._events.next_seq(), account.address))

    def set_subscribed(self, mailbox: MailboxId, subscribed: bool) -> None:
        name = folder_key(mailbox.folder)
        with self._lock:
            account = self._account(mailbox.owner)
            if subscribed:
                account.subscriptions.add(name)
            else:
                account.subscriptions.discard(name)
            self._changed(account)
        self._events.flush()

    def subscriptions(self, owner: str) -> list[str]:
        with self._lock:
            box = self._folder(owner)
            return sorted(box.account.subscriptions) if box is not None else []

    def folders(self, owner: str) -> list[FolderInfo]:
        with self._lock:
            box = self._folder(owner)
            return self._folder_infos(box.account) if box is not None else []

    def folder(self, mailbox: MailboxRef) -> FolderInfo | None:
        with self._lock:
            box = self._folder(mailbox)
            if box is None:
                return None
            return box.info(box.id.folder in box.account.subscriptions)

    def folder_view(self, mailbox: MailboxRef) -> FolderView | None:
        with self._lock:
            box = self._folder(mailbox)
            return None if box is None or box.noselect else box.view()

    def entries(
        self,
        mailbox: MailboxRef,
        uids: Iterable[int],
        *,
        flag: str | None = None,
        uidvalidity: int | None = None,
    ) -> list[Entry]:
        with self._lock:
            box = self._folder(mailbox)
            if box is None or box.noselect or uidvalidity not in (None, box.uidvalidity):
                return []
            return box.entries_of(uids, flag)

    def flags_by_uid(
        self, mailbox: MailboxRef, uids: Iterable[int], *, uidvalidity: int | None = None
    ) -> dict[int, frozenset[str]]:
        return {e.uid: e.flags for e in self.entries(mailbox, uids, uidvalidity=uidvalidity)}
