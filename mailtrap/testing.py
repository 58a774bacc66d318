"""The ``MailTrap`` facade: every server in-process, and the calls tests make on captured mail.

Usable with or without pytest (it never imports pytest). Waiting is driven by the store's events,
never by a sleep loop.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .config import Config
from .mail import Message
from .storage import open_store
from .store import (
    INBOX,
    Cleared,
    Expunged,
    MailboxId,
    MessageRecord,
    MessageStore,
    StoreEvent,
)
from .store.query import Contains, Field, Filter, Tagged, Term, recipient, sender
from .threaded import ThreadedRuntime

if TYPE_CHECKING:
    from .faults import Faults, Refusal, Rule
    from .mailbox import Mailbox

FILTERS = ("to", "sender", "subject", "tag")


class MailWaitTimeout(AssertionError):
    """``wait_for`` gave up; the message lists what did arrive, closest matches first."""


_TERMS: dict[str, Callable[[str], Term]] = {
    "to": recipient,
    "sender": sender,
    "subject": lambda value: Contains(Field.SUBJECT, value),
    "tag": Tagged,
}


def filter_of(filters: dict[str, str | None], after_seq: int = 0) -> Filter:
    """The store query for the Python API's filters (``to=``, ``sender=``, ``subject=``,
    ``tag=``)."""
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise TypeError(f"unknown filter(s) {sorted(unknown)}; use {', '.join(FILTERS)}")
    terms = tuple(_TERMS[name](value) for name, value in filters.items() if value is not None)
    return Filter(terms, after_seq=after_seq)


class _Waiter:
    """Incremental matching over the store: scans only what arrived since the last look."""

    def __init__(self, store: MessageStore, count: int, filters: dict[str, str | None]) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        self.store = store
        self.count = count
        self.filters = {k: v for k, v in filters.items() if v is not None}
        self.question = filter_of(filters)
        self.matched: list[MessageRecord] = []
        self.last_seq = 0
        self.rescan = False

    def on_event(self, event: StoreEvent) -> None:
        if isinstance(event, Expunged | Cleared):  # matches may have gone
            self.rescan = True

    def poll(self) -> list[Message] | None:
        if self.rescan:
            self.rescan = False
            self.matched, self.last_seq = [], 0
        new = self.store.messages_after(self.last_seq)
        if new:
            self.last_seq = new[-1].seq
            self.matched.extend(m for m in new if self.store.matches(self.question, m.id))
        if len(self.matched) >= self.count:
            return [Message(m, self.store) for m in self.matched[: self.count]]
        return None

    def timeout_error(self, timeout: float) -> MailWaitTimeout:
        from .arrivals import describe_arrivals  # only when a wait fails

        wanted = ", ".join(f"{k}={v!r}" for k, v in self.filters.items()) or "any message"
        return MailWaitTimeout(
            f"waited {timeout:g}s for {self.count} message(s) matching {wanted}; "
            f"{len(self.matched)} matched.\n"
            + describe_arrivals(self.store, self.store.messages(), self.filters)
        )


class MailTrap:
    """Every mailtrap server in-process on ephemeral ports, with a memory store.

    ``MailTrap(**options)`` takes the fields of :class:`~mailtrap.config.Config` (``tls``,
    ``max_size``, ``max_messages``, ``host``, ``hostname``, ...) and ``<service>_port=N``.
    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, config: Config | None = None, **options: Any) -> None:
        self.config = config.with_options(**options) if config else Config.from_kwargs(**options)
        if self.config.auth == "users" and self.config.users is None:
            from .auth import Users

            self.config = self.config.with_options(users=Users())  # for add_user
        self.store: MessageStore = open_store(self.config)
        self._runtime = ThreadedRuntime(self.config, self.store)
        self._lock = threading.Lock()
        self._started = False

    # -- life cycle --------------------------------------------------------------------------

    def start(self) -> MailTrap:
        with self._lock:
            if not self._started:
                self._runtime.start()
                self._started = True
        return self

    def stop(self) -> None:
        """Stop every server and the store's background work; idempotent."""
        with self._lock:
            self._runtime.stop()
            self.store.close()

    def __enter__(self) -> MailTrap:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- accounts --------------------------------------------------------------------------

    def add_user(self, address: str, password: str) -> None:
        """Add an account (``auth="users"``), or give an existing one this password; it can
        log in at once over every protocol."""
        if self.config.users is None:
            raise ValueError('add_user needs MailTrap(auth="users")')
        self.config.users.add(address, password)

    # -- where things listen -----------------------------------------------------------------

    def port(self, service: str) -> int:
        """The port a service listens on; KeyError naming the service when it is off."""
        try:
            return self._runtime.runtime.addresses[service].port
        except KeyError:
            raise KeyError(f"{service} is not running in this MailTrap") from None

    @property
    def addresses(self) -> dict[str, str]:
        """service name -> "host:port" for every running server."""
        return {name: str(a) for name, a in self._runtime.runtime.addresses.items()}

    @property
    def smtp_host(self) -> str:
        return self._runtime.runtime.addresses["smtp"].host

    @property
    def smtp_port(self) -> int:
        return self.port("smtp")

    @property
    def smtps_port(self) -> int:
        return self.port("smtps")

    @property
    def http_url(self) -> str:
        """The HTTP API's base URL, ``http://127.0.0.1:PORT`` (no trailing slash)."""
        address = self._runtime.runtime.addresses["http"]
        host = f"[{address.host}]" if ":" in address.host else address.host
        return f"http://{host}:{address.port}"

    @property
    def pop3_port(self) -> int:
        return self.port("pop3")

    @property
    def pop3s_port(self) -> int:
        return self.port("pop3s")

    @property
    def imap_port(self) -> int:
        return self.port("imap")

    @property
    def imaps_port(self) -> int:
        return self.port("imaps")

    @property
    def ca_path(self) -> str | None:
        """The CA certificate file clients can trust (None without TLS)."""
        tls = self._runtime.runtime.tls
        return tls.ca_path if tls else None

    def ssl_context(self) -> ssl.SSLContext:
        """A client SSL context that trusts this server's certificate."""
        tls = self._runtime.runtime.tls
        if tls is None:
            raise RuntimeError("TLS is off: use MailTrap(tls=True)")
        return tls.client_context()

    # -- reading mail --------------------------------------------------------------------------

    def messages(
        self,
        *,
        to: str | None = None,
        sender: str | None = None,
        subject: str | None = None,
        tag: str | None = None,
    ) -> list[Message]:
        """Captured messages matching every given filter, in arrival order (``tag=``: carries
        that tag, compared case-insensitively)."""
        store = self.store
        found = store.query(filter_of({"to": to, "sender": sender, "subject": subject, "tag": tag}))
        return [Message(m, store) for m in found.messages]

    def mailbox(self, address: str, folder: str = INBOX) -> Mailbox:
        """One folder (INBOX unless named) of an account; unknown ones read as empty.

        ``.folders`` names the account's folders; ``.append(raw, flags=(), internal_date=None)``
        stores a message into the folder, as an IMAP client would.
        """
        from .mailbox import Mailbox

        store = self.store
        mailbox = store.resolve(MailboxId(address, folder))
        folders = [f.name for f in store.folders(mailbox.owner)]
        snapshot = store.snapshot(mailbox)
        if snapshot is None:
            return Mailbox(mailbox.owner, [], folder=mailbox.folder, folders=folders, _store=store)
        return Mailbox(
            snapshot.address,
            [Message(e.message, store) for e in snapshot.entries],
            snapshot.unseen,
            snapshot.uidvalidity,
            snapshot.uidnext,
            folder=mailbox.folder,
            folders=folders,
            _store=store,
        )

    def clear(self) -> None:
        """Remove every message; UIDs are never reused afterwards."""
        self.store.clear()

    def release(self, message: Message | str, to: list[str]) -> None:
        """Send a captured message (or its ID) on to ``to`` through the ``relay=`` server.

        As the HTTP API's release: Bcc removed, Date and Message-ID renewed. Raises
        :class:`~mailtrap.relay.RelayError` with the upstream's reply when it refuses.
        """
        relay = self._runtime.runtime.relay
        if relay is None:
            raise RuntimeError("relay is off: use MailTrap(relay='HOST:PORT')")
        message_id = message if isinstance(message, str) else message.id
        stored = self.store.get(message_id)
        if stored is None:
            raise LookupError(f"no message {message_id} (deleted?)")
        relay.release(stored, to)

    # -- unhappy paths -------------------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """The SMTP server's fault-injection rules and refused-mail log."""
        return self._runtime.runtime.faults

    def fail(
        self,
        stage: str,
        code: int | None = None,
        text: str | None = None,
        *,
        sender: str | None = None,
        to: str | None = None,
        subject: str | None = None,
        times: int | None = None,
        probability: float | None = None,
        seed: int | None = None,
        delay: float | None = None,
        drop: bool = False,
        rate: tuple[int, float] | None = None,
    ) -> Rule:
        """Make the SMTP server refuse, stall or hang up at ``stage`` until ``rule.remove()``.

        ``stage``: "connect", "ehlo" (and HELO), "auth", "mail", "rcpt", "data" or "end" (of
        DATA). See :class:`mailtrap.faults.RuleSpec` for the rest; a bad rule raises
        :class:`mailtrap.faults.RuleError` (a ``ValueError``).
        """
        from .faults import RuleSpec

        spec = RuleSpec(
            stage,
            code,
            text,
            sender=sender,
            to=to,
            subject=subject,
            times=times,
            probability=probability,
            seed=seed,
            delay=delay,
            drop=drop,
            rate=rate,
        )
        return self.faults.add(spec)

    def refused(self) -> list[Refusal]:
        """What rules refused (newest first): stage, envelope, reply and the rule."""
        return self.faults.refused()

    def wait_for(
        self, count: int = 1, timeout: float = 5.0, **filters: str | None
    ) -> list[Message]:
        """Return the first ``count`` messages matching ``filters`` as soon as there are that many.

        Messages that arrived before the call count. Raises :class:`MailWaitTimeout` (an
        ``AssertionError``) listing what did arrive when ``timeout`` seconds pass first.
        """
        waiter = _Waiter(self.store, count, filters)
        woken = threading.Event()

        def on_event(event: StoreEvent) -> None:
            waiter.on_event(event)
            woken.set()

        unsubscribe = self.store.subscribe(on_event)
        deadline = time.monotonic() + timeout
        try:
            while True:
                woken.clear()
                found = waiter.poll()
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not woken.wait(remaining):
                    if (found := waiter.poll()) is not None:
                        return found
                    raise waiter.timeout_error(timeout)
        finally:
            unsubscribe()

    async def wait_for_async(
        self, count: int = 1, timeout: float = 5.0, **filters: str | None
    ) -> list[Message]:
        """:meth:`wait_for` for code running an event loop: it never blocks the loop."""
        waiter = _Waiter(self.store, count, filters)
        loop = asyncio.get_running_loop()
        woken = asyncio.Event()

        def on_event(event: StoreEvent) -> None:
            waiter.on_event(event)
            loop.call_soon_threadsafe(woken.set)

        unsubscribe = self.store.subscribe(on_event)
        deadline = loop.time() + timeout
        try:
            while True:
                woken.clear()
                found = waiter.poll()
                if found is not None:
                    return found
                remaining = deadline - loop.time()
                try:
                    if remaining <= 0:
                        raise TimeoutError
                    await asyncio.wait_for(woken.wait(), remaining)
                except TimeoutError:
                    if (found := waiter.poll()) is not None:
                        return found
                    raise waiter.timeout_error(timeout) from None
        finally:
            unsubscribe()
