"""The public, read-only view of captured mail: :class:`Message` and :class:`Mailbox`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .message import Address
from .store import StoredMessage

if TYPE_CHECKING:
    from .mime import Attachment, ParsedMessage


def parsed(stored: StoredMessage) -> ParsedMessage:
    # The MIME view loads on the first body read: most tests only read header fields.
    from .mime import parsed as mime_view

    return mime_view(stored)


class Message:
    """One captured message. Header fields are ready at once; bodies are parsed on first use."""

    __slots__ = ("_stored",)

    def __init__(self, stored: StoredMessage) -> None:
        self._stored = stored

    @property
    def id(self) -> str:
        """The store's ID for this message (the HTTP API's ``ID``)."""
        return self._stored.id

    @property
    def sender(self) -> str:
        """The envelope sender (SMTP ``MAIL FROM``); empty for a null sender."""
        return self._stored.mail_from

    @property
    def recipients(self) -> list[str]:
        """The envelope recipients (SMTP ``RCPT TO``), Bcc included, normalised."""
        return list(self._stored.rcpt_tos)

    @property
    def subject(self) -> str:
        return self._stored.summary.subject

    @property
    def from_(self) -> Address | None:
        """The From header's first address."""
        return self._stored.summary.from_

    @property
    def to(self) -> list[Address]:
        return list(self._stored.summary.to)

    @property
    def cc(self) -> list[Address]:
        return list(self._stored.summary.cc)

    @property
    def date(self) -> datetime | None:
        """The Date header, or None when missing or unparseable."""
        return self._stored.summary.date

    @property
    def message_id(self) -> str:
        return self._stored.summary.message_id

    @property
    def received(self) -> datetime:
        """When the message was accepted (UTC)."""
        return self._stored.received_at

    @property
    def size(self) -> int:
        return self._stored.size

    @property
    def raw(self) -> bytes:
        """The message exactly as received over SMTP."""
        return self._stored.raw

    @property
    def text(self) -> str:
        return parsed(self._stored).text

    @property
    def html(self) -> str:
        return parsed(self._stored).html

    @property
    def attachments(self) -> list[Attachment]:
        return list(parsed(self._stored).attachments)

    @property
    def headers(self) -> list[tuple[str, str]]:
        """Every header (name, decoded value), in message order."""
        return list(parsed(self._stored).headers)

    @property
    def links(self) -> list[str]:
        """URLs found in the text and HTML bodies, in order, without duplicates."""
        return list(parsed(self._stored).links)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and other._stored is self._stored

    def __hash__(self) -> int:
        return hash(self._stored.id)

    def __repr__(self) -> str:
        return (
            f"<Message {self.id} from={self.sender!r} to={self.recipients!r} "
            f"subject={self.subject!r}>"
        )


@dataclass(frozen=True)
class Mailbox:
    """One recipient's mailbox at the moment it was read (empty for an unknown address)."""

    address: str
    messages: list[Message]
    unread: int = 0
    uidvalidity: int | None = None
    uidnext: int | None = None
