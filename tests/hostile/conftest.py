"""The ``probes`` fixture of the hostile-input tests (helpers: tests/support/attacks.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from attacks import Probes


@pytest.fixture
def probes(mailtrap) -> Iterator[Probes]:
    """Probes of the ``mailtrap`` server: ``probes.during(attack)``."""
    found = Probes(mailtrap)
    try:
        yield found
    finally:
        found.close()
