"""Fault injection in the SMTP server: asks :mod:`mailtrap.faults` at each stage and carries
out its verdict (wait, answer with the rule's reply, hang up).

aiosmtpd's handler hooks cover AUTH, MAIL FROM, RCPT TO and the end of DATA: those live in
:class:`FaultHooks`, mixed into our handler. The rest lives in :class:`FaultInjection`, mixed
into our ``SMTP`` subclass: the greeting and the DATA command before its ``354`` have no hook;
hanging up needs the transport; and a ``handle_EHLO`` hook would make aiosmtpd inspect its
signature on every connection (about 12 us of a 25 us set-up, a few percent of ingest even
with no rule set), so EHLO and HELO are checked by overriding the commands instead.
With no rule set every check is one attribute read.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiosmtpd.smtp import MISSING, Envelope, Session

if TYPE_CHECKING:
    from ..faults import Attempt, Faults, Verdict
from ..message import summarize


def _peer(session: Session | None) -> str:
    peer = session.peer if session is not None else None
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer or "")


def attempt(server: Any, stage: str, **known: Any) -> Attempt:
    """What ``server``'s session knows at ``stage`` (``known`` adds what the command says)."""
    from ..faults import Attempt  # asked only while rules exist

    session, envelope = server.session, server.envelope
    facts: dict[str, Any] = {
        "peer": _peer(session),
        "helo": (session.host_name if session is not None else None) or "",
    }
    if envelope is not None and envelope.mail_from is not None:
        facts["sender"] = envelope.mail_from
        facts["recipients"] = tuple(envelope.rcpt_tos)
    facts.update(known)
    return Attempt(stage, **facts)


class FaultInjection:
    """Mixed into our aiosmtpd ``SMTP`` subclass (before ``SMTP``): the greeting, EHLO/HELO and
    the DATA command, and hanging up. The subclass sets :attr:`faults`. It sits above
    :class:`~.smtp_pipelining.PipeliningMixin`, whose held replies it lets out before a hang-up."""

    faults: Faults
    #: push() has something to do besides pushing: the greeting is still to come (the first
    #: reply, RFC 5321 3.1), or a verdict said to hang up; one attribute read per reply else
    _push_watched = True
    _greeted = False
    _hang_up = False
    _hung_up = False

    async def enact(self, verdict: Verdict) -> Any:
        """Carry out ``verdict``: wait, then ``MISSING`` (go on as usual) or the reply to push
        (an empty one for a silent hang-up; push() hangs up as the verdict says)."""
        if verdict.delay:
            await asyncio.sleep(verdict.delay)
        if verdict.refusal is None:
            return MISSING
        if verdict.hang_up:
            self._hang_up = self._push_watched = True
        return verdict.reply or ""

    def _may_hold(self) -> bool:
        # A reply before hanging up is written at once, never held for a pipelined group.
        return not self._hang_up and super()._may_hold()  # type: ignore[misc]

    async def push(self, status: str | bytes) -> None:
        if self._push_watched:
            await self._watched_push(status)
        else:
            await super().push(status)  # type: ignore[misc]

    async def _watched_push(self, status: str | bytes) -> None:
        if not self._greeted:
            self._greeted = True
            self._push_watched = False
            if self.faults.active and self.faults.watches("connect"):
                refusal = await self.enact(self.faults.check(attempt(self, "connect")))
                if refusal is not MISSING:
                    status = refusal
        if self._hung_up:
            return
        if not self._hang_up:
            await super().push(status)  # type: ignore[misc]
            return
        self._hung_up = True
        if status:
            await super().push(status)  # type: ignore[misc]
            self.transport.close()  # type: ignore[attr-defined]  # after the reply is sent
        elif super()._flush_held():  # type: ignore[misc]
            # No reply to this command, but a pipelined group's earlier replies go out first.
            self.transport.close()  # type: ignore[attr-defined]
        else:
            self.transport.abort()  # type: ignore[attr-defined]  # no reply: just gone

    async def _refused(self, stage: str, **known: Any) -> bool:
        """Ask the rules at ``stage``; True when a reply was sent in place of the command's."""
        status = await self.enact(self.faults.check(attempt(self, stage, **known)))
        if status is MISSING:
            return False
        await self.push(status)
        return True

    async def smtp_HELO(self, hostname: str) -> None:
        if self.faults.active and hostname and await self._refused_ehlo(hostname):
            return
        await super().smtp_HELO(hostname)  # type: ignore[misc]

    async def smtp_EHLO(self, hostname: str) -> None:
        if self.faults.active and hostname and await self._refused_ehlo(hostname):
            return
        await super().smtp_EHLO(hostname)  # type: ignore[misc]

    async def _refused_ehlo(self, hostname: str) -> bool:
        return self.faults.watches("ehlo") and await self._refused("ehlo", helo=hostname)

    async def smtp_DATA(self, arg: str) -> None:
        # Only a DATA that would be accepted (after EHLO and RCPT, without argument) is refused:
        # out-of-order commands keep aiosmtpd's own replies.
        session, envelope = self.session, self.envelope  # type: ignore[attr-defined]
        if (
            self.faults.active
            and self.faults.watches("data")
            and not arg
            and session.host_name
            and envelope.rcpt_tos
            and await self._refused("data")
        ):
            return
        await super().smtp_DATA(arg)  # type: ignore[misc]


class FaultHooks:
    """aiosmtpd handler hooks (mixed into our handler): AUTH, MAIL FROM, RCPT TO; and
    :meth:`refusal_at_end` for the handler's ``handle_DATA``. The handler sets :attr:`faults`."""

    faults: Faults

    async def _ask(self, server: Any, stage: str, **known: Any) -> Any:
        if not self.faults.watches(stage):
            return MISSING
        return await server.enact(self.faults.check(attempt(server, stage, **known)))

    # Each hook returns at once, with one attribute read, when there is no rule at all.

    async def handle_AUTH(
        self, server: Any, session: Session, envelope: Envelope, args: list[str]
    ) -> Any:
        if not self.faults.active:
            return MISSING
        return await self._ask(server, "auth")

    async def handle_MAIL(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> Any:
        if not self.faults.active:
            return MISSING
        return await self._ask(server, "mail", sender=address, recipients=())

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> Any:
        if not self.faults.active:
            return MISSING
        return await self._ask(server, "rcpt", recipients=(address,))

    async def refusal_at_end(self, server: Any, envelope: Envelope) -> str | None:
        """The reply that refuses a message at the end of DATA, or None to store it (call it
        only when ``faults.active``)."""
        if not self.faults.watches("end"):
            return None
        raw = envelope.original_content or b""
        status = await self._ask(server, "end", subject=summarize(raw).subject)
        return None if status is MISSING else status
