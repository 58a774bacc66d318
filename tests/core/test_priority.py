"""Readers give way to deliveries in flight (mailtrap.priority): the count, the spell's limit,
and both ways of waiting, woken by the last delivery's end from another thread."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from mailtrap import priority
from mailtrap.priority import WritesFirst
from mailtrap.protocols.imap.outcomes import Slices


def _end_later(first: WritesFirst, seconds: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(seconds), first.end()))
    thread.start()
    return thread


def test_busy_while_deliveries_are_in_flight():
    first = WritesFirst()
    assert not first.busy
    first.begin()
    first.begin()
    assert first.busy and first.in_flight == 2
    first.end()
    assert first.busy  # one is still in flight
    first.end()
    assert not first.busy and first.in_flight == 0


def test_a_spell_longer_than_the_patience_stops_making_readers_wait(monkeypatch):
    monkeypatch.setattr(priority, "PATIENCE", 0.05)
    first = WritesFirst()
    first.begin()
    assert first.busy
    time.sleep(0.1)
    first.begin()  # another one while the spell lasts: the spell goes on
    assert not first.busy and first.in_flight == 2
    started = time.monotonic()
    first.give_way()
    asyncio.run(first.give_way_async())
    assert time.monotonic() - started < 0.05  # neither waited
    first.end()
    first.end()
    first.begin()  # a new spell
    assert first.busy
    first.end()


def test_nothing_in_flight_means_no_wait():
    first = WritesFirst()
    started = time.monotonic()
    first.give_way()
    asyncio.run(first.give_way_async())
    assert time.monotonic() - started < 0.05


def test_a_thread_waits_until_the_last_delivery_ends(monkeypatch):
    monkeypatch.setattr(priority, "PATIENCE", 30.0)
    first = WritesFirst()
    first.begin()
    started = time.monotonic()
    ender = _end_later(first, 0.2)
    first.give_way()
    waited = time.monotonic() - started
    ender.join()
    assert 0.15 < waited < 10  # woken by end(), long before the patience


def test_a_coroutine_waits_until_the_last_delivery_ends_and_the_loop_serves_others(monkeypatch):
    monkeypatch.setattr(priority, "PATIENCE", 30.0)
    first = WritesFirst()
    first.begin()
    ticks = []

    async def other_client() -> None:
        while first.busy:
            ticks.append(1)
            await asyncio.sleep(0.01)

    async def main() -> float:
        other = asyncio.create_task(other_client())
        started = time.monotonic()
        ender = _end_later(first, 0.2)
        await first.give_way_async()
        waited = time.monotonic() - started
        ender.join()
        await other
        return waited

    waited = asyncio.run(main())
    assert 0.15 < waited < 10
    assert len(ticks) >= 5  # the loop was not blocked meanwhile


@pytest.mark.parametrize("way", ["thread", "coroutine"])
def test_a_reader_waits_no_longer_than_the_patience(monkeypatch, way):
    monkeypatch.setattr(priority, "PATIENCE", 0.2)
    first = WritesFirst()
    first.begin()  # and never ends
    started = time.monotonic()
    if way == "thread":
        first.give_way()
    else:
        asyncio.run(first.give_way_async())
    waited = time.monotonic() - started
    assert 0.1 < waited < 5


def test_imap_slices_end_as_soon_as_a_delivery_is_in_flight():
    first = WritesFirst()
    slices = Slices(first)
    assert not slices.due()  # a fresh slice, nothing in flight
    first.begin()
    assert slices.due()
    first.end()
    assert not slices.due()
    assert not Slices().due()  # without a database's count, only the time counts
