"""Rules and refusals as JSON, and Mailpit's chaos triggers mapped onto rules.

One shape for ``POST /api/v1/rules``, ``GET /api/v1/rules`` and ``--rules FILE``: an object
with Mailpit-style field names (``Stage``, ``Code``, ``Text``, ``Sender``, ``To``, ``Subject``,
``Times``, ``Probability``, ``Seed``, ``Delay``, ``Drop``, ``Rate``); keys match in any case,
as Go's JSON decoding does. What ``GET`` adds (``ID``, ``Fired``, ...) is ignored on the way
back in, so a listing saved to a file is a valid rules file.

Mailpit's ``/api/v1/chaos`` has three triggers, each ``{"ErrorCode", "Probability"}`` (a
percentage): ``Sender`` fails MAIL FROM, ``Recipient`` fails RCPT TO, ``Authentication`` fails
AUTH. Each trigger in use is one rule with a fixed ID (``chaos-sender``, ...).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .refused import Refusal
from .replies import reply_line, sends_reply
from .rules import Faults, Rule
from .spec import RuleError, RuleSpec

#: JSON field -> RuleSpec field.
FIELDS = {
    "Stage": "stage",
    "Code": "code",
    "Text": "text",
    "Sender": "sender",
    "To": "to",
    "Subject": "subject",
    "Times": "times",
    "Probability": "probability",
    "Seed": "seed",
    "Delay": "delay",
    "Drop": "drop",
    "Rate": "rate",
}
_BY_KEY = {name.lower(): field for name, field in FIELDS.items()}
#: Fields a listing adds; ignored when a rule is read.
READ_ONLY = frozenset({"id", "fired", "remaining", "reply"})


def _rate(value: Any) -> Any:
    """``{"Count": n, "Seconds": s}`` or ``[n, s]`` -> ``(n, s)``; anything else as it is."""
    if isinstance(value, dict):
        keys = {str(k).lower(): v for k, v in value.items()}
        if set(keys) != {"count", "seconds"}:
            raise RuleError('Rate must be {"Count": N, "Seconds": S}')
        return (keys["count"], keys["seconds"])
    if isinstance(value, list):
        return tuple(value)
    return value


def spec_from_json(data: Any) -> RuleSpec:
    """A :class:`RuleSpec` from one JSON rule object; :class:`RuleError` names what is wrong."""
    if not isinstance(data, dict):
        raise RuleError("a rule must be a JSON object")
    options: dict[str, Any] = {}
    unknown = []
    for key, value in data.items():
        field = _BY_KEY.get(str(key).lower())
        if field is None:
            if str(key).lower() not in READ_ONLY:
                unknown.append(str(key))
        elif value is not None:
            options[field] = value
    if unknown:
        raise RuleError(f"unknown field(s) {', '.join(sorted(unknown))}")
    if "stage" not in options:
        raise RuleError("Stage is required")
    if "rate" in options:
        options["rate"] = _rate(options["rate"])
    return RuleSpec(**options)


def specs_from_json(data: Any) -> list[RuleSpec]:
    """A list of rules (one object counts as a list of one); errors say which rule."""
    items = data if isinstance(data, list) else [data]
    specs = []
    for number, item in enumerate(items, 1):
        try:
            specs.append(spec_from_json(item))
        except RuleError as error:
            raise RuleError(f"rule {number}: {error}" if len(items) > 1 else str(error)) from None
    return specs


def rule_json(rule: Rule) -> dict[str, Any]:
    spec = rule.spec
    return {
        "ID": rule.id,
        **spec_json(spec),
        "Seed": rule.seed,
        "Fired": rule.fired,
        "Remaining": rule.remaining,
    }


def spec_json(spec: RuleSpec) -> dict[str, Any]:
    data = {name: getattr(spec, field) for name, field in FIELDS.items()}
    if spec.rate is not None:
        data["Rate"] = {"Count": spec.rate[0], "Seconds": spec.rate[1]}
    data["Reply"] = reply_line(spec) if sends_reply(spec) and not spec.delays_only else None
    return data


def _time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


def refusal_json(refusal: Refusal) -> dict[str, Any]:
    attempt = refusal.attempt
    return {
        "ID": refusal.seq,
        "Created": _time(refusal.time),
        "Stage": attempt.stage,
        "Reply": refusal.reply,
        "Dropped": refusal.dropped,
        "Peer": attempt.peer,
        "Helo": attempt.helo,
        "Sender": attempt.sender,
        "Recipients": list(attempt.recipients),
        "Subject": attempt.subject,
        "RuleID": refusal.rule_id,
        "Rule": spec_json(refusal.rule),
    }


# -- Mailpit's chaos ------------------------------------------------------------------------------

#: trigger -> (stage, default code, reply text); Mailpit's own defaults and wording.
CHAOS = {
    "Sender": ("mail", 451, "Chaos sender error"),
    "Recipient": ("rcpt", 451, "Chaos recipient error"),
    "Authentication": ("auth", 535, "Chaos authentication error"),
}


def _chaos_id(trigger: str) -> str:
    return f"chaos-{trigger.lower()}"


def chaos_json(faults: Faults) -> dict[str, Any]:
    """The three triggers as Mailpit shows them (a trigger not in use: its default, 0%)."""
    triggers = {}
    for trigger, (_, default, _) in CHAOS.items():
        rule = faults.get(_chaos_id(trigger))
        if rule is None:
            triggers[trigger] = {"ErrorCode": default, "Probability": 0}
        else:
            percent = round((rule.spec.probability or 0.0) * 100)
            triggers[trigger] = {"ErrorCode": rule.spec.code, "Probability": percent}
    return triggers


def _trigger(name: str, value: Any) -> tuple[int, int]:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise RuleError(f"{name} must be an object with ErrorCode and Probability")
    keys = {str(k).lower(): v for k, v in value.items()}
    code = keys.get("errorcode") or CHAOS[name][1]
    percent = keys.get("probability") or 0
    for field, number in (("ErrorCode", code), ("Probability", percent)):
        if isinstance(number, bool) or not isinstance(number, int):
            raise RuleError(f"{name}.{field} must be a whole number")
    if not 400 <= code <= 599:
        raise RuleError("error code must be between 400 and 599")
    if not 0 <= percent <= 100:
        raise RuleError("probability must be between 0 and 100")
    return code, percent


def set_chaos(faults: Faults, data: Any) -> dict[str, Any]:
    """Apply a ``PUT /api/v1/chaos`` body; omitted triggers go back to their defaults (off)."""
    if not isinstance(data, dict):
        raise RuleError("the chaos triggers must be a JSON object")
    given = {str(k).lower(): v for k, v in data.items()}
    unknown = set(given) - {t.lower() for t in CHAOS}
    if unknown:
        raise RuleError(f"unknown trigger(s) {', '.join(sorted(unknown))}")
    settings = {name: _trigger(name, given.get(name.lower())) for name in CHAOS}
    for name, (code, percent) in settings.items():
        stage, default, text = CHAOS[name]
        if percent == 0 and code == default:
            faults.remove(_chaos_id(name))
        else:
            spec = RuleSpec(stage, code, text, probability=percent / 100)
            faults.add(spec, rule_id=_chaos_id(name))
    return chaos_json(faults)
