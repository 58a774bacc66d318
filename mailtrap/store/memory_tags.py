"""The memory backend's tags: per stored message, with the store's spelling and counts kept.

A tag is known by its case-folded key; the store keeps the spelling it first saw and how many
stored messages carry it, so listing tags (every page of the HTTP API shows them) costs nothing
per message. A tag no message carries is forgotten. Changes are announced as
:class:`~.events.TagsChanged`.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Iterable

from ..tags import clean_tag, clean_tags, sort_tags, tag_key
from .events import TagsChanged
from .memory_state import NO_TAGS, Held, MemoryState


class TagOperations(MemoryState):
    """Reading and changing tags over the memory backend's state."""

    def tags_of(self, message_id: str) -> tuple[str, ...]:
        held = self._messages.get(message_id)
        return held.tags if held is not None else NO_TAGS

    def tags(self) -> dict[str, int]:
        with self._lock:
            names, counts = self._tag_names, self._tag_counts
            return {names[key]: counts[key] for key in sorted(counts)}

    def set_tags(self, message_ids: Iterable[str], tags: Iterable[str]) -> int:
        names = clean_tags(tags)
        with self._lock:
            changed = []
            for message_id in dict.fromkeys(message_ids):
                held = self._messages.get(message_id)
                if held is not None and self._give_tags(held, names):
                    changed.append(message_id)
            self._announce(changed)
        self._events.flush()
        return len(changed)

    def rename_tag(self, name: str, new_name: str) -> int:
        new = clean_tag(new_name)
        if not new:
            raise ValueError("the new tag name is empty once cleaned")
        old_key, new_key = tag_key(clean_tag(name)), tag_key(new)
        with self._lock:
            carrying = self._carrying(old_key)
            if old_key == new_key:  # a new spelling of the same tag
                if carrying:
                    self._tag_names[old_key] = new
                for held in carrying:
                    held.tags = sort_tags(new if tag_key(t) == old_key else t for t in held.tags)
            else:
                for held in carrying:
                    kept = [t for t in held.tags if tag_key(t) != old_key]
                    self._give_tags(held, (*kept, new))
            self._announce([held.record.id for held in carrying])
        self._events.flush()
        return len(carrying)

    def delete_tag(self, name: str) -> int:
        key = tag_key(clean_tag(name))
        with self._lock:
            carrying = self._carrying(key)
            for held in carrying:
                self._give_tags(held, tuple(t for t in held.tags if tag_key(t) != key))
            self._announce([held.record.id for held in carrying])
        self._events.flush()
        return len(carrying)

    # -- under the lock ------------------------------------------------------------------------

    def _carrying(self, key: str) -> list[Held]:
        if key not in self._tag_counts:
            return []
        return [h for h in self._messages.values() if any(tag_key(t) == key for t in h.tags)]

    def _announce(self, message_ids: list[str]) -> None:
        if message_ids:
            self._events.push(TagsChanged(self._events.next_seq(), tuple(message_ids)))

    def _give_tags(self, held: Held, names: tuple[str, ...]) -> bool:
        known, counts = self._tag_names, self._tag_counts
        spelled: dict[str, str] = {}
        for name in names:
            key = tag_key(name)
            if key not in spelled:
                spelled[key] = known.setdefault(key, name)
                counts[key] = counts.get(key, 0) + 1
        old, held.tags = held.tags, sort_tags(spelled.values()) if spelled else NO_TAGS
        self._release(old)
        return held.tags != old

    def _release(self, tags: tuple[str, ...]) -> None:
        """Count these tags off (a message let go of them, or left the store)."""
        counts = self._tag_counts
        for tag in tags:
            key = tag_key(tag)
            left = counts[key] - 1
            if left:
                counts[key] = left
            else:
                del counts[key], self._tag_names[key]
