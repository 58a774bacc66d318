"""Shared test helpers. The `mailtrap` fixtures themselves come from our installed plugin."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

import pytest
from mailclients import make_mda

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

#: Every test fails if it held an event loop too long (tests/support/loopwatch.py).
pytest_plugins = ("loopwatch",)


@pytest.fixture
def need_tool() -> Callable[[str], str]:
    """``need_tool("fetchmail")`` -> its path; skips locally, fails under CI=true, when missing."""

    def find(name: str, package: str | None = None) -> str:
        path = shutil.which(name)
        if path is None:
            why = f"{name} is not installed (Debian package {package or name})"
            if IN_CI:
                pytest.fail(f"{why}; .ci/run should have installed it")
            pytest.skip(why)
        return path

    return find


@pytest.fixture
def mda(tmp_path):
    """(command, folder): an MDA command for mail clients that saves each message to ``folder``."""
    return make_mda(tmp_path)


@pytest.fixture
def tls_trap(mailtrap_factory):
    """A separate mailtrap with TLS on (STARTTLS plus implicit-TLS ports)."""
    return mailtrap_factory(tls=True)
