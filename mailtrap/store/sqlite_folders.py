"""The SQLite backend's folder management: create, delete, rename, subscriptions.

The same rules as the memory backend (RFC 3501 6.3.3-6.3.7; see :mod:`.memory_folders`, whose
name checks this module shares), each operation one transaction.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

from .events import FoldersChanged, StoreEvent
from .model import (
    DELIMITER,
    INBOX,
    FolderError,
    FolderExists,
    FolderInfo,
    MailboxId,
    NoSuchFolder,
    check_name,
    folder_key,
    parents,
    special_uses,
)
from .sqlite_state import Folder, flags_of
from .sqlite_tags import TagOperations


class FolderOperations(TagOperations):
    """Folder management over the SQLite backend."""

    def create_folder(
        self, mailbox: MailboxId, special_use: str | Collection[str] | None = None
    ) -> FolderInfo:
        name = check_name(mailbox.folder)
        uses = special_uses(special_use)

        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> FolderInfo:
            account = self._account_row(db, mailbox.owner, create=True)
            assert account is not None
            existing = self._folder(db, mailbox._replace(folder=name))
            if existing is not None and not existing.noselect:
                raise FolderExists(f"folder {name!r} already exists")
            self._add_parents(db, account, name)
            if existing is not None:  # a former parent becomes a real folder again
                db.execute("DELETE FROM folders WHERE rowid = ?", (existing.rowid,))
            self._new_folder(db, account, name, " ".join(sorted(uses)) or None)
            box = self._folder(db, mailbox._replace(folder=name))
            assert box is not None
            self._changed(events, box.address)
            return box.info(self._subscribed(db, account, name))

        return self._write(work)

    def delete_folder(self, mailbox: MailboxId) -> None:
        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> None:
            box = self._existing(db, mailbox)
            if box.name == INBOX:
                raise FolderError("INBOX cannot be deleted")
            has_children = self._has_children(db, box)
            if has_children and box.noselect:
                # RFC 3501 6.3.4: a \Noselect name with inferiors cannot be deleted.
                raise FolderError(f"{box.name!r} has children and holds no mail")
            uids = [
                r[0] for r in db.execute("SELECT uid FROM entries WHERE folder = ?", (box.rowid,))
            ]
            self._unlink(db, events, box, uids)
            if has_children:
                db.execute("UPDATE folders SET noselect = 1 WHERE rowid = ?", (box.rowid,))
            else:
                db.execute("DELETE FROM folders WHERE rowid = ?", (box.rowid,))
            self._changed(events, box.address)

        self._write(work)

    def rename_folder(self, mailbox: MailboxId, new_name: str) -> None:
        target = check_name(new_name)

        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> None:
            box = self._existing(db, mailbox)
            existing = self._folder(db, box.id._replace(folder=target))
            if existing is not None and not existing.noselect:
                raise FolderExists(f"folder {target!r} already exists")
            if target == INBOX:
                raise FolderExists("INBOX already exists")
            if box.name == INBOX:
                self._rename_inbox(db, events, box, existing, target)
            else:
                old = box.name
                if target.startswith(old + DELIMITER):
                    raise FolderError("a folder cannot be moved inside itself")
                if existing is not None:  # a former parent of that name holds no mail
                    db.execute("DELETE FROM folders WHERE rowid = ?", (existing.rowid,))
                rows = db.execute(
                    "SELECT rowid, name FROM folders WHERE account = ? AND (name = ? OR "
                    "substr(name, 1, ?) = ?)",
                    (box.account, old, len(old) + 1, old + DELIMITER),
                ).fetchall()
                for rowid, _name in rows:  # two steps, so no rename collides with another
                    db.execute("UPDATE folders SET name = ? WHERE rowid = ?", (f"\0{rowid}", rowid))
                for rowid, name in rows:
                    db.execute(
                        "UPDATE folders SET name = ? WHERE rowid = ?",
                        (target + name[len(old) :], rowid),
                    )
                self._add_parents(db, box.account, target)
            self._changed(events, box.address)

        self._write(work)

    def _rename_inbox(
        self,
        db: sqlite3.Connection,
        events: list[StoreEvent],
        inbox: Folder,
        existing: Folder | None,
        target: str,
    ) -> None:
        # RFC 3501 6.3.5: renaming INBOX moves its messages to a new folder; INBOX stays, empty,
        # and its children are not renamed.
        self._add_parents(db, inbox.account, target)
        if existing is not None:
            db.execute("DELETE FROM folders WHERE rowid = ?", (existing.rowid,))
        self._new_folder(db, inbox.account, target)
        box = self._folder(db, inbox.id._replace(folder=target))
        assert box is not None
        rows = db.execute(
            "SELECT uid, seq, flags FROM entries WHERE folder = ? ORDER BY uid", (inbox.rowid,)
        ).fetchall()
        for _uid, seq, flags in rows:
            self._link(db, seq, box, flags_of(flags))
        self._unlink(db, events, inbox, [uid for uid, _, _ in rows])

    def _add_parents(self, db: sqlite3.Connection, account: int, name: str) -> None:
        for parent in parents(name):
            found = db.execute(
                "SELECT 1 FROM folders WHERE account = ? AND name = ?", (account, parent)
            ).fetchone()
            if found is None:
                self._new_folder(db, account, parent)

    def _has_children(self, db: sqlite3.Connection, box: Folder) -> bool:
        prefix = box.name + DELIMITER
        return (
            db.execute(
                "SELECT 1 FROM folders WHERE account = ? AND substr(name, 1, ?) = ? LIMIT 1",
                (box.account, len(prefix), prefix),
            ).fetchone()
            is not None
        )

    def _existing(self, db: sqlite3.Connection, mailbox: MailboxId) -> Folder:
        box = self._folder(db, mailbox)
        if box is None:
            raise NoSuchFolder("no such folder")
        return box

    def _subscribed(self, db: sqlite3.Connection, account: int, name: str) -> bool:
        return (
            db.execute(
                "SELECT 1 FROM subscriptions WHERE account = ? AND name = ?", (account, name)
            ).fetchone()
            is not None
        )

    def _changed(self, events: list[StoreEvent], owner: str) -> None:
        events.append(FoldersChanged(self._event_seq(), owner))

    def set_subscribed(self, mailbox: MailboxId, subscribed: bool) -> None:
        name = folder_key(mailbox.folder)

        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> None:
            account = self._account_row(db, mailbox.owner, create=True)
            if subscribed:
                db.execute(
                    "INSERT OR IGNORE INTO subscriptions (account, name) VALUES (?, ?)",
                    (account, name),
                )
            else:
                db.execute(
                    "DELETE FROM subscriptions WHERE account = ? AND name = ?", (account, name)
                )
            address = db.execute("SELECT address FROM accounts WHERE rowid = ?", (account,))
            self._changed(events, address.fetchone()[0])

        self._write(work)
