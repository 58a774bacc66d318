"""The store conformance suite: every test here runs against every backend.

A backend joins by adding its name to ``storecases.BACKENDS`` and a branch to ``make_store``;
the tests use only the :class:`~mailtrap.store.MessageStore` interface.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from storecases import BACKENDS

from mailtrap.store import MemoryStore, MessageStore


@pytest.fixture(params=BACKENDS)
def make_store(request) -> Callable[..., MessageStore]:
    """``make_store(max_messages=None)``: a new, empty store of the backend under test."""

    def make(**options) -> MessageStore:
        if request.param == "memory":
            return MemoryStore(**options)
        raise AssertionError(f"unknown backend {request.param}")

    return make


@pytest.fixture
def store(make_store) -> MessageStore:
    return make_store()
