"""Message IDs: unique within a store (across threads too), distinct between stores, 16 hex."""

from __future__ import annotations

import re
import threading

from mailtrap.ids import MessageIds
from mailtrap.store import MemoryStore


def test_ids_are_unique_hex_and_differ_between_stores():
    first, second = MessageIds(), MessageIds()
    made = [first() for _ in range(1000)]
    assert len(set(made)) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in made)
    assert second()[:8] != made[0][:8]  # 1 in 2**32 to fail by chance


def test_ids_stay_unique_when_many_threads_take_them():
    ids = MessageIds()
    taken: list[list[str]] = [[] for _ in range(8)]

    def take(into: list[str]) -> None:
        for _ in range(2000):
            into.append(ids())

    threads = [threading.Thread(target=take, args=(t,)) for t in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    everything = [i for t in taken for i in t]
    assert len(set(everything)) == len(everything) == 16000


def test_a_store_names_each_delivery_with_its_own_ids():
    store = MemoryStore()
    raw = b"Subject: x\r\n\r\nx\r\n"
    delivered = [store.deliver("a@example.com", ["b@example.com"], raw).id for _ in range(3)]
    assert len(set(delivered)) == 3
    store.clear()
    assert store.deliver("a@example.com", ["b@example.com"], raw).id not in delivered
