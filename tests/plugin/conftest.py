"""Helpers for the plugin's tests, which run real test files through ``pytester``."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

import pytest
import trustme

# pytester's in-process runs forget the modules they imported when they end, and cryptography
# cannot be imported twice in one process (its Rust core keeps the first classes, so isinstance
# checks fail). Load everything TLS needs once, here, before any run can load it first.
_ca = trustme.CA()
_ca.issue_cert("localhost").private_key_and_cert_chain_pem.bytes()
del _ca


@pytest.fixture(autouse=True)
def _no_mailtrap_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inner runs must not see MAILTRAP_* variables of the shell running the suite."""
    for name in list(os.environ):
        if name.startswith("MAILTRAP_"):
            monkeypatch.delenv(name)


def _free_port(span: int = 1) -> int:
    """A port with ``span`` consecutive free ports from it (free when checked)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + span > 65535:
            continue
        sockets = []
        try:
            for offset in range(span):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port + offset))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return port
    raise RuntimeError(f"found no {span} consecutive free ports")


@pytest.fixture
def free_port() -> Callable[..., int]:
    """``free_port(span=1)``: a port (with ``span - 1`` free ports after it) free right now."""
    return _free_port


SEND = """
import smtplib


def send(trap, to, subject, sender="app@example.com"):
    raw = f"From: {sender}\\r\\nTo: {to}\\r\\nSubject: {subject}\\r\\n\\r\\nhello\\r\\n"
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
        smtp.sendmail(sender, [to], raw.encode())
"""


@pytest.fixture
def with_send(pytester: pytest.Pytester) -> pytest.Pytester:
    """pytester with a ``sendhelp.py`` module: ``send(trap, to, subject)`` over real SMTP."""
    pytester.makepyfile(sendhelp=SEND)
    pytester.syspathinsert()
    return pytester
