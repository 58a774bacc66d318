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


def _hold_the_write_lock(store: SqliteStore) -> sqlite3.Connection:
    """Another connection takes the database's write lock: commits wait until it lets go."""
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    return blocker


def _let_go(blocker: sqlite3.Connection) -> None:
    blocker.rollback()
    blocker.close()


async def _until_a_batch_waits(store: WatchedStore) -> None:
    while not store.batches:
        await asyncio.sleep(0.005)


def _send(committer: Committer, to: object = "b@x.org") -> asyncio.Task:
    return asyncio.create_task(committer.deliver(Delivery("a@x.org", [to], RAW)))  # type: ignore[list-item]


async def _first_batch_held(
    store: WatchedStore,
) -> tuple[Committer, sqlite3.Connection, asyncio.Task]:
    """A committer whose first batch (one message) waits on another connection's write lock."""
    committer = Committer(store)
    blocker = _hold_the_write_lock(store)
    first = _send(committer)
    await _until_a_batch_waits(store)
    return committer, blocker, first


@pytest.fixture
def store(tmp_path):
    made = WatchedStore(tmp_path / "mail.db")
    yield made
    made.close()


def test_messages_arriving_during_a_commit_share_the_next_one(store):
    async def main() -> None:
        committer, blocker, first = await _first_batch_held(store)
        rest = [_send(committer, f"u{n}@x.org") for n in range(9)]
        await asyncio.sleep(0.2)
        assert not first.done() and not any(t.done() for t in rest)  # nothing answered yet
        _let_go(blocker)
        records = await asyncio.wait_for(asyncio.gather(first, *rest), 10)
        committer.close()
        assert store.batches == [1, 9]
        assert len({r.id for r in records}) == 10
        assert [m.id for m in store.messages()] == [r.id for r in records]

    asyncio.run(main())


def test_an_error_reaches_every_message_of_its_batch(store):
    async def main() -> None:
        committer, blocker, first = await _first_batch_held(store)
        good, bad = _send(committer, "c@x.org"), _send(committer, 42)  # 42 fails its batch
        await asyncio.sleep(0.05)
        _let_go(blocker)
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
        blocker = _hold_the_write_lock(store)
        tasks = [_send(committer) for _ in range(3)]
        await _until_a_batch_waits(store)
        await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        closing = loop.run_in_executor(None, committer.close)
        await asyncio.sleep(0.05)
        _let_go(blocker)
        await asyncio.wait_for(closing, 10)
        records = await asyncio.wait_for(asyncio.gather(*tasks), 10)
        assert [m.id for m in store.messages()] == [r.id for r in records]
        with pytest.raises(Stopping):
            await committer.deliver(Delivery("a@x.org", ["b@x.org"], RAW))

    asyncio.run(main())


def test_under_load_a_batch_fills_and_a_lone_message_still_goes(store):
    async def main() -> None:
        committer, blocker, first = await _first_batch_held(store)
        rest = [_send(committer, f"u{n}@x.org") for n in range(3)]
        await asyncio.sleep(0.05)
        _let_go(blocker)
        await asyncio.wait_for(asyncio.gather(first, *rest), 10)
        # The last batch had 3: the next waits a moment for as many, then goes with what came.
        lone = await asyncio.wait_for(committer.deliver(Delivery("a@x.org", ["b@x.org"], RAW)), 5)
        committer.close()
        assert store.batches == [1, 3, 1]
        assert store.messages()[-1].id == lone.id

    asyncio.run(main())
