"""MailHog's Jim (its chaos monkey, ``/api/v2/jim``) mapped onto fault-injection rules.

Jim's settings are chances between 0 and 1. Each becomes rules with fixed IDs (``jim-...``):
``AcceptChance`` refuses the connection (421) with the rest of the chance, ``DisconnectChance``
hangs up at EHLO/HELO, MAIL, RCPT or DATA, ``RejectSenderChance``, ``RejectRecipientChance``
and ``RejectAuthChance`` refuse MAIL (550), RCPT (550) and AUTH (535). Jim is on while its
connection rule exists. ``LinkSpeed*`` (Jim's bandwidth throttling) are accepted and shown but
not applied: rules delay replies, they do not slow a transfer down.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import Any

from .rules import Faults
from .spec import RuleError, RuleSpec

#: MailHog's defaults.
DEFAULTS: dict[str, float] = {
    "DisconnectChance": 0.005,
    "AcceptChance": 0.99,
    "LinkSpeedAffect": 0.1,
    "LinkSpeedMin": 1024,
    "LinkSpeedMax": 10240,
    "RejectSenderChance": 0.05,
    "RejectRecipientChance": 0.05,
    "RejectAuthChance": 0.05,
}
ACCEPT = "jim-accept"
#: setting -> (rule ID, stage, reply code, reply text)
REJECTS = {
    "RejectSenderChance": ("jim-sender", "mail", 550, "Sender rejected by Jim"),
    "RejectRecipientChance": ("jim-recipient", "rcpt", 550, "Recipient rejected by Jim"),
    "RejectAuthChance": ("jim-auth", "auth", 535, "Authentication rejected by Jim"),
}
DISCONNECT_STAGES = ("ehlo", "mail", "rcpt", "data")
_CHANCES = ("DisconnectChance", "AcceptChance", *REJECTS)


def _probability(faults: Faults, rule_id: str) -> float:
    rule = faults.get(rule_id)
    return (rule.spec.probability or 0.0) if rule is not None else 0.0


def jim_json(faults: Faults) -> dict[str, Any] | None:
    """Jim's settings as MailHog shows them, or None while Jim is off."""
    if faults.get(ACCEPT) is None:
        return None
    settings = dict(DEFAULTS)
    settings["AcceptChance"] = round(1.0 - _probability(faults, ACCEPT), 6)
    settings["DisconnectChance"] = _probability(faults, f"jim-disconnect-{DISCONNECT_STAGES[0]}")
    for name, (rule_id, *_) in REJECTS.items():
        settings[name] = _probability(faults, rule_id)
    return settings


def set_jim(faults: Faults, data: Any) -> dict[str, Any]:
    """Turn Jim on (or change it) with ``data`` over its current settings (or the defaults)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RuleError("Jim's settings must be a JSON object")
    settings = jim_json(faults) or dict(DEFAULTS)
    given = {str(k).lower(): v for k, v in data.items()}
    unknown = set(given) - {name.lower() for name in DEFAULTS}
    if unknown:
        raise RuleError(f"unknown Jim setting(s) {', '.join(sorted(unknown))}")
    for name in DEFAULTS:
        value = given.get(name.lower(), settings[name])
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RuleError(f"{name} must be a number")
        if name in _CHANCES and not 0 <= value <= 1:
            raise RuleError(f"{name} must be between 0 and 1")
        settings[name] = value
    specs = [
        RuleSpec(
            "connect", 421, "Connection refused by Jim", probability=1 - settings["AcceptChance"]
        )
    ]
    ids = [ACCEPT]
    for stage in DISCONNECT_STAGES:
        specs.append(RuleSpec(stage, drop=True, probability=settings["DisconnectChance"]))
        ids.append(f"jim-disconnect-{stage}")
    for name, (rule_id, stage, code, text) in REJECTS.items():
        specs.append(RuleSpec(stage, code, text, probability=settings[name]))
        ids.append(rule_id)
    faults.add_all(specs, ids)
    shown = jim_json(faults)
    assert shown is not None
    for name in ("LinkSpeedAffect", "LinkSpeedMin", "LinkSpeedMax"):
        shown[name] = settings[name]
    return shown


def stop_jim(faults: Faults) -> bool:
    """Turn Jim off (remove its rules); False when it was off."""
    on = faults.get(ACCEPT) is not None
    for rule in faults.rules():
        if rule.id.startswith("jim-"):
            faults.remove(rule.id)
    return on
