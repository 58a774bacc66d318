"""The ``probes`` fixture of the hostile-input tests (helpers: tests/support/attacks.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apiclient import Api
from attacks import Probes


@pytest.fixture
def probes(mailtrap) -> Iterator[Probes]:
    """Probes of the ``mailtrap`` server: ``probes.during(attack)``."""
    found = Probes(mailtrap)
    try:
        yield found
    finally:
        found.close()


@pytest.fixture
def api(mailtrap) -> Api:
    return Api(mailtrap.http_url, timeout=120)


@pytest.fixture
def deliver(mailtrap):
    """``deliver(raw, rcpt_tos=[...])`` straight into the running store."""
    return lambda raw, rcpt_tos=("victim@example.com",): mailtrap.store.deliver(
        "app@example.com", list(rcpt_tos), raw
    )
