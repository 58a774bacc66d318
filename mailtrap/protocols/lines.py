"""The one line framer of the POP3 and IMAP engines: received bytes in, command lines out.

A line ends with CRLF (RFC 1939 3, RFC 3501 2.2); a bare LF is accepted too, as most servers
do. A line longer than ``max_line`` (its line end included) is never buffered whole: what has
arrived of it is dropped as it comes, and the framer reports it once, as :class:`TooLong`, when
it ends (so the answer follows the command, and a client can tell which command it refused).
IMAP literals are raw octets inside a command: :meth:`LineFramer.take` and
:meth:`LineFramer.skip` hand them over or drop them without looking for line ends.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

#: How much of a dropped line :class:`TooLong` keeps (enough for a tag and a command name).
HEAD = 256


class Marker(enum.Enum):
    """What :meth:`LineFramer.next_line` returns when it has no complete line to give."""

    #: More bytes are needed before the next line is complete.
    NEED_DATA = enum.auto()


NEED_DATA = Marker.NEED_DATA


@dataclass(frozen=True, slots=True)
class TooLong:
    """A line over the limit ended; it was dropped. ``head`` is its first octets: as many as
    :data:`HEAD` or the limit allow, whichever is fewer."""

    head: bytes


class LineFramer:
    """Bytes in, lines (without their line end) out; never holds more than ``max_line`` + a read."""

    def __init__(self, max_line: int) -> None:
        #: The longest line accepted, counting its line end.
        self.max_line = max_line
        self._head = min(HEAD, max_line)
        self._data = bytearray()
        self._scanned = 0  # bytes of _data already known to hold no LF
        self._dropping: bytes | None = None  # the head of the over-long line being dropped

    def __len__(self) -> int:
        return len(self._data)

    def feed(self, data: bytes) -> None:
        self._data += data

    def clear(self) -> None:
        """Forget everything buffered (after STARTTLS: RFC 2595 4, RFC 3501 6.2.1)."""
        self._data.clear()
        self._scanned = 0
        self._dropping = None

    def next_line(self) -> bytes | TooLong | Marker:
        """The next whole line, :class:`TooLong` once per over-long line, or :data:`NEED_DATA`."""
        end = self._data.find(b"\n", self._scanned)
        if end < 0:
            if self._dropping is None and len(self._data) >= self.max_line:
                self._dropping = bytes(self._data[: self._head])
            if self._dropping is not None:
                self._data.clear()
            self._scanned = len(self._data)
            return NEED_DATA
        line = bytes(self._data[:end])
        del self._data[: end + 1]
        self._scanned = 0
        if self._dropping is not None:
            head, self._dropping = self._dropping, None
            return TooLong(head)
        if end + 1 > self.max_line:
            return TooLong(line[: self._head])
        return line[:-1] if line.endswith(b"\r") else line

    def take(self, count: int) -> bytes:
        """Up to ``count`` buffered octets, as they are (the data of a literal)."""
        data = bytes(self._data[:count])
        del self._data[:count]
        self._scanned = 0
        return data

    def skip(self, count: int) -> int:
        """Drop up to ``count`` buffered octets; returns how many were dropped."""
        dropped = min(count, len(self._data))
        del self._data[:dropped]
        self._scanned = 0
        return dropped
