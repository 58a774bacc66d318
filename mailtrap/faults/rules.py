"""A server's fault-injection rules, and the decision they take at each SMTP stage.

:class:`Faults` belongs to one runtime: tests add rules from their own thread while the event
loop asks :meth:`Faults.check` at every stage, so a lock guards the rules' counters, random
generators and rate windows. A check is pure logic (no I/O, no sleeping): it returns a
:class:`Verdict` that the SMTP layer carries out. With no rules, the SMTP layer never calls
in: :attr:`Faults.active` is its one-attribute fast path, and the rest of the package (what a
rule says, the words of a reply, the refused-mail log) loads with the first rule.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import random
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ..record import Record

if TYPE_CHECKING:
    from .refused import Attempt, Refusal, RefusedLog
    from .spec import RuleSpec

#: At most this many rules per server (a client of the HTTP API cannot grow it without bound).
MAX_RULES = 1000


def _pattern(text: str | None) -> re.Pattern[str] | None:
    """An address pattern where ``*`` matches any run of characters, case-insensitively."""
    if text is None:
        return None
    return re.compile(".*".join(map(re.escape, text.strip().split("*"))), re.IGNORECASE)


class Rule:
    """A rule in a server's rule set: what it says (:attr:`spec`), its :attr:`id`, and how
    often it has fired. ``rule.remove()`` takes it out."""

    def __init__(self, spec: RuleSpec, rule_id: str, owner: Faults) -> None:
        self.spec = spec
        self.id = rule_id
        self._owner = owner
        #: how many times it refused (or delayed) something
        self.fired = 0
        #: the random seed in use: the given one, or one drawn here (so a run can be replayed)
        self.seed: int | None = None
        self._random: random.Random | None = None
        if spec.probability is not None:
            self.seed = spec.seed if spec.seed is not None else secrets.randbits(32)
            self._random = random.Random(self.seed)
        self._sender = _pattern(spec.sender)
        self._to = _pattern(spec.to)
        self._passed: deque[float] = deque()  # times the last few rate-limited events went by

    def __repr__(self) -> str:
        return f"<Rule {self.id} {self.spec}>"

    @property
    def remaining(self) -> int | None:
        """How many more times it may fire (None: no limit)."""
        return None if self.spec.times is None else max(self.spec.times - self.fired, 0)

    def remove(self) -> bool:
        """Take the rule out of its server's rule set; False if it was gone already."""
        return self._owner.remove(self.id)

    def _matches(self, attempt: Attempt) -> bool:
        spec = self.spec
        if self._sender is not None and not self._sender.fullmatch(attempt.sender or ""):
            return False
        if self._to is not None and not any(self._to.fullmatch(r) for r in attempt.recipients):
            return False
        return spec.subject is None or spec.subject.casefold() in (attempt.subject or "").casefold()

    def _fires(self, attempt: Attempt, now: float) -> bool:
        """Whether the rule fires on ``attempt`` (the caller holds the owner's lock)."""
        if not self._matches(attempt) or self.remaining == 0:
            return False
        if self.spec.rate is not None:
            # A sliding window: at most `count` went by in the last `seconds`.
            count, seconds = self.spec.rate
            while self._passed and self._passed[0] <= now - seconds:
                self._passed.popleft()
            if len(self._passed) < count:
                self._passed.append(now)
                return False
        if self._random is not None and self._random.random() >= (self.spec.probability or 0.0):
            return False
        self.fired += 1
        return True


class Verdict(Record):
    """What the SMTP layer does at a stage: wait ``delay`` seconds, then go on (no
    ``refusal``), or send ``reply`` (None: nothing) and hang up if ``hang_up``."""

    delay: float = 0.0
    reply: str | None = None
    hang_up: bool = False
    refusal: Refusal | None = None


PASS = Verdict()


class Faults:
    """One server's rules and refused-mail log; safe to use from any thread."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        log: RefusedLog | None = None,
    ) -> None:
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._rules: dict[str, Rule] = {}
        self._refused_log = log  # made with the first refusal (see _log)
        #: stage -> its rules, in the order they were added; replaced whole on every change
        self._by_stage: dict[str, tuple[Rule, ...]] = {}
        #: whether any rule exists: the SMTP layer's fast path reads only this
        self.active = False

    # -- the rule set --------------------------------------------------------------------------

    def add(self, spec: RuleSpec, rule_id: str | None = None) -> Rule:
        """Add one rule (replacing the one with ``rule_id``, if given and present)."""
        return self.add_all([spec], [rule_id])[0]

    def add_all(
        self, specs: Iterable[RuleSpec], rule_ids: Iterable[str | None] | None = None
    ) -> list[Rule]:
        """Add several rules at once: all of them, or (over :data:`MAX_RULES`) none."""
        from .spec import RuleError

        specs = list(specs)
        ids = list(rule_ids) if rule_ids is not None else [None] * len(specs)
        # Built outside the lock (patterns compile), so the SMTP server never waits on that.
        added = [
            Rule(spec, given or secrets.token_hex(4), self)
            for spec, given in zip(specs, ids, strict=True)
        ]
        with self._lock:
            replaced = sum(1 for i in ids if i is not None and i in self._rules)
            if len(self._rules) - replaced + len(specs) > MAX_RULES:
                raise RuleError(f"a server holds at most {MAX_RULES} rules")
            for rule, given in zip(added, ids, strict=True):
                while given is None and rule.id in self._rules:  # a drawn ID already taken
                    rule.id = secrets.token_hex(4)
                self._rules.pop(rule.id, None)  # a replaced rule starts afresh, at the end
                self._rules[rule.id] = rule
            self._reindex()
        return added

    def remove(self, rule_id: str) -> bool:
        """Remove a rule by ID; False if there is none."""
        with self._lock:
            if self._rules.pop(rule_id, None) is None:
                return False
            self._reindex()
        return True

    def remove_all(self, keep: Iterable[str] = ()) -> int:
        """Remove every rule except those whose IDs are in ``keep``; how many went."""
        keep = set(keep)
        with self._lock:
            gone = [rule_id for rule_id in self._rules if rule_id not in keep]
            for rule_id in gone:
                del self._rules[rule_id]
            self._reindex()
        return len(gone)

    def _reindex(self) -> None:
        by_stage: dict[str, list[Rule]] = {}
        for rule in self._rules.values():
            by_stage.setdefault(rule.spec.acts_at, []).append(rule)
        self._by_stage = {stage: tuple(rules) for stage, rules in by_stage.items()}
        self.active = bool(self._rules)

    def get(self, rule_id: str) -> Rule | None:
        return self._rules.get(rule_id)

    def rules(self) -> list[Rule]:
        """Every rule, oldest first."""
        with self._lock:
            return list(self._rules.values())

    def watches(self, stage: str) -> bool:
        """Whether any rule acts at ``stage``."""
        return stage in self._by_stage

    # -- deciding ------------------------------------------------------------------------------

    def check(self, attempt: Attempt) -> Verdict:
        """What to do at ``attempt.stage``: rules are tried oldest first; delays add up, and
        the first rule that refuses decides (and is logged)."""
        rules = self._by_stage.get(attempt.stage)
        if not rules:
            return PASS
        from .replies import reply_line, sends_reply

        delay = 0.0
        with self._lock:
            now = self._clock()
            for rule in rules:
                if self._rules.get(rule.id) is not rule:  # removed since the tuple was read
                    continue
                if not rule._fires(attempt, now):
                    continue
                spec = rule.spec
                delay += spec.delay or 0.0
                if spec.delays_only:
                    continue
                reply = reply_line(spec) if sends_reply(spec) else None
                # RFC 5321 3.8: a 421 reply means the server closes the channel; a refused
                # greeting closes it too (3.1 lets a 554 wait for QUIT, but clients give up).
                hang_up = (
                    spec.drop
                    or attempt.stage == "connect"
                    or (reply is not None and reply.startswith("421"))
                )
                refusal = self._log.add(self._wall_clock(), rule.id, spec, attempt, reply, hang_up)
                return Verdict(delay, reply, hang_up, refusal)
        return Verdict(delay) if delay else PASS

    # -- the refused-mail log ------------------------------------------------------------------

    @property
    def _log(self) -> RefusedLog:
        """The log, made with the first refusal (the caller holds the lock)."""
        log = self._refused_log
        if log is None:
            from .refused import RefusedLog

            log = self._refused_log = RefusedLog()
        return log

    def refused(self) -> list[Refusal]:
        """The logged refusals, newest first."""
        with self._lock:
            log = self._refused_log
            return log.entries() if log is not None else []

    @property
    def refused_total(self) -> int:
        """Refusals since the start or the last clear, including those the log forgot."""
        log = self._refused_log
        return log.total if log is not None else 0

    def clear_refused(self) -> None:
        with self._lock:
            if self._refused_log is not None:
                self._refused_log.clear()
