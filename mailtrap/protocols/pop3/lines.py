"""The POP3 input buffer: splits received bytes into command lines, with a maximum line length.

A line ends with CRLF (RFC 1939 section 3); a bare LF is accepted too, as most servers do. A
line longer than the limit is never buffered whole: the buffer reports it once as
:data:`TOO_LONG` and drops everything up to its end, so the session can answer ``-ERR`` and go on.
"""

from __future__ import annotations

import enum


class Marker(enum.Enum):
    """What :meth:`LineBuffer.next_line` returns when it has no complete line to give."""

    #: More bytes are needed before the next line is complete.
    NEED_DATA = enum.auto()
    #: A line exceeded the limit; it has been (or is being) discarded.
    TOO_LONG = enum.auto()


NEED_DATA = Marker.NEED_DATA
TOO_LONG = Marker.TOO_LONG


class LineBuffer:
    """Bytes in, lines (without their line end) out; never holds more than ``max_line`` + a read."""

    def __init__(self, max_line: int) -> None:
        #: The longest line accepted, counting its CRLF.
        self.max_line = max_line
        self._data = bytearray()
        self._scanned = 0  # bytes of _data already known to hold no LF
        self._discarding = False

    def __len__(self) -> int:
        return len(self._data)

    def feed(self, data: bytes) -> None:
        self._data += data

    def clear(self) -> None:
        """Forget everything buffered (after STLS, RFC 2595 section 4 / CVE-2011-0411)."""
        self._data.clear()
        self._scanned = 0
        self._discarding = False

    def next_line(self) -> bytes | Marker:
        """The next whole line, :data:`TOO_LONG` once per over-long line, or :data:`NEED_DATA`."""
        while True:
            end = self._data.find(b"\n", self._scanned)
            if end < 0:
                if self._discarding:
                    self._data.clear()
                    self._scanned = 0
                    return NEED_DATA
                self._scanned = len(self._data)
                if len(self._data) >= self.max_line:
                    # Report now, keep dropping until the line ends.
                    self._discarding = True
                    self._data.clear()
                    self._scanned = 0
                    return TOO_LONG
                return NEED_DATA
            line = bytes(self._data[:end])
            del self._data[: end + 1]
            self._scanned = 0
            if self._discarding:
                self._discarding = False
                continue
            if end + 1 > self.max_line:
                return TOO_LONG
            return line[:-1] if line.endswith(b"\r") else line
