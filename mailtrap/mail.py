"""The public, read-only view of captured mail: :class:`Message` (``mailbox.py`` has the
folders' view).

A :class:`Message` is a message record plus the store it came from: the bytes are read through
the store by ID when a field first needs them, and kept on the message with what was derived
from them, so a message a test has read from stays readable after the store forgets it.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .message import Address, Summary, summarize
from .store import MessageRecord, MessageStore

if TYPE_CHECKING:  # the MIME view loads on the first body read, not at import
    from .mime import Attachment, ParsedMessage


class MessageGone(LookupError):
    """The message left the store before its contents were first read."""


class Message:
    """One captured message. Header fields are ready at once; bodies are parsed on first use."""

    __slots__ = ("_parsed", "_raw", "_record", "_store", "_summary")

    def __init__(self, record: MessageRecord, store: MessageStore) -> None:
        self._record = record
        self._store = store
        self._raw: bytes | None = None
        self._summary: Summary | None = None
        self._parsed: ParsedMessage | None = None

    @property
    def id(self) -> str:
        """The store's ID for this message (the HTTP API's ``ID``)."""
        return self._record.id

    @property
    def sender(self) -> str:
        """The envelope sender (SMTP ``MAIL FROM``); empty for a null sender."""
        return self._record.mail_from

    @property
    def recipients(self) -> list[str]:
        """The envelope recipients (SMTP ``RCPT TO``), Bcc included, normalised."""
        return list(self._record.rcpt_tos)

    def _head(self) -> Summary:
        summary = self._summary
        if summary is None:
            raw = self.raw
            summary = self._summary = self._store.summary(self.id) or summarize(raw)
        return summary

    @property
    def subject(self) -> str:
        return self._head().subject

    @property
    def from_(self) -> Address | None:
        """The From header's first address."""
        return self._head().from_

    @property
    def to(self) -> list[Address]:
        return list(self._head().to)

    @property
    def cc(self) -> list[Address]:
        return list(self._head().cc)

    @property
    def date(self) -> datetime | None:
        """The Date header, or None when missing or unparseable."""
        return self._head().date

    @property
    def message_id(self) -> str:
        return self._head().message_id

    @property
    def received(self) -> datetime:
        """When the message was accepted (UTC)."""
        return self._record.received_at

    @property
    def internal_date(self) -> datetime:
        """IMAP's INTERNALDATE (UTC): when it was received, or the date APPEND gave."""
        return datetime.fromtimestamp(self._record.internal_date, UTC)

    @property
    def size(self) -> int:
        return self._record.size

    @property
    def raw(self) -> bytes:
        """The message exactly as received over SMTP."""
        raw = self._raw
        if raw is None:
            raw = self._store.raw(self.id)
            if raw is None:
                raise MessageGone(f"message {self.id} was deleted before it was read")
            self._raw = raw
        return raw

    def _view(self) -> ParsedMessage:
        view = self._parsed
        if view is None:
            raw = self.raw
            from .mime import parse

            view = self._parsed = self._store.parsed(self.id) or parse(raw)
        return view

    @property
    def text(self) -> str:
        return self._view().text

    @property
    def html(self) -> str:
        return self._view().html

    @property
    def attachments(self) -> list[Attachment]:
        return list(self._view().attachments)

    @property
    def headers(self) -> list[tuple[str, str]]:
        """Every header (name, decoded value), in message order."""
        return list(self._view().headers)

    @property
    def tags(self) -> list[str]:
        """The message's tags as the store has them now (``X-Tags``, or set through the API);
        empty once it left the store."""
        return list(self._store.tags_of(self.id))

    @property
    def links(self) -> list[str]:
        """URLs found in the text and HTML bodies, in order, without duplicates."""
        return list(self._view().links)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __repr__(self) -> str:
        return (
            f"<Message {self.id} from={self.sender!r} to={self.recipients!r} "
            f"subject={self.subject!r}>"
        )
