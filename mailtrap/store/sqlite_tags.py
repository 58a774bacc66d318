"""The SQLite backend's tags: reading and changing them, each change one transaction.

A tag is a row of ``tag_names`` (its key, the case-folded name, and the spelling first seen)
and one ``message_tags`` row per message carrying it; triggers keep the counts and forget a tag
no message carries (:mod:`.sqlite_schema`). Changes are announced as
:class:`~.events.TagsChanged`, as the memory backend announces them.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ..tags import clean_tag, clean_tags, sort_tags, tag_key
from .events import StoreEvent, TagsChanged
from .sqlite_state import insert_rows
from .sqlite_write import WriteOperations


class TagOperations(WriteOperations):
    """Tags over the SQLite backend."""

    def tags_of(self, message_id: str) -> tuple[str, ...]:
        rows = (
            self._reader()
            .execute(
                "SELECT n.name FROM messages m JOIN message_tags t ON t.seq = m.seq "
                "JOIN tag_names n ON n.key = t.key WHERE m.id = ?",
                (message_id,),
            )
            .fetchall()
        )
        return sort_tags(name for (name,) in rows) if rows else ()

    def tags(self) -> dict[str, int]:
        rows = self._reader().execute("SELECT name, count FROM tag_names ORDER BY key").fetchall()
        return dict(rows)

    def set_tags(self, message_ids: Iterable[str], tags: Iterable[str]) -> int:
        names = clean_tags(tags)

        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> int:
            changed = []
            for message_id in dict.fromkeys(message_ids):
                row = db.execute("SELECT seq FROM messages WHERE id = ?", (message_id,)).fetchone()
                if row is not None and self._give_tags(db, row[0], names):
                    changed.append(message_id)
            db.execute("DELETE FROM tag_names WHERE count <= 0")  # named but given to none
            self._announce(events, changed)
            return len(changed)

        return self._write(work)

    def rename_tag(self, name: str, new_name: str) -> int:
        new = clean_tag(new_name)
        if not new:
            raise ValueError("the new tag name is empty once cleaned")
        old_key, new_key = tag_key(clean_tag(name)), tag_key(new)

        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> int:
            carrying = self._carrying(db, old_key)
            if not carrying:
                return 0
            if old_key == new_key:  # a new spelling of the same tag
                db.execute("UPDATE tag_names SET name = ? WHERE key = ?", (new, old_key))
            else:  # merged into new_name's spelling when that tag exists
                db.execute(
                    "INSERT OR IGNORE INTO tag_names (key, name) VALUES (?, ?)", (new_key, new)
                )
                db.execute(
                    "INSERT OR IGNORE INTO message_tags (seq, key) "
                    "SELECT seq, ? FROM message_tags WHERE key = ?",
                    (new_key, old_key),
                )
                db.execute("DELETE FROM message_tags WHERE key = ?", (old_key,))
            self._announce(events, [message_id for _, message_id in carrying])
            return len(carrying)

        return self._write(work)

    def delete_tag(self, name: str) -> int:
        key = tag_key(clean_tag(name))

        def work(db: sqlite3.Connection, events: list[StoreEvent]) -> int:
            carrying = self._carrying(db, key)
            db.execute("DELETE FROM message_tags WHERE key = ?", (key,))
            self._announce(events, [message_id for _, message_id in carrying])
            return len(carrying)

        return self._write(work)

    # -- in a transaction ------------------------------------------------------------------------

    def _give_tags(self, db: sqlite3.Connection, seq: int, names: tuple[str, ...]) -> bool:
        """Make a message carry exactly these (cleaned) tags; True when that changed them."""
        wanted = {tag_key(name): name for name in names}
        held = {key for (key,) in db.execute("SELECT key FROM message_tags WHERE seq = ?", (seq,))}
        if held == wanted.keys():
            return False
        db.executemany(
            "DELETE FROM message_tags WHERE seq = ? AND key = ?",
            [(seq, key) for key in held - wanted.keys()],
        )
        added = [(key, name) for key, name in wanted.items() if key not in held]
        insert_rows(db, "INSERT OR IGNORE INTO tag_names (key, name) VALUES", added)
        insert_rows(db, "INSERT INTO message_tags (seq, key) VALUES", [(seq, k) for k, _ in added])
        return True

    @staticmethod
    def _carrying(db: sqlite3.Connection, key: str) -> list[tuple[int, str]]:
        return db.execute(
            "SELECT m.seq, m.id FROM message_tags t JOIN messages m ON m.seq = t.seq "
            "WHERE t.key = ? ORDER BY m.seq",
            (key,),
        ).fetchall()

    def _announce(self, events: list[StoreEvent], message_ids: list[str]) -> None:
        if message_ids:
            events.append(TagsChanged(self._event_seq(), tuple(message_ids)))
