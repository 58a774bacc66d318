"""Fault-injection routes: the rules, the refused-mail log, and Mailpit's chaos triggers.

``GET/POST /api/v1/rules`` and ``DELETE /api/v1/rules[/{ID}]`` manage the SMTP server's rules
(a JSON object, or a list of them, in the shape ``--rules FILE`` takes); ``GET/DELETE
/api/v1/refused`` read and empty the refused-mail log; ``GET/PUT /api/v1/chaos`` speak Mailpit's
chaos API, mapped onto rules. The rules themselves live in :mod:`mailtrap.faults`.

Their paths and methods are in the route table, :mod:`.routes`.
"""

from __future__ import annotations

from flask import Response

from ..faults import RuleError
from ..faults.schema import chaos_json, refusal_json, rule_json, set_chaos, specs_from_json
from .respond import ApiError, as_json, json_body, ok, state


def list_rules() -> Response:
    return as_json([rule_json(rule) for rule in state().faults.rules()])


def add_rules() -> Response:
    body = json_body()
    try:
        rules = state().faults.add_all(specs_from_json(body))
    except RuleError as error:
        raise ApiError(400, str(error)) from None
    created = [rule_json(rule) for rule in rules]
    return as_json(created if isinstance(body, list) else created[0])


def delete_rules() -> Response:
    state().faults.remove_all()
    return ok()


def delete_rule(ID: str) -> Response:
    if not state().faults.remove(ID):
        raise ApiError(404, "rule not found")
    return ok()


def refused() -> Response:
    faults = state().faults
    entries = faults.refused()
    return as_json(
        {"total": faults.refused_total, "refused": [refusal_json(entry) for entry in entries]}
    )


def clear_refused() -> Response:
    state().faults.clear_refused()
    return ok()


def get_chaos() -> Response:
    return as_json(chaos_json(state().faults))


def put_chaos() -> Response:
    try:
        return as_json(set_chaos(state().faults, json_body(empty={})))
    except RuleError as error:
        raise ApiError(400, str(error)) from None
