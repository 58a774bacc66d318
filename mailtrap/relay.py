"""Release and relay: send captured mail on to a real SMTP server.

Configured by ``--relay HOST:PORT`` with ``--relay-tls starttls|tls``, ``--relay-auth USER:PASS``
and ``--relay-match REGEX`` (:class:`RelaySettings`). :meth:`Relay.release` sends one stored
message to the addresses a person names, as Mailpit's release does: the sender is the message's
Sender (else From) address, the Bcc field is removed, and Date and Message-ID are renewed so the
copy is a new message. With ``--relay-match``, every delivered message is also relayed as it
came (envelope sender, bytes unchanged) to those of its recipients the pattern matches.

Sending is :func:`mailtrap.smtp_client.submit` (smtplib): release runs in the caller's thread
(an HTTP worker or the test's thread), automatic relay in a small worker pool of its own, never
on the event loop. Failures carry the upstream's reply: release raises :class:`RelayError`,
automatic relay logs it as a warning. The upstream's certificate is verified against the
system's CAs (OpenSSL's ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` name others).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import logging
import re
import ssl
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import format_datetime, getaddresses, localtime, make_msgid
from typing import Literal

from . import smtp_client
from .message import read_head
from .rewrite import remove_headers, set_header
from .store import Delivered, MessageRecord, MessageStore, StoreEvent

log = logging.getLogger("mailtrap.relay")

TlsMode = Literal["starttls", "tls"]
#: Automatic relays waiting for a worker at most; past it new ones are dropped (and logged).
MAX_PENDING = 1000


class RelaySettingsError(ValueError):
    """A ``--relay*`` option is wrong; ``flag`` names it."""

    def __init__(self, flag: str, message: str) -> None:
        super().__init__(message)
        self.flag = flag


class ReleaseError(ValueError):
    """The release request itself is wrong (no valid address, no From field)."""


class RelayError(Exception):
    """The upstream server refused, or could not be reached; the text carries its reply."""

    def __init__(self, error: smtp_client.SubmitError) -> None:
        super().__init__(str(error))
        self.code = error.code
        self.kind = error.kind


@dataclass(frozen=True)
class RelaySettings:
    """Where and how to relay (the ``--relay*`` options, parsed)."""

    host: str
    port: int
    tls: TlsMode | None = None
    login: tuple[str, str] | None = None
    match: re.Pattern[str] | None = None

    def __str__(self) -> str:  # never shows the password
        return smtp_client.shown(self.host, self.port) + (f" ({self.tls})" if self.tls else "")

    @classmethod
    def parse(
        cls,
        relay: str | None,
        tls: str | None = None,
        auth: str | None = None,
        match: str | None = None,
    ) -> RelaySettings | None:
        """Settings from the options' text, or None without ``relay``; RelaySettingsError."""
        if not relay or relay.strip().lower() == "off":
            for flag, value in (("relay-tls", tls), ("relay-auth", auth), ("relay-match", match)):
                if value:
                    raise RelaySettingsError(flag, "needs --relay HOST:PORT")
            return None
        host, _, port = relay.strip().rpartition(":")
        host = host.removeprefix("[").removesuffix("]")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise RelaySettingsError("relay", f"expected HOST:PORT, got {relay!r}")
        if tls is not None and tls.lower() not in ("starttls", "tls", ""):
            raise RelaySettingsError("relay-tls", f"expected starttls or tls, got {tls!r}")
        login = None
        if auth:
            user, colon, password = auth.partition(":")
            if not colon or not user:
                raise RelaySettingsError("relay-auth", "expected USER:PASS")
            login = (user, password)
        pattern = None
        if match:
            try:
                pattern = re.compile(match, re.IGNORECASE)
            except re.error as error:
                raise RelaySettingsError("relay-match", f"bad pattern: {error}") from None
        mode: TlsMode | None = tls.lower() if tls else None  # type: ignore[assignment]
        return cls(host, int(port), mode, login, pattern)


def release_recipients(addresses: Sequence[str]) -> list[str]:
    """The addresses a release names (``Name <a@x>`` or ``a@x``), or :class:`ReleaseError`."""
    found = []
    for text in addresses:
        parsed = getaddresses([text])
        if len(parsed) != 1 or "@" not in parsed[0][1] or any(c in text for c in "\r\n"):
            raise ReleaseError(f"Invalid email address: {text}")
        found.append(parsed[0][1])
    if not found:
        raise ReleaseError("No valid addresses found")
    return found


def released_copy(raw: bytes) -> tuple[str, bytes]:
    """(sender, message) for a release: the Sender or else From address; no Bcc; new Date and
    Message-ID (so the copy is a message of its own, not a duplicate of the captured one)."""
    header = read_head(raw)
    senders = [a for _, a in getaddresses(header.get_all("Sender", [])) if a]
    froms = [a for _, a in getaddresses(header.get_all("From", [])) if a]
    if not senders and not froms:
        raise ReleaseError("No From header found")
    raw = remove_headers(raw, ["Bcc"])
    raw = set_header(raw, "Date", format_datetime(localtime()))
    raw = set_header(raw, "Message-ID", make_msgid(domain="mailtrap"))
    return (senders or froms)[0], raw


class Relay:
    """Release on request, and (with a match pattern) relay delivered mail automatically."""

    def __init__(self, settings: RelaySettings, store: MessageStore) -> None:
        self.settings = settings
        self.store = store
        self._context: ssl.SSLContext | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._pending = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        if self.settings.match is not None and self._unsubscribe is None:
            self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mailtrap-relay")
            self._unsubscribe = self.store.subscribe(self._on_event)

    def close(self) -> None:
        """Stop relaying new mail; relays under way finish in their threads. Idempotent."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def send(self, sender: str, to: list[str], raw: bytes) -> None:
        """Send one message upstream now (blocking); :class:`RelayError` with its reply."""
        settings = self.settings
        if settings.tls and self._context is None:
            self._context = ssl.create_default_context()
        try:
            smtp_client.submit(
                settings.host,
                settings.port,
                sender,
                to,
                raw,
                tls=settings.tls,
                login=settings.login,
                context=self._context,
            )
        except smtp_client.SubmitError as error:
            raise RelayError(error) from None

    def release(self, message: MessageRecord, to: Sequence[str]) -> None:
        """Send a captured message to ``to`` as Mailpit's release does (see the module's doc);
        LookupError when it is no longer stored."""
        addresses = release_recipients(to)
        stored = self.store.raw(message.id)
        if stored is None:
            raise LookupError(f"no message {message.id} (deleted?)")
        sender, raw = released_copy(stored)
        self.send(sender, addresses, raw)

    # -- automatic relay ---------------------------------------------------------------------

    def _on_event(self, event: StoreEvent) -> None:
        # Called after the store's change, on the writer's thread: only pick the recipients
        # and queue the work.
        if not isinstance(event, Delivered) or self.settings.match is None:
            return
        message = event.message
        matching = [r for r in message.rcpt_tos if self.settings.match.search(r)]
        pool = self._pool
        raw = self.store.raw(message.id) if matching else None
        if not matching or pool is None or raw is None:
            return
        with self._lock:
            if self._pending >= MAX_PENDING:
                log.error("relay queue full: message %s not relayed to %s", message.id, matching)
                return
            self._pending += 1
        pool.submit(self._relay, message.id, message.mail_from, matching, raw)

    def _relay(self, message_id: str, sender: str, to: list[str], raw: bytes) -> None:
        try:
            self.send(sender, to, raw)
            log.info("relayed message %s to %s via %s", message_id, ", ".join(to), self.settings)
        except RelayError as error:
            log.warning("relaying message %s to %s failed: %s", message_id, ", ".join(to), error)
        finally:
            with self._lock:
                self._pending -= 1
