"""SMTP command pipelining (RFC 2920) for our aiosmtpd subclass: replies to a group go as a unit.

aiosmtpd already reads commands strictly in order from one buffer and never drops buffered input
when a command fails, which is what a pipelining server must do (RFC 2920 3.2). What it lacks is
the batching: it writes and drains every reply on its own. Here the replies to the commands a
client may group (MAIL, RCPT, RSET, and BDAT chunks before the last) are held while another
complete command line is already waiting, and written together with the next reply that is not
held — at the latest when the input buffer runs dry. Every other reply (greetings, EHLO, DATA's
354, AUTH challenges, STARTTLS, QUIT, the reply to a message) is written at once, with anything
held before it, so nothing is ever left behind when the client waits or the connection closes.
The lines of a multi-line reply (EHLO's) are held until its last line, so the whole reply is one
write, not one a line.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiosmtpd.smtp import syntax

#: The EHLO keyword this module implements.
KEYWORD = "PIPELINING"


class PipeliningMixin:
    """Holds replies to grouped commands while more pipelined commands are waiting."""

    _reader: Any
    _writer: Any
    #: True while a command whose reply may be held is running.
    _grouped = False
    _held: list[bytes] | None = None

    async def _grouping(self, command: Callable[[Any], Awaitable[None]], arg: Any) -> None:
        self._grouped = True
        try:
            await command(arg)
        finally:
            self._grouped = False

    # RFC 2920 3.2 (2): responses to grouped RSET, MAIL FROM and RCPT TO may be sent as a unit.
    # (The @syntax texts are aiosmtpd's own, so HELP still lists and explains these commands.)
    @syntax("MAIL FROM: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_MAIL(self, arg: str | None) -> None:
        await self._grouping(super().smtp_MAIL, arg)  # type: ignore[misc]

    @syntax("RCPT TO: <address>", extended=" [SP <mail-parameters>]")
    async def smtp_RCPT(self, arg: str | None) -> None:
        await self._grouping(super().smtp_RCPT, arg)  # type: ignore[misc]

    @syntax("RSET")
    async def smtp_RSET(self, arg: str) -> None:
        await self._grouping(super().smtp_RSET, arg)  # type: ignore[misc]

    def _may_hold(self) -> bool:
        """True while a reply may wait for the group's next ones: its command may be grouped
        and another complete command line is already waiting."""
        return self._grouped and b"\n" in self._reader._buffer

    def _flush_held(self) -> bool:
        """Write the replies held so far (before the connection is dropped); True if any."""
        held, self._held = self._held, None
        if not held:
            return False
        self._writer.write(b"".join(held))
        return True

    def replied(self, status: str | bytes) -> None:
        """Called with every reply as it is pushed (a transcript records it); nothing here."""

    async def push(self, status: str | bytes) -> None:
        """Write one reply line (aiosmtpd's ``push``), holding it back while a group goes on."""
        self.replied(status)
        line = (status.encode() if isinstance(status, str) else status) + b"\r\n"
        held = self._held
        # RFC 5321 4.2.1: a multi-line reply's lines ("250-...") go out with its last line.
        if line[3:4] == b"-" or self._may_hold():
            if held is None:
                self._held = [line]
            else:
                held.append(line)
            return
        if held:
            # RFC 2920 3.2 (7): pending responses go out once the input buffer is emptied.
            held.append(line)
            line = b"".join(held)
            self._held = None
        self._writer.write(line)
        await self._writer.drain()
