"""The incremental IMAP command lexer: bytes in, whole command records out.

A command is one or more CRLF-ended lines joined by literals (RFC 3501 4.3): a line ending in
``{n}`` is followed by exactly n octets and then the rest of the command. A synchronising
literal ``{n}`` makes the lexer return :class:`NeedContinuation` (the caller sends ``+``);
``{n+}`` (RFC 7888 LITERAL+) goes on without it. Limits are checked before anything is
buffered: an over-long line is dropped as it arrives, an over-size synchronising literal is
refused before the client sends it, and an over-size non-synchronising one is skipped unread.
The messages of an APPEND (RFC 3501 6.3.11, RFC 3502) have their own limit, the server's
message size (RFC 7889 APPENDLIMIT), and do not count against the command's.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

_LITERAL_AT_END = re.compile(rb"\{(\d{1,20})(\+?)\}\r?\n\Z")
#: ``tag APPEND``: every literal of the command but a mailbox name right after it is a message.
_APPEND = re.compile(rb"[^ ]+ APPEND ", re.IGNORECASE)
_APPEND_MAILBOX_LITERAL = re.compile(rb"[^ ]+ APPEND \{\d+\+?\}\Z", re.IGNORECASE)
#: How many messages' worth one MULTIAPPEND (RFC 3502) may hold at most.
APPEND_MESSAGES_HELD = 4
_TAG = re.compile(rb"[^(){ \x00-\x1f\x7f%*\"\\+\x80-\xff]+")


class Marker(enum.Enum):
    NEED_DATA = enum.auto()


#: Returned by :meth:`CommandLexer.next_event` when no command is complete yet.
NEED_DATA = Marker.NEED_DATA


@dataclass(frozen=True, slots=True)
class Record:
    """One whole command: text ``segments`` (without CRLF); segment i is followed by literal i."""

    segments: tuple[bytes, ...]
    literals: tuple[bytes, ...]

    @property
    def tag(self) -> bytes | None:
        return tag_of(self.segments[0])


@dataclass(frozen=True, slots=True)
class NeedContinuation:
    """A synchronising literal was announced: send a continuation request (RFC 3501 7.5)."""

    size: int


@dataclass(frozen=True, slots=True)
class Refused:
    """A command was dropped for its size; ``literal`` tells whether a literal was the cause,
    ``message`` whether that was a message of an APPEND over the message size limit."""

    tag: bytes | None
    literal: bool
    message: bool = False


Event = Record | NeedContinuation | Refused | Marker


def tag_of(line: bytes) -> bytes | None:
    """The command tag at the start of ``line`` (RFC 3501 9 ``tag``), or None if it has none."""
    head = line.split(b" ", 1)[0]
    return head if _TAG.fullmatch(head) else None


class _Mode(enum.Enum):
    LINE = enum.auto()  # reading a line of the command
    LITERAL = enum.auto()  # reading the octets of a literal
    DISCARD_LINE = enum.auto()  # dropping the rest of an over-long line
    SKIP_LITERAL = enum.auto()  # dropping an over-size non-synchronising literal


class CommandLexer:
    """Splits a byte stream into :class:`Record` values; never holds more than the limits allow."""

    def __init__(
        self, max_line: int = 65536, max_literal: int = 1 << 20, max_message: int | None = None
    ) -> None:
        #: The longest line accepted, CRLF included.
        self.max_line = max_line
        #: The largest literal accepted, and the most a whole command may hold in literals.
        self.max_literal = max_literal
        #: The largest message an APPEND may carry (``max_literal`` when None); an APPEND holds
        #: at most APPEND_MESSAGES_HELD times this in messages.
        self.max_message = max_literal if max_message is None else max_message
        self._message_total = 0
        self._buffer = bytearray()
        self._scanned = 0
        self._mode = _Mode.LINE
        self._remaining = 0
        self._segments: list[bytes] = []
        self._literals: list[bytearray] = []
        self._literal_total = 0
        self._refused_tag: bytes | None = None
        self._refused = False
        self._refused_literal = False

    def __len__(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def clear(self) -> None:
        """Drop everything buffered and any command in progress (after STARTTLS: RFC 3501 6.2.1)."""
        self._buffer.clear()
        self._scanned = 0
        self._mode = _Mode.LINE
        self._reset_command()

    def _reset_command(self) -> None:
        self._segments, self._literals = [], []
        self._literal_total = self._message_total = 0
        self._refused, self._refused_literal, self._refused_tag = False, False, None
        self._refused_message = False

    def next_event(self) -> Event:
        """The next :class:`Record`, :class:`NeedContinuation` or :class:`Refused`; or NEED_DATA."""
        while True:
            if self._mode in (_Mode.LITERAL, _Mode.SKIP_LITERAL):
                if not self._take_literal():
                    return NEED_DATA
                continue
            line = self._take_line()
            if line is None:
                return NEED_DATA
            event = self._line_done(line)
            if event is not None:
                return event

    def _take_literal(self) -> bool:
        count = min(self._remaining, len(self._buffer))
        if self._mode is _Mode.LITERAL:
            self._literals[-1] += self._buffer[:count]
        del self._buffer[:count]
        self._remaining -= count
        if self._remaining:
            return False
        self._mode = _Mode.LINE
        return True

    def _take_line(self) -> bytes | None:
        end = self._buffer.find(b"\n", self._scanned)
        if end < 0:
            if self._mode is _Mode.LINE and len(self._buffer) > self.max_line:
                self._refuse(bytes(self._buffer[:256]), literal=False)
                self._mode = _Mode.DISCARD_LINE
            if self._mode is _Mode.DISCARD_LINE:
                self._buffer.clear()
            self._scanned = len(self._buffer)
            return None
        line = bytes(self._buffer[: end + 1])
        del self._buffer[: end + 1]
        self._scanned = 0
        if self._mode is _Mode.DISCARD_LINE:
            self._mode = _Mode.LINE
            return b"\r\n"  # the end of the dropped line: the command ends here
        if len(line) > self.max_line:
            self._refuse(line[:256], literal=False)
            return b"\r\n"
        return line

    def _refuse(self, first_bytes: bytes, *, literal: bool, message: bool = False) -> None:
        if not self._refused:
            self._refused = True
            self._refused_literal = literal
            self._refused_message = message
            start = self._segments[0] if self._segments else first_bytes
            # A cut-off first word may be only part of a tag: then there is no tag to answer.
            self._refused_tag = tag_of(start) if b" " in start else None

    def _line_done(self, line: bytes) -> Event | None:
        match = _LITERAL_AT_END.search(line)
        if match is None:
            self._segments.append(line.rstrip(b"\r\n"))
            return self._finish()
        self._segments.append(line[: match.end(2) + 1].rstrip(b"\r\n"))
        size, synchronising = int(match.group(1)), not match.group(2)
        if self._is_message():
            held = self.max_message * APPEND_MESSAGES_HELD
            if size > self.max_message or self._message_total + size > held:
                self._refuse(line, literal=True, message=True)
            self._message_total += size
        elif size > self.max_literal or self._literal_total + size > self.max_literal:
            self._refuse(line, literal=True)
        else:
            self._literal_total += size
        if self._refused:
            if synchronising:  # RFC 3501 7.5: refuse instead of "+"; the client sends nothing
                return self._finish()
            self._mode, self._remaining = _Mode.SKIP_LITERAL, size
            return None
        self._literals.append(bytearray())
        self._mode, self._remaining = _Mode.LITERAL, size
        return NeedContinuation(size) if synchronising else None

    def _is_message(self) -> bool:
        """True when the literal just announced is a message of an APPEND."""
        first = self._segments[0]
        if not _APPEND.match(first):
            return False
        return len(self._segments) > 1 or not _APPEND_MAILBOX_LITERAL.match(first)

    def _finish(self) -> Event:
        if self._refused:
            event: Event = Refused(self._refused_tag, self._refused_literal, self._refused_message)
        else:
            event = Record(tuple(self._segments), tuple(bytes(x) for x in self._literals))
        self._reset_command()
        return event

    def command_start(self) -> bytes:
        """The first line of the command being read (b"" between commands)."""
        return self._segments[0] if self._segments else b""

    def refuse_pending_literal(self) -> Refused:
        """Abandon the command whose synchronising literal was just announced (never sent)."""
        self._mode, self._remaining = _Mode.LINE, 0
        tag = tag_of(self._segments[0]) if self._segments else None
        self._reset_command()
        return Refused(tag, literal=True)
