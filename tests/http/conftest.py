"""Helpers for the HTTP API tests: a small real HTTP client and message builders."""

from __future__ import annotations

import smtplib
import subprocess
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path

import pytest
from apiclient import Api, Reply  # noqa: F401 (Reply: for the tests' type hints)

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
def node_client(need_tool) -> str:
    """The path of node, with the npm ``mailpit-api`` client installed in NODE_DIR."""
    node = need_tool("node", "nodejs")
    if not (NODE_DIR / "node_modules" / "mailpit-api").is_dir():
        npm = need_tool("npm")
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NODE_DIR,
            check=True,
            timeout=300,
        )
    return node
