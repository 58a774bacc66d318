"""What a fault-injection rule says, checked once when it is made: :class:`RuleSpec`.

A rule names an SMTP stage and optionally narrows it to senders, recipients or a subject; its
action is a reply (code and text), a delay, a dropped connection or a rate limit, limited by
``times`` or a seeded ``probability``. Every check happens here, so a bad rule is refused with
a :class:`RuleError` naming the field before it can reach a server. Pure data: no I/O.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: The SMTP stages a rule can act at, in the order a session meets them.
STAGES = ("connect", "ehlo", "auth", "mail", "rcpt", "data", "end")

#: What the server knows of the transaction at each stage (what a rule may narrow it by).
KNOWN_AT = {
    "connect": frozenset(),
    "ehlo": frozenset(),
    "auth": frozenset(),
    "mail": frozenset({"sender"}),
    "rcpt": frozenset({"sender", "to"}),
    "data": frozenset({"sender", "to"}),
    "end": frozenset({"sender", "to", "subject"}),
}

MAX_TEXT = 200
MAX_PATTERN = 320  # RFC 5321 4.5.3.1.3: a path is at most 256 octets; room for wildcards
MAX_DELAY = 600.0
_ENHANCED = re.compile(r"[245]\.\d{1,3}\.\d{1,3}(?: |$)")


class RuleError(ValueError):
    """A rule that cannot be made; the message names the field and what is wrong."""


def is_enhanced(text: str) -> bool:
    """Whether ``text`` starts with an RFC 3463 enhanced status code (``4.7.1 ...``)."""
    return bool(_ENHANCED.match(text))


def _number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleError(f"{name} must be a number, not {value!r}")
    if not math.isfinite(value):
        raise RuleError(f"{name} must be a finite number")
    return float(value)


def _whole(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(f"{name} must be a whole number, not {value!r}")
    if value < minimum:
        raise RuleError(f"{name} must be at least {minimum}")
    return value


def _line(name: str, value: object, limit: int, ascii_only: bool = False) -> str:
    """One printable line, never a CR or LF; ASCII only for what goes into an SMTP reply."""
    if not isinstance(value, str):
        raise RuleError(f"{name} must be a string, not {value!r}")
    if not value.strip():
        raise RuleError(f"{name} must not be empty")
    if len(value) > limit:
        raise RuleError(f"{name} must be at most {limit} characters")
    if ascii_only and not (value.isascii() and value.isprintable()):
        raise RuleError(f"{name} must be printable ASCII on one line")
    if not value.isprintable():
        raise RuleError(f"{name} must be printable on one line")
    return value


@dataclass(frozen=True)
class RuleSpec:
    """One rule as written by ``trap.fail(...)``, ``POST /api/v1/rules`` or a ``--rules`` file.

    ``code``: the reply (400-599; a default per stage when omitted). ``text``: its text, after
    an RFC 3463 enhanced status code that is added unless the text starts with one.
    ``sender``/``to``: address patterns where ``*`` matches anything (case-insensitive).
    ``subject``: a case-insensitive substring; only known at the end of DATA, so a rule with
    ``subject`` acts at ``"end"`` (``"data"`` is taken to mean that too). ``times``: fire at
    most this often, then let mail through. ``probability`` (0 to 1) with an optional ``seed``:
    fire at random, the same way on every run with the same seed. ``delay``: seconds to wait
    first (alone: a slow server that then goes on). ``drop``: hang up, after the reply if a
    code is given, silently otherwise. ``rate=(count, seconds)``: let ``count`` through in any
    ``seconds``, refuse the rest.
    """

    stage: str
    code: int | None = None
    text: str | None = None
    sender: str | None = None
    to: str | None = None
    subject: str | None = None
    times: int | None = None
    probability: float | None = None
    seed: int | None = None
    delay: float | None = None
    drop: bool = False
    rate: tuple[int, float] | None = None

    def __post_init__(self) -> None:
        stage = self.stage.lower() if isinstance(self.stage, str) else self.stage
        if stage not in STAGES:
            raise RuleError(f"stage must be one of {', '.join(STAGES)}, not {self.stage!r}")
        object.__setattr__(self, "stage", stage)
        if self.code is not None:
            code = _whole("code", self.code, 400)
            if code > 599:
                raise RuleError("code must be a 4xx or 5xx reply code (400-599)")
        if self.text is not None:
            _line("text", self.text, MAX_TEXT, ascii_only=True)  # RFC 5321 4.2: ASCII replies
        for name in ("sender", "to"):
            if getattr(self, name) is not None:
                _line(name, getattr(self, name), MAX_PATTERN)
        if self.subject is not None:
            _line("subject", self.subject, MAX_TEXT)
            if stage not in ("data", "end"):
                raise RuleError(
                    f'subject is only known at the end of DATA: use stage "end", not "{stage}"'
                )
        for name in ("sender", "to"):
            if getattr(self, name) is not None and name not in KNOWN_AT[self.acts_at]:
                raise RuleError(f'{name} is not known yet at stage "{stage}"')
        if self.times is not None:
            _whole("times", self.times, 1)
        if self.probability is not None:
            probability = _number("probability", self.probability)
            if not 0.0 <= probability <= 1.0:
                raise RuleError("probability must be between 0 and 1")
        if self.seed is not None:
            _whole("seed", self.seed, 0)
            if self.probability is None:
                raise RuleError("seed only goes with probability")
        if self.delay is not None:
            delay = _number("delay", self.delay)
            if not 0.0 <= delay <= MAX_DELAY:
                raise RuleError(f"delay must be between 0 and {MAX_DELAY:g} seconds")
        if not isinstance(self.drop, bool):
            raise RuleError(f"drop must be true or false, not {self.drop!r}")
        if self.rate is not None:
            self._check_rate(self.rate)

    def _check_rate(self, rate: object) -> None:
        if not isinstance(rate, tuple | list) or len(rate) != 2:
            raise RuleError("rate must be (count, seconds)")
        count = _whole("rate count", rate[0], 1)
        seconds = _number("rate seconds", rate[1])
        if not 0.0 < seconds <= 86400.0:
            raise RuleError("rate seconds must be more than 0 and at most a day")
        object.__setattr__(self, "rate", (count, seconds))

    @property
    def acts_at(self) -> str:
        """The stage the rule is checked at: ``"end"`` for a DATA rule on the subject."""
        return "end" if self.stage == "data" and self.subject is not None else self.stage

    @property
    def delays_only(self) -> bool:
        """A slow server, not a refusal: wait, then go on as if nothing happened."""
        return self.delay is not None and self.code is None and not self.drop and self.rate is None
