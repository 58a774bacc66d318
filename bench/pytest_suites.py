"""The send-and-wait suites ``pytest_fixture.py`` runs as whole pytest processes: the same
suite without mail, the floor (one bare aiosmtpd server for the session), mailtrap's fixture and
smtpdfix's, each with its files, the plugin it loads and its environment.
"""

from __future__ import annotations

from pathlib import Path

from pytest_runs import environment, install_smtpdfix

SEND = """
import smtplib

RAW = b"From: app@example.com\\r\\nTo: alice@example.com\\r\\nSubject: Welcome\\r\\n\\r\\nHi!\\r\\n"


def send(host, port, to="alice@example.com"):
    with smtplib.SMTP(host, port) as smtp:
        smtp.sendmail("app@example.com", [to], RAW)
"""

NO_MAIL_TESTS = """
import pytest


@pytest.mark.parametrize("n", range(TESTS))
def test_send(n):
    assert n >= 0
"""

MAILTRAP_TESTS = """
import pytest
from sendhelp import send


@pytest.mark.parametrize("n", range(TESTS))
def test_send(mailtrap, n):
    send(mailtrap.smtp_host, mailtrap.smtp_port)
    [msg] = mailtrap.wait_for(to="alice@example.com", timeout=5)
    assert msg.subject == "Welcome"
"""

SMTPDFIX_TESTS = """
import pytest
from sendhelp import send


@pytest.mark.parametrize("n", range(TESTS))
def test_send(smtpd, n):
    send(smtpd.hostname, smtpd.port)
    [msg] = smtpd.messages
    assert msg["Subject"] == "Welcome"
"""

FLOOR_CONFTEST = """
import socket

import pytest
from aiosmtpd.controller import Controller


class Handler:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture(scope="session")
def bare_server():
    with socket.socket() as probe:  # Controller cannot listen on port 0 (aiosmtpd issue #276)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def bare(bare_server):
    bare_server[1].messages.clear()
    return bare_server
"""

FLOOR_TESTS = """
import pytest
from sendhelp import send


@pytest.mark.parametrize("n", range(TESTS))
def test_send(bare, n):
    controller, handler = bare
    send(controller.hostname, controller.port)
    [envelope] = handler.messages
    assert b"Subject: Welcome" in envelope.content
"""

NO_MAIL = "the same suite without mail"
FLOOR = "floor: bare session aiosmtpd"
SMTPDFIX = "smtpdfix `smtpd` fixture"
OURS = "mailtrap fixture"


#: Each suite's files.
FILES = {
    NO_MAIL: {"test_plain.py": NO_MAIL_TESTS},
    FLOOR: {"conftest.py": FLOOR_CONFTEST, "sendhelp.py": SEND, "test_floor.py": FLOOR_TESTS},
    OURS: {"sendhelp.py": SEND, "test_mailtrap.py": MAILTRAP_TESTS},
    SMTPDFIX: {"sendhelp.py": SEND, "test_smtpdfix.py": SMTPDFIX_TESTS},
}

Variants = dict[str, tuple[dict[str, str], str | None, dict[str, str]]]


def variants_in(work: Path, with_smtpdfix: bool) -> Variants:
    """Each variant's files, the plugin it loads, and its environment (smtpdfix installed into
    ``work`` for the run; left out when it cannot be)."""
    smtpdfix_path = install_smtpdfix(work / "smtpdfix") if with_smtpdfix else None
    plain = environment()
    variants: Variants = {
        NO_MAIL: (FILES[NO_MAIL], None, plain),
        FLOOR: (FILES[FLOOR], None, plain),
        OURS: (FILES[OURS], "mailtrap_pytest.plugin", plain),
    }
    if smtpdfix_path:
        variants[SMTPDFIX] = (FILES[SMTPDFIX], "smtpdfix.fixture", environment(smtpdfix_path))
    return variants
