"""The store conformance suite: every test here runs against every backend.

A backend joins by adding its name to ``storecases.BACKENDS`` and a branch to ``make_store``;
the tests use only the :class:`~mailtrap.store.MessageStore` interface.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from storecases import BACKENDS

from mailtrap.store import MemoryStore, MessageStore, SqliteStore


@pytest.fixture(params=BACKENDS)
def make_store(request, tmp_path) -> Iterator[Callable[..., MessageStore]]:
    """``make_store(max_messages=None)``: a new, empty store of the backend under test."""
    made: list[MessageStore] = []

    def make(**options) -> MessageStore:
        if request.param == "memory":
            store: MessageStore = MemoryStore(**options)
        elif request.param == "sqlite":
            store = SqliteStore(tmp_path / f"mail{len(made)}.db", **options)
        else:
            raise AssertionError(f"unknown backend {request.param}")
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


@pytest.fixture
def store(make_store) -> MessageStore:
    return make_store()
