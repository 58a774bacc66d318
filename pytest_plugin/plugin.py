"""pytest fixtures for mailtrap: a session server per test process, cleared for every test.

Loading this plugin imports nothing heavy: ``mailtrap`` is imported inside the fixtures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mailtrap import MailTrap


@pytest.fixture(scope="session")
def mailtrap_config() -> dict[str, Any]:
    """Keyword arguments for ``MailTrap(...)`` used by ``mailtrap_server``.

    Override it in a conftest.py to change the session server, e.g. ``return {"tls": True}``.
    """
    return {}


@pytest.fixture(scope="session")
def mailtrap_server(mailtrap_config: dict[str, Any]) -> Iterator[MailTrap]:
    """One running mailtrap per test process (ephemeral ports, so xdist workers never collide)."""
    from mailtrap import MailTrap

    with MailTrap(**mailtrap_config) as trap:
        yield trap


@pytest.fixture
def mailtrap(mailtrap_server: MailTrap) -> MailTrap:
    """The session's mailtrap, cleared before the test: ``mailtrap.wait_for(to=...)``."""
    mailtrap_server.clear()
    return mailtrap_server


@pytest.fixture
def mailtrap_factory() -> Iterator[Callable[..., MailTrap]]:
    """Start a separately configured mailtrap for this test: ``mailtrap_factory(tls=True)``.

    Every server it started is stopped when the test ends.
    """
    from mailtrap import MailTrap

    started: list[MailTrap] = []

    def factory(**options: Any) -> MailTrap:
        trap = MailTrap(**options).start()
        started.append(trap)
        return trap

    yield factory
    for trap in reversed(started):
        trap.stop()
