"""SMTP deliveries to a database: messages that arrive while a commit waits share the next one,
each session's answer follows its own message's commit, and closing stores what was handed over.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from storecases import RAW

from mailtrap.servers.committer import Committer, Stopping
from mailtrap.store import Delivery, SqliteStore


class WatchedStore(SqliteStore):
    """The real SQLite store, noting how many messages each ``deliver_all`` call got."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batches: list[int] = []

    def deliver_all(self, deliveries):
        self.batches.append(len(deliveries))
        super().deliver_all(deliveries)


@pytest.fixture
def store(tmp_path):
    made = WatchedStore(tmp_path / "mail.db")
    yield made
    made.close()


def test_messages_arriving_during_a_commit_share_the_next_one(store):
    async def main() -> None:
        committer = Committer(store)
        # Another connection holds the database's write lock: the first batch waits on it.
        blocker = sqlite3.connect(store.path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        first = asyncio.create_task(committer.deliver(Delivery("a@x.org", ["b@x.org"], RAW)))
        while not store.batches:
            await asyncio.sleep(0.005)
        rest = [
            asyncio.create_task(committer.deliver(Delivery("a@x.org", [f"u{n}@x.org"], RAW)))
            for n in range(9)
        ]
        await asyncio.sleep(0.2)
        assert not first.done() and not any(t.done() for t in rest)  # nothing answered yet
        blocker.rollback()
        blocker.close()
        records = await asyncio.wait_for(asyncio.gather(first, *rest), 10)
        committer.close()
        assert store.batches == [1, 9]
        assert len({r.id for r in records}) == 10
        assert [m.id for m in store.messages()] == [r.id for r in records]

    asyncio.run(main())


def test_an_error_reaches_every_message_of_its_batch(store):
    async def main() -> None:
        committer = Committer(store)
        blocker = sqlite3.connect(store.path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        first = asyncio.create_task(committer.deliver(Delivery("a@x.org", ["b@x.org"], RAW)))
        while not store.batches:
            await asyncio.sleep(0.005)
        good = asyncio.create_task(committer.deliver(Delivery("a@x.org", ["c@x.org"], RAW)))
        bad = asyncio.create_task(committer.deliver(Delivery("a@x.org", [42], RAW)))  # type: ignore[list-item]
        await asyncio.sleep(0.05)
        blocker.rollback()
        blocker.close()
        await asyncio.wait_for(first, 10)
        for task in (good, bad):
            with pytest.raises(Exception) as raised:
                await asyncio.wait_for(task, 10)
            assert not isinstance(raised.value, Stopping)
        # The committer goes on after a failed batch.
        again = await committer.deliver(Delivery("a@x.org", ["c@x.org"], RAW))
        committer.close()
        assert [m.id for m in store.messages()] == [first.result().id, again.id]

    asyncio.run(main())


def test_close_stores_what_was_handed_over_and_then_refuses(store):
    async def main() -> None:
        committer = Committer(store)
        blocker = sqlite3.connect(store.path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        tasks = [
            asyncio.create_task(committer.deliver(Delivery("a@x.org", ["b@x.org"], RAW)))
            for _ in range(3)
        ]
        while not store.batches:
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        closing = loop.run_in_executor(None, committer.close)
        await asyncio.sleep(0.05)
        blocker.rollback()
        blocker.close()
        await asyncio.wait_for(closing, 10)
        records = await asyncio.wait_for(asyncio.gather(*tasks), 10)
        assert [m.id for m in store.messages()] == [r.id for r in records]
        with pytest.raises(Stopping):
            await committer.deliver(Delivery("a@x.org", ["b@x.org"], RAW))

    asyncio.run(main())
