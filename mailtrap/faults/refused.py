"""The refused-mail log: what a rule refused, when, and which rule it was; bounded.

Each entry is a frozen record holding only copies of short strings (client strings cut to a
few hundred characters, at most :data:`MAX_RECIPIENTS` recipients), and the log keeps the
newest :data:`LIMIT` entries, so neither a chatty client nor a long run can make it grow.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from .spec import RuleSpec

LIMIT = 1000
MAX_RECIPIENTS = 50
MAX_STRING = 320


def _cut(value: str, limit: int = MAX_STRING) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "\u2026"


@dataclass(frozen=True)
class Attempt:
    """What the server knows of a session when rules are checked: the stage, and so far the
    client's address, its EHLO name, the envelope and (at the end of DATA) the subject."""

    stage: str
    peer: str = ""
    helo: str = ""
    sender: str | None = None
    recipients: tuple[str, ...] = ()
    subject: str | None = None


@dataclass(frozen=True)
class Refusal:
    """One refused step of an SMTP session and the rule that refused it."""

    #: increasing number, unique within the log's server
    seq: int
    #: seconds since the epoch
    time: float
    rule_id: str
    rule: RuleSpec
    attempt: Attempt
    #: the reply line sent (None: the connection was dropped without one)
    reply: str | None
    #: whether the server hung up after it
    dropped: bool


class RefusedLog:
    """The newest :data:`LIMIT` refusals. Not thread-safe: its owner holds a lock around it."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._entries: deque[Refusal] = deque(maxlen=limit)
        #: refusals logged since the start or the last clear (also those that fell out)
        self.total = 0

    def add(
        self,
        now: float,
        rule_id: str,
        rule: RuleSpec,
        attempt: Attempt,
        reply: str | None,
        dropped: bool,
    ) -> Refusal:
        self.total += 1
        recipients = tuple(_cut(r) for r in attempt.recipients[:MAX_RECIPIENTS])
        kept = Attempt(
            attempt.stage,
            attempt.peer,
            _cut(attempt.helo),
            None if attempt.sender is None else _cut(attempt.sender),
            recipients,
            None if attempt.subject is None else _cut(attempt.subject),
        )
        entry = Refusal(self.total, now, rule_id, rule, kept, reply, dropped)
        self._entries.append(entry)
        return entry

    def entries(self) -> list[Refusal]:
        """Newest first."""
        return list(reversed(self._entries))

    def clear(self) -> None:
        self._entries.clear()
        self.total = 0
