"""A hand-written SMTP client for the tests: raw bytes out, parsed replies in.

No Debian client sends BDAT, and no library lets a test put a whole pipelined group (or a
deliberately wrong one) into one write, so the SMTP tests speak the protocol themselves.
"""

from __future__ import annotations

import socket
from typing import NamedTuple

TIMEOUT = 5


class Reply(NamedTuple):
    code: int
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class Wire:
    """One SMTP connection: ``send`` writes bytes as they are, ``reply`` reads one whole reply."""

    def __init__(self, host: str, port: int, ehlo: bool = True) -> None:
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.stream = self.sock.makefile("rb")
        greeting = self.reply()
        assert greeting.code == 220, greeting
        if ehlo:
            self.ehlo_reply = self.command(b"EHLO client.example")
            assert self.ehlo_reply.code == 250, self.ehlo_reply

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> Reply:
        lines = []
        while True:
            line = self.stream.readline()
            assert line.endswith(b"\r\n"), f"connection closed mid-reply: {line!r}"
            lines.append(line[4:-2].decode("utf-8", "replace"))
            if line[3:4] != b"-":
                return Reply(int(line[:3]), lines)

    def replies(self, count: int) -> list[int]:
        """The codes of the next ``count`` replies."""
        return [self.reply().code for _ in range(count)]

    def command(self, line: bytes) -> Reply:
        self.send(line + b"\r\n")
        return self.reply()

    def close(self) -> None:
        self.stream.close()
        self.sock.close()

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
