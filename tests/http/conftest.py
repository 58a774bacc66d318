"""Helpers for the HTTP API tests: a small real HTTP client and message builders."""

from __future__ import annotations

import json
import os
import shutil
import smtplib
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import pytest
from apiclient import Api, Reply  # noqa: F401 (Reply: for the tests' type hints)
from localweb import Site

#: The npm Mailpit client (``mailpit-api``) and the scripts that drive it.
NODE_DIR = Path(__file__).parent / "node"


@pytest.fixture
def api(mailtrap) -> Api:
    return Api(mailtrap.http_url)


def make_message(
    *,
    subject: str = "Hello",
    sender: str = "App <app@example.com>",
    to: str | None = "alice@example.com",
    cc: str | None = None,
    text: str = "Hello there\nhttps://example.com/confirm\n",
    html: str | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
    inline: list[tuple[str, str, bytes]] = (),
    headers: dict[str, str] | None = None,
) -> bytes:
    """A MIME message; attachments and inline parts are (file name, content type, data)."""
    message = EmailMessage()
    message["From"] = sender
    if to:
        message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="example.com")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
        html_part = message.get_payload()[1]
        for name, content_type, data in inline:
            maintype, subtype = content_type.split("/")
            html_part.add_related(
                data, maintype, subtype, cid=f"<{name}>", filename=name, disposition="inline"
            )
    for name, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype, subtype, filename=name)
    return message.as_bytes(policy=SMTP)


def smtp_send(trap, mail_from: str, rcpt_tos: list[str], raw: bytes) -> None:
    """Deliver ``raw`` through the running SMTP server, as an application would."""
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=30) as smtp:
        smtp.sendmail(mail_from, rcpt_tos, raw)


@pytest.fixture
def build():
    """``build(subject=..., to=..., attachments=[...])`` -> raw MIME bytes."""
    return make_message


@pytest.fixture
def smtp(mailtrap):
    """``smtp(mail_from, rcpt_tos, raw)``: deliver through the running SMTP server."""
    return lambda mail_from, rcpt_tos, raw: smtp_send(mailtrap, mail_from, rcpt_tos, raw)


@pytest.fixture
def deliver(mailtrap):
    """``deliver(raw, rcpt_tos=[...], mail_from=...)`` straight into the running store."""

    def put(raw: bytes, rcpt_tos=("alice@example.com",), mail_from="app@example.com"):
        return mailtrap.store.deliver(mail_from, list(rcpt_tos), raw)

    return put


@pytest.fixture
def api_for():
    """``api_for(trap)`` -> an :class:`Api` for another MailTrap (e.g. from mailtrap_factory)."""
    return lambda trap: Api(trap.http_url)


@pytest.fixture
def node_script(node_client) -> Callable[..., Any]:
    """``node_script("x.mjs", *args)``: run a script of NODE_DIR, which must exit 0; its last
    line of output, parsed as JSON."""

    def run(script: str, *args: object, timeout: float = 90) -> Any:
        result = subprocess.run(
            [node_client, script, *map(str, args)],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    return run


@pytest.fixture
def site() -> Iterator[Site]:
    """A loopback web server (see tests/support/localweb.py)."""
    server = Site()
    yield server
    server.close()


@pytest.fixture
def node_client(need_tool) -> str:
    """The path of node, with the npm ``mailpit-api`` and ``mailhog`` clients installed in
    NODE_DIR."""
    node = need_tool("node", "nodejs")
    modules = NODE_DIR / "node_modules"
    if not all((modules / name).is_dir() for name in ("mailpit-api", "mailhog")):
        npm = need_tool("npm")
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NODE_DIR,
            check=True,
            timeout=300,
        )
    return node


# -- Debian's spamd, for the SpamAssassin check ---------------------------------------------------


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(b"PING SPAMC/1.5\r\n\r\n")
            return b"PONG" in sock.recv(100)
    except OSError:
        return False


@pytest.fixture(scope="module")
def _spamd(tmp_path_factory) -> Iterator[str | None]:
    path = shutil.which("spamd") or "/usr/sbin/spamd"
    if not os.path.exists(path):
        yield None
        return
    port = free_port()
    home = tmp_path_factory.mktemp("spamd")
    command = [
        path, "-L", f"--listen=127.0.0.1:{port}", "--allowed-ips=127.0.0.1", "-x",
        "--max-children=1", "--min-children=1", "--syslog=stderr",
        f"--pidfile={home / 'pid'}", f"--helper-home-dir={home}",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command += ["-u", "nobody"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not ping(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"spamd did not start: {process.stderr.read(4000)!r}")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        process.stderr.close()


@pytest.fixture
def spamd(need_tool, request) -> str:
    """HOST:PORT of Debian's spamd, started for this module in local-tests-only mode."""
    need_tool("spamd", "spamd")
    address = request.getfixturevalue("_spamd")
    assert address is not None
    return address
