"""The incremental IMAP command lexer: bytes in, whole command records out.

A command is one or more lines joined by literals (RFC 3501 4.3): a line ending in ``{n}`` is
followed by exactly n octets and then the rest of the command. Lines come from the shared
:class:`~mailtrap.protocols.lines.LineFramer`. A synchronising literal ``{n}`` makes the lexer
return :class:`NeedContinuation` (the caller sends ``+``); ``{n+}`` (RFC 7888 LITERAL+) goes on
without it.

Limits, checked before anything is buffered: each line is at most ``max_line``, and a whole
command (every line and literal, however many ``{0+}`` chain it) at most ``max_command``, as
Dovecot's ``imap_max_line_length`` counts it. The messages of an APPEND (RFC 3501 6.3.11, RFC
3502) have their own limit instead, the server's message size (``max_message``, RFC 7889
APPENDLIMIT), and do not count against the command's. A command over a limit is refused
(:class:`Refused`, answered ``BAD [TOOBIG]``, or ``NO [TOOBIG]`` for a message, RFC 7888 4):
what was buffered of it is dropped at once, the rest is dropped as it arrives (an over-size
synchronising literal is refused before the client sends it), and the refusal is reported when
the command ends, so the session goes on.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from ..lines import NEED_DATA, LineFramer, Marker, TooLong

_LITERAL_AT_END = re.compile(rb"\{(\d{1,20})(\+?)\}\Z")
#: ``tag APPEND``: every literal of the command but a mailbox name right after it is a message.
_APPEND = re.compile(rb"[^ ]+ APPEND ", re.IGNORECASE)
_APPEND_MAILBOX_LITERAL = re.compile(rb"[^ ]+ APPEND \{\d+\+?\}\Z", re.IGNORECASE)
#: How many messages' worth one MULTIAPPEND (RFC 3502) may hold at most.
APPEND_MESSAGES_HELD = 4
_TAG = re.compile(rb"[^(){ \x00-\x1f\x7f%*\"\\+\x80-\xff]+")

#: The longest command line, CRLF included (RFC 7162 4 asks clients to keep to 8192).
MAX_LINE = 65536
#: The most one command may hold, lines and literals together (Dovecot's default, 64 KiB).
MAX_COMMAND = 65536

#: Lines one :meth:`CommandLexer.next_event` call looks at before it returns :data:`MORE`.
LINES_PER_CALL = 512

__all__ = ["MORE", "NEED_DATA", "CommandLexer", "Event", "NeedContinuation", "Record", "Refused"]


class _Progress(enum.Enum):
    MORE = enum.auto()


#: Returned by :meth:`CommandLexer.next_event` after LINES_PER_CALL lines without an event
#: (a long refused command being dropped): call again, after giving others a turn if due.
MORE = _Progress.MORE


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


Event = Record | NeedContinuation | Refused | Marker | _Progress


def tag_of(line: bytes) -> bytes | None:
    """The command tag at the start of ``line`` (RFC 3501 9 ``tag``), or None if it has none."""
    head = line.split(b" ", 1)[0]
    return head if _TAG.fullmatch(head) else None


class _Mode(enum.Enum):
    LINE = enum.auto()  # reading a line of the command
    LITERAL = enum.auto()  # reading the octets of a literal
    SKIP_LITERAL = enum.auto()  # dropping the octets of a literal of a refused command


class CommandLexer:
    """Splits a byte stream into :class:`Record` values; never holds more than the limits allow."""

    def __init__(
        self,
        max_line: int = MAX_LINE,
        max_command: int = MAX_COMMAND,
        max_message: int | None = None,
    ) -> None:
        #: The longest line accepted, CRLF included.
        self.max_line = max_line
        #: The most one command may hold: its lines (CRLF included) and literals together,
        #: the messages of an APPEND apart.
        self.max_command = max_command
        #: The largest message an APPEND may carry (``max_command`` when None); an APPEND holds
        #: at most APPEND_MESSAGES_HELD times this in messages.
        self.max_message = max_command if max_message is None else max_message
        self._framer = LineFramer(max_line)
        self._mode = _Mode.LINE
        self._remaining = 0
        self._segments: list[bytes] = []
        self._literals: list[bytearray] = []
        #: octets of the command so far (its APPEND messages apart), and of those messages
        self._size = self._message_total = 0
        self._refused: Refused | None = None

    def __len__(self) -> int:
        return len(self._framer)

    def feed(self, data: bytes) -> None:
        self._framer.feed(data)

    def clear(self) -> None:
        """Drop everything buffered and any command in progress (after STARTTLS: RFC 3501 6.2.1)."""
        self._framer.clear()
        self._mode = _Mode.LINE
        self._reset_command()

    def _reset_command(self) -> None:
        self._segments, self._literals = [], []
        self._size = self._message_total = 0
        self._refused = None

    def next_event(self) -> Event:
        """The next :class:`Record`, :class:`NeedContinuation` or :class:`Refused`; NEED_DATA;
        or MORE when it has looked at many lines without one (it goes on at the next call)."""
        for _ in range(LINES_PER_CALL):
            if self._mode is not _Mode.LINE:
                if not self._take_literal():
                    return NEED_DATA
                continue
            line = self._framer.next_line()
            if line is NEED_DATA:
                return NEED_DATA
            event = self._line_done(line)  # type: ignore[arg-type]
            if event is not None:
                return event
        return MORE

    def _take_literal(self) -> bool:
        if self._mode is _Mode.LITERAL:
            data = self._framer.take(self._remaining)
            self._literals[-1] += data
            self._remaining -= len(data)
        else:
            self._remaining -= self._framer.skip(self._remaining)
        if self._remaining:
            return False
        self._mode = _Mode.LINE
        return True

    def _refuse(self, head: bytes, *, literal: bool, message: bool = False) -> None:
        """Refuse the command in progress: drop what it buffered, keep only its tag."""
        if self._refused is None:
            start = self._segments[0] if self._segments else head
            # A cut-off first word may be only part of a tag: then there is no tag to answer.
            tag = tag_of(start) if b" " in start else None
            self._refused = Refused(tag, literal, message)
            self._segments, self._literals = [], []

    def _line_done(self, line: bytes | TooLong) -> Event | None:
        if isinstance(line, TooLong):
            self._refuse(line.head, literal=False)
            return self._finish()  # a dropped line's literal marker cannot be trusted: it ends
        self._size += len(line) + 2
        if self._size > self.max_command:
            self._refuse(line, literal=False)
        match = _LITERAL_AT_END.search(line)
        if match is None:
            self._keep_segment(line)
            return self._finish()
        self._keep_segment(line)
        size, synchronising = int(match.group(1)), not match.group(2)
        if self._refused is None and self._is_message():
            held = self.max_message * APPEND_MESSAGES_HELD
            if size > self.max_message or self._message_total + size > held:
                self._refuse(line, literal=True, message=True)
            self._message_total += size
        elif self._size + size > self.max_command:
            self._refuse(line, literal=True)
        else:
            self._size += size
        if self._refused is not None:
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

    def _keep_segment(self, line: bytes) -> None:
        if self._refused is None:
            self._segments.append(line)

    def _finish(self) -> Event:
        event: Event = self._refused or Record(
            tuple(self._segments), tuple(bytes(x) for x in self._literals)
        )
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
