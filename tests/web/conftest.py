"""Browser-test harness: one headless Debian chromium per module, driven by Playwright.

Fixtures: ``browser`` (skips locally and fails under CI=true without chromium, via ``need_tool``),
``new_context(**options)``, ``context`` and ``page`` (a fresh desktop tab), ``page_errors``
(fails the test on any uncaught error in a page it watches), ``viewer`` (opens the web viewer of
a MailTrap and waits until its live feed is registered), ``probe`` (a loopback HTTP server that
records every request made to it) and ``send_mail`` (real SMTP, Bcc in the envelope only).
"""

from __future__ import annotations

import http.server
import shutil
import smtplib
import threading
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}

expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def _chromium() -> Iterator[Browser]:
    path = shutil.which("chromium") or CHROMIUM
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser(need_tool, request) -> Browser:
    need_tool("chromium")
    return request.getfixturevalue("_chromium")


@pytest.fixture
def new_context(browser) -> Iterator[Callable[..., BrowserContext]]:
    """``new_context(**options)``: a browser context closed after the test."""
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


class PageErrors:
    """Uncaught JavaScript errors in any page the test opened."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        return page


@pytest.fixture
def page_errors() -> Iterator[PageErrors]:
    errors = PageErrors()
    yield errors
    assert not errors.errors, "uncaught errors in the page:\n" + "\n".join(errors.errors)


@pytest.fixture
def context(new_context) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context, page_errors) -> Page:
    return page_errors.watch(context.new_page())


@pytest.fixture
def viewer(page_errors) -> Callable[..., Page]:
    """``viewer(page, trap, fragment="")``: open the viewer and wait until its live feed is up."""

    def open_viewer(page: Page, trap: Any, fragment: str = "") -> Page:
        page_errors.watch(page)
        page.goto(f"{trap.http_url}/{fragment}")
        expect(page.locator("body")).to_have_attribute("data-live", "live")
        return page

    return open_viewer


class Probe:
    """A loopback HTTP server that answers 204 and records the path of every request."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        probe = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _record(self) -> None:
                probe.requests.append(self.path)
                self.send_response(204)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()

            do_GET = do_POST = do_HEAD = do_OPTIONS = _record

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def probe() -> Iterator[Probe]:
    server = Probe()
    yield server
    server.close()


def build_mail(
    *,
    to: list[str],
    subject: str = "Hello",
    text: str | None = "Hello there.",
    html: str | None = None,
    sender: str = "App <app@example.com>",
    cc: list[str] = (),
    attachments: list[tuple[str, bytes, str]] = (),
    date: Any = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject
    if date is not None:
        message["Date"] = format_datetime(date)
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    for name, data, content_type in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def send(trap: Any, message: EmailMessage, bcc: list[str] = ()) -> None:
    """Send over real SMTP to the trap; Bcc recipients only go in the envelope."""
    fields = [*message.get_all("To", []), *message.get_all("Cc", [])]
    recipients = [address for _, address in getaddresses(fields) if address]
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=10) as smtp:
        smtp.send_message(message, to_addrs=[*recipients, *bcc])


@pytest.fixture
def send_mail() -> Callable[..., EmailMessage]:
    """``send_mail(trap, to=[...], subject=..., text=..., html=..., bcc=[...], ...)``."""

    def send_one(trap: Any, *, bcc: list[str] = (), **fields: Any) -> EmailMessage:
        message = build_mail(**fields)
        send(trap, message, bcc)
        return message

    return send_one
