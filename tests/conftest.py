"""Shared test helpers. The `mailtrap` fixtures themselves come from our installed plugin."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable

import pytest
from mailclients import make_mda

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

#: Every test fails if it held an event loop too long (tests/support/loopwatch.py).
pytest_plugins = ("loopwatch",)


@pytest.fixture
def need_tool() -> Callable[..., str]:
    """``need_tool("fetchmail")`` -> its path; skips locally, fails under CI=true, when missing.

    ``probe``: arguments the tool must exit 0 with, for a part it needs that comes in another
    package (``need_tool("php", "php-imap", probe=[...])``).
    """

    def find(name: str, package: str | None = None, probe: list[str] | None = None) -> str:
        path = shutil.which(name)
        why = f"{name} is not installed (Debian package {package or name})"
        if path is not None and probe is not None:
            tried = subprocess.run([path, *probe], capture_output=True, timeout=30, check=False)
            if tried.returncode != 0:
                path, why = None, f"{name} fails its probe (Debian package {package or name})"
        if path is None:
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
