"""``PytestMailTrap``: the ``MailTrap`` the fixtures hand out, plus what tests want on top.

It adds ``smtp_settings`` (how the app under test should connect), ``unique_address()`` (a
recipient of the test's own, so tests can share one server) and a hint when a blocking
``wait_for`` times out inside a running event loop. Also here: the text the plugin prints about
any ``MailTrap`` (the "Captured mail" report section, where the servers listen). Imported only
once a fixture is used, since it loads ``mailtrap`` and, through it, aiosmtpd.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
from typing import TYPE_CHECKING, Any

from mailtrap import MailTrap, MailWaitTimeout, Message

if TYPE_CHECKING:
    from mailtrap.faults import Refusal

ASYNC_HINT = (
    "hint: wait_for() blocked the event loop running in this thread, so nothing on that loop "
    "could send mail meanwhile; in async tests use `await mailtrap.wait_for_async(...)`."
)
#: At most this many messages per server in a failure report's "Captured mail" section.
REPORT_LIMIT = 20

_counter = itertools.count(1)
#: Differs between processes and runs, so addresses stay unique in a database that outlives one.
_RUN_TAG = os.urandom(3).hex()  # secrets.token_hex
_NOT_LOCAL_PART = r"[^a-z0-9_]+"  # compiled on first use (re's cache)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class PytestMailTrap(MailTrap):
    """A :class:`mailtrap.MailTrap` with ``smtp_settings`` and ``unique_address()``."""

    #: The name of the test using this server (set by the fixtures), for ``unique_address()``.
    test_name: str | None = None

    @property
    def smtp_settings(self) -> dict[str, Any]:
        """How the app under test should connect: ``host``, ``port``, ``use_tls`` (STARTTLS),
        ``use_ssl`` (implicit TLS; always False here) and ``ssl_context`` (None without TLS)."""
        tls = self.config.tls_enabled
        return {
            "host": self.smtp_host,
            "port": self.smtp_port,
            "use_tls": tls,
            "use_ssl": False,
            "ssl_context": self.ssl_context() if tls else None,
        }

    def unique_address(self, name: str | None = None, domain: str = "example.com") -> str:
        """A recipient address no other test gets, e.g. ``test_signup-3f9a1c-7@example.com``.

        ``name`` starts the local part (default: the current test's name).
        """
        stem = re.sub(_NOT_LOCAL_PART, "-", (name or self.test_name or "user").lower()).strip("-")
        return f"{stem[:40] or 'user'}-{_RUN_TAG}-{next(_counter)}@{domain}"

    def __repr__(self) -> str:
        return f"<PytestMailTrap {listening(self)}; {self.store.count()} message(s)>"

    def wait_for(
        self, count: int = 1, timeout: float = 5.0, **filters: str | None
    ) -> list[Message]:
        """:meth:`mailtrap.MailTrap.wait_for`; a timeout inside a running event loop says why.

        A timeout's traceback starts at the test's call: the waiting machinery is no news.
        """
        __tracebackhide__ = True
        try:
            return super().wait_for(count, timeout, **filters)
        except MailWaitTimeout as error:
            if _loop_running():
                error.args = (f"{error.args[0]}\n{ASYNC_HINT}",)
            raise error.with_traceback(None) from None

    async def wait_for_async(
        self, count: int = 1, timeout: float = 5.0, **filters: str | None
    ) -> list[Message]:
        """:meth:`mailtrap.MailTrap.wait_for_async`, with the same short timeout traceback."""
        __tracebackhide__ = True
        if not _loop_running():
            raise RuntimeError(
                "wait_for_async() needs an asyncio event loop; under anyio, use its asyncio "
                "backend (an `anyio_backend` fixture returning 'asyncio')"
            )
        try:
            return await super().wait_for_async(count, timeout, **filters)
        except MailWaitTimeout as error:
            raise error.with_traceback(None) from None


def captured_report(trap: MailTrap) -> str:
    """What ``trap`` captured, one line per message: recipients and subject; then what its
    rules refused, one line per refusal: stage, envelope and reply."""
    messages = trap.messages()
    where = f"mailtrap at {trap.smtp_host}:{trap.smtp_port}"
    if not messages:
        lines = [f"{where}: no messages were captured"]
    else:
        lines = [f"{where}: {len(messages)} message(s) captured"]
    for message in messages[:REPORT_LIMIT]:
        where_to = f"to {', '.join(message.recipients)}" if message.recipients else "appended"
        lines.append(f"  {where_to}: {message.subject!r}")
    if len(messages) > REPORT_LIMIT:
        lines.append(f"  ... and {len(messages) - REPORT_LIMIT} more")
    refused = trap.refused()[::-1]  # oldest first, like the messages
    if refused:
        lines.append(f"{len(refused)} step(s) refused by mailtrap rules:")
    for refusal in refused[:REPORT_LIMIT]:
        lines.append(f"  {_describe(refusal)}")
    if len(refused) > REPORT_LIMIT:
        lines.append(f"  ... and {len(refused) - REPORT_LIMIT} more")
    return "\n".join(lines)


def _describe(refusal: Refusal) -> str:
    attempt = refusal.attempt
    said = refusal.reply or "no reply"
    if refusal.dropped:
        said += ", hung up"
    envelope = []
    if attempt.sender is not None:
        envelope.append(f"from {attempt.sender or '<>'}")
    if attempt.recipients:
        envelope.append(f"to {', '.join(attempt.recipients)}")
    if attempt.subject is not None:
        envelope.append(repr(attempt.subject))
    where = f" {' '.join(envelope)}" if envelope else ""
    return f"{attempt.stage.upper()}{where}: {said} (rule {refusal.rule_id})"


def listening(trap: MailTrap) -> str:
    """Where each of ``trap``'s servers listens, with the web viewer's URL when HTTP runs."""
    parts = [f"{name} {address}" for name, address in trap.addresses.items()]
    try:
        http_url = trap.http_url  # type: ignore[attr-defined]  # arrives with the HTTP server
    except (AttributeError, KeyError, RuntimeError):
        http_url = None
    if http_url:
        parts.append(f"web viewer {http_url}")
    return ", ".join(parts) or "not listening"
